"""What /proc says about the processes a test started (Linux)."""

import os


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name."""
    with open('/proc/%s/stat' % pid) as stat:
        # pid (comm) state ppid ...; comm may hold spaces and parentheses.
        return stat.read().rsplit(')', 1)[1].split()


def running(pid):
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return _stat_fields(pid)[0] not in 'ZX'
    except (OSError, IndexError):
        return False


def children(pid):
    """The ids of the child processes of ``pid``, sorted."""
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            parent = int(_stat_fields(entry)[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            found.append(int(entry))
    return sorted(found)
