"""Child processes that die with their parent.

A listener's workers and storers must not outlive the process that
started them: orphans would go on consuming from the bus, with nobody to
stop them, restart them or read their counters. A child calls
:func:`die_with_parent` first thing after the fork; three things then end
it once its parent is gone, whatever killed the parent (SIGKILL, the
out-of-memory killer):

- on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the
  child the moment its parent exits, even when the child is stuck in C
  code and runs no Python. The kernel sends it when the *thread* that
  forked the child ends, so it is asked for only when the parent forked
  from its main thread, which lives as long as the process;
- a check of ``os.getppid()`` right after: a parent that died between the
  fork and the ``prctl`` call would never send the signal;
- a daemon thread that compares ``os.getppid()`` with the parent's pid
  every second: for a child forked from another thread, for systems
  without ``prctl``, and should the signal not come.

Nothing a dying child held is lost: messages it had not acknowledged go
back to the bus, and storing them again is idempotent on ``message_id``.
"""

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid, forked_from_main_thread=True, interval=1.0):
    """End this process (``os._exit``) once ``parent_pid`` is gone.

    Call it in the child, right after the fork.

    :param parent_pid: the parent's pid, read before the fork.
    :param forked_from_main_thread: whether the parent forked from its
        main thread; only then is the kernel asked to kill the child.
    :param interval: seconds between two checks of the parent.
    """
    if forked_from_main_thread:
        _ask_kernel(signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid, interval),
                     name='fault_persist-parent-watch', daemon=True).start()


def _ask_kernel(signum):
    if not sys.platform.startswith('linux'):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6',
                           use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), 'prctl(PR_SET_PDEATHSIG)')
    except (OSError, AttributeError) as exc:
        LOG.warning('fault_persist could not ask the kernel to end process '
                    '%(pid)d with its parent (%(error)s); it checks its '
                    'parent every second instead',
                    {'pid': os.getpid(), 'error': exc})


def _watch(parent_pid, interval):
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(1)
