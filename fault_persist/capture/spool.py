"""A local, durable spool of events the database could not take in time.

One file per process (``<host>-<pid>.spool`` under ``[fault_persist]
spool_dir``), one JSON event per line, flushed and fsynced before
:meth:`Spool.append` returns: an event is either in the database or on
disk. :meth:`Spool.replay` stores the events of every spool file in the
directory and removes each file once its events are committed; the store
is idempotent on ``message_id``, so a replay cut short repeats nothing.

Writers and the replayer serialise on ``flock`` of each file. A writer
that finds its file removed under it (a replay finished) starts a new one.
"""

import datetime
import errno
import fcntl
import json
import os
import socket

from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

spool_opts = [
    cfg.StrOpt('spool_dir',
               default='${fault_persist.state_path}/spool',
               help='Directory of the spool: events that could not be '
                    'stored while the database was unavailable or slow, '
                    'one file per process, replayed automatically once the '
                    'database answers and by "fault-persist-manage spool '
                    'replay".'),
]

SUFFIX = '.spool'
_TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%f'


def _encode(event):
    event = dict(event)
    if isinstance(event.get('timestamp'), datetime.datetime):
        event['timestamp'] = event['timestamp'].strftime(_TIME_FORMAT)
    return json.dumps(event, sort_keys=True, ensure_ascii=False)


def _decode(line):
    event = json.loads(line)
    event['timestamp'] = datetime.datetime.strptime(event['timestamp'],
                                                    _TIME_FORMAT)
    return event


class Spool:
    """The spool directory, as seen by one process.

    :param directory: the spool directory; created when missing.
    """

    def __init__(self, directory):
        self.directory = directory

    def _own_path(self):
        return os.path.join(self.directory, '%s-%d%s' % (
            socket.gethostname(), os.getpid(), SUFFIX))

    def append(self, events):
        """Write events durably (flushed and fsynced) to this process' file.

        :param events: event dicts (see :mod:`fault_persist.extract`).
        :raises: ``OSError`` when the disk refuses; the caller logs it.
        """
        if not events:
            return
        data = ''.join(_encode(event) + '\n' for event in events)
        os.makedirs(self.directory, exist_ok=True)
        while True:
            fd = os.open(self._own_path(),
                         os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if os.fstat(fd).st_nlink == 0:
                    continue  # replayed and removed while we waited
                os.write(fd, data.encode('utf-8'))
                os.fsync(fd)
                return
            finally:
                os.close(fd)

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

        A file another process is replaying is skipped. Unreadable lines
        (a torn last write, say) are logged and kept aside in a
        ``.rejected`` file, never silently dropped.

        :param store: a callable taking a list of events; it raises when
            the database fails, which stops the replay (the files stay).
        :param batch_size: events per call of ``store``.
        :returns: how many events were stored.
        """
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
            events, rejected = [], []
            for line in lines:
                if not line.strip():
                    continue
                try:
                    events.append(_decode(line))
                except (ValueError, KeyError, TypeError) as exc:
                    LOG.error('Unreadable spool line in %(path)s kept in '
                              '%(path)s.rejected: %(error)s',
                              {'path': path, 'error': exc})
                    rejected.append(line)
            for start in range(0, len(events), batch_size):
                store(events[start:start + batch_size])
            if rejected:
                with open(path + '.rejected', 'a', encoding='utf-8') as out:
                    out.write(''.join(line + '\n' for line in rejected))
                    out.flush()
                    os.fsync(out.fileno())
            os.unlink(path)
            LOG.info('Replayed %(count)d spooled events from %(path)s',
                     {'count': len(events), 'path': path})
            return len(events)
        finally:
            os.close(fd)


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
