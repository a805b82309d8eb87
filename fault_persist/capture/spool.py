"""A local, durable spool of events the database could not take in time.

Each :class:`Spool` writes a file of its own,
``<host>-<pid>-<random>.spool`` under ``[fault_persist] spool_dir``, one
JSON event per line, flushed and fsynced before :meth:`Spool.append`
returns: an event is either in the database or on disk.

No other process ever locks a file a live process writes: the writer
holds an exclusive ``flock`` on its file for as long as it writes to it
(the file is created under a temporary name, locked, then renamed into
place, so nobody sees it unlocked). :meth:`Spool.replay` takes each
other file with a non-blocking ``flock``: a file still locked belongs to a
live writer (or another replayer) and is skipped; one it gets belongs to a
process that is gone, and is replayed and removed. A process replays its
own file by first closing it (its next append starts a new file). The
store is idempotent on ``message_id``, so a replay cut short repeats
nothing.
"""

import datetime
import errno
import fcntl
import json
import os
import socket
import threading

from oslo_utils import uuidutils

from oslo_log import log as logging

from fault_persist import events

LOG = logging.getLogger(__name__)

SUFFIX = '.spool'
_TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%f'


def _encode(record):
    """One line of JSON: an event, or a direct call's record (a dict)."""
    record = dict(record) if isinstance(record, dict) else record.as_dict()
    if isinstance(record.get('timestamp'), datetime.datetime):
        record['timestamp'] = record['timestamp'].strftime(_TIME_FORMAT)
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def _decode(line):
    """The event or record of a line of :func:`_encode`.

    :raises: :class:`ValueError` for a line that is neither.
    """
    record = json.loads(line)
    record['timestamp'] = datetime.datetime.strptime(record['timestamp'],
                                                     _TIME_FORMAT)
    if record.get('kind') in events.KINDS:
        return events.Event.from_dict(record)
    return record


class Spool:
    """The spool directory, as seen by one writer of one process.

    :param directory: the spool directory; created when missing.
    """

    def __init__(self, directory):
        self.directory = directory
        self._lock = threading.Lock()
        self._fd = None
        self._path = None
        self._pid = None

    def _open_own_file(self):
        os.makedirs(self.directory, exist_ok=True)
        name = '%s-%d-%s' % (socket.gethostname(), os.getpid(),
                             uuidutils.generate_uuid(dashed=False)[:12])
        temporary = os.path.join(self.directory, '.%s.tmp' % name)
        fd = os.open(temporary, os.O_WRONLY | os.O_APPEND | os.O_CREAT |
                     os.O_EXCL, 0o600)
        try:
            # Locked before it has a name replayers look at: a replayer
            # never takes a file a live process writes.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path = os.path.join(self.directory, name + SUFFIX)
            os.rename(temporary, path)
        except BaseException:
            os.close(fd)
            _unlink_quietly(temporary)
            raise
        self._fd, self._path, self._pid = fd, path, os.getpid()

    def _close_own_file(self):
        """Stop writing the current file; it may then be replayed."""
        if self._fd is not None:
            # In a forked child this closes the inherited copy only: the
            # lock stays with the parent until the parent closes it too.
            os.close(self._fd)
        self._fd = self._path = self._pid = None

    def append(self, events):
        """Write events durably (flushed and fsynced) to this writer's file.

        Never waits for another process: the file is this writer's alone.

        :param events: :class:`~fault_persist.events.Event` objects and
            the direct calls' records (dicts, see
            :mod:`fault_persist.projections`).
        :raises: ``OSError`` when the disk refuses; the caller logs it.
        """
        if not events:
            return
        data = ''.join(_encode(event) + '\n' for event in events)
        with self._lock:
            if self._pid != os.getpid():
                self._close_own_file()
            if self._fd is None:
                self._open_own_file()
            try:
                os.write(self._fd, data.encode('utf-8'))
                os.fsync(self._fd)
            except OSError:
                # A short write leaves a torn line: start a new file and
                # let the replay set the torn line aside.
                self._close_own_file()
                raise

    def close(self):
        """Release this writer's file (a replay, of any process, takes it)."""
        with self._lock:
            self._close_own_file()

    def files(self):
        """The spool files present, oldest first."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        paths = [os.path.join(self.directory, name) for name in names
                 if name.endswith(SUFFIX)]
        return sorted(paths, key=_mtime)

    def pending(self):
        """Whether any spool file holds events."""
        return any(_size(path) for path in self.files())

    def replay(self, store, batch_size=500):
        """Store the events of every spool file, then remove the file.

        A file that another live process writes, or another process is
        replaying, is skipped (never waited for). Unreadable lines
        (a torn last write, say) are logged and kept aside in a
        ``.rejected`` file, never silently dropped.

        :param store: a callable taking a list of events; it raises when
            the database fails, which stops the replay (the files stay).
        :param batch_size: events per call of ``store``.
        :returns: how many events were stored.
        """
        with self._lock:
            if self._fd is not None and self._pid == os.getpid():
                # Our own file: appends go to a new one from now on.
                self._close_own_file()
        total = 0
        for path in self.files():
            total += self._replay_file(path, store, batch_size)
        return total

    def _replay_file(self, path, store, batch_size):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return 0
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    return 0  # a writer or another replayer has it now
                raise
            if os.fstat(fd).st_nlink == 0:
                return 0
            with os.fdopen(os.dup(fd), encoding='utf-8') as stream:
                lines = stream.read().splitlines()
            records, rejected = [], []
            for line in lines:
                if not line.strip():
                    continue
                try:
                    records.append(_decode(line))
                except (ValueError, KeyError, TypeError) as exc:
                    LOG.error('Unreadable spool line in %(path)s kept in '
                              '%(path)s.rejected: %(error)s',
                              {'path': path, 'error': exc})
                    rejected.append(line)
            for start in range(0, len(records), batch_size):
                store(records[start:start + batch_size])
            if rejected:
                with open(path + '.rejected', 'a', encoding='utf-8') as out:
                    out.write(''.join(line + '\n' for line in rejected))
                    out.flush()
                    os.fsync(out.fileno())
            os.unlink(path)
            LOG.info('Replayed %(count)d spooled events from %(path)s',
                     {'count': len(records), 'path': path})
            return len(records)
        finally:
            os.close(fd)


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _mtime(path):
    try:
        return os.stat(path).st_mtime
    except FileNotFoundError:
        return 0


def _size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0
