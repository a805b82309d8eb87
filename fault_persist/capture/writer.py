"""Store events from inside a host process without ever blocking it long.

The notifier driver hands each error event to :class:`BackgroundWriter`,
which stores batches on a thread of its own. The caller waits at most
``[fault_persist] driver_write_timeout`` seconds for the commit; when the
database is down, slow or the wait runs out, the events go to the spool
(fsynced) instead. Whatever is spooled is replayed by the same thread as
soon as the database answers again. Storing is idempotent on
``message_id``, so an event both committed late and spooled is stored
once.
"""

import os
import queue
import threading
import time
import weakref

from oslo_config import cfg
from oslo_log import log as logging

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import spool as capture_spool

LOG = logging.getLogger(__name__)

writer_opts = [
    cfg.FloatOpt('driver_write_timeout',
                 default=2.0, min=0.0,
                 help='Longest time, in seconds, the notifier driver makes '
                      'the host wait for an error to be committed to the '
                      'database. Past it, the error is written to the '
                      'spool and stored later.'),
    cfg.FloatOpt('spool_replay_interval',
                 default=30.0, min=1.0,
                 help='Seconds between two attempts to replay the spool '
                      'while it holds events.'),
]

_BATCH_LIMIT = 500
# Every writer of this process, for flush().
_WRITERS = weakref.WeakSet()
_SHARED_LOCK = threading.Lock()
# The configuration, pipeline and writer shared() made last.
_SHARED = (None, None, None)


def shared(conf):
    """This process's pipeline and background writer for ``conf``.

    The notifier driver and the direct calls share them: one thread, one
    spool replayer and one set of counters per process, made on first use.

    :param conf: a ``ConfigOpts`` fault_persist was initialised with.
    :returns: ``(pipeline, writer)``.
    :raises: what :meth:`Pipeline.from_conf` raises for a bad
        configuration (e.g. an unreadable definitions file).
    """
    global _SHARED
    with _SHARED_LOCK:
        shared_conf, pipeline, writer = _SHARED
        if shared_conf is not conf:
            group = conf.fault_persist
            pipeline = capture_pipeline.Pipeline.from_conf(conf)
            writer = BackgroundWriter(
                pipeline.store, capture_spool.Spool(group.spool_dir),
                pipeline.counters, group.driver_write_timeout,
                group.spool_replay_interval)
            _SHARED = (conf, pipeline, writer)
        return pipeline, writer


def flush(timeout=None):
    """Wait until what this process's captures handed over is settled.

    The notifier driver stores task starts and ends in the background; a
    host calls this when it stops (or a test before it reads), so that
    nothing handed over is still in memory: all of it is committed or
    spooled.

    :param timeout: seconds to wait for each writer; no limit by default.
    :returns: ``True`` when every writer settled in time.
    """
    return all([writer.flush(timeout) for writer in list(_WRITERS)])


class _Job:
    __slots__ = ('events', 'done', 'stored')

    def __init__(self, events):
        self.events = events
        self.done = threading.Event()
        self.stored = False


class BackgroundWriter:
    """Store event batches on a thread, spooling what cannot be stored.

    :param store: callable storing a list of events; raises on failure.
    :param spool: a :class:`~fault_persist.capture.spool.Spool`.
    :param counters: a :class:`~fault_persist.capture.pipeline.Counters`.
    :param timeout: seconds :meth:`submit` waits for the commit.
    :param replay_interval: seconds between replay attempts of a spool.
    """

    def __init__(self, store, spool, counters, timeout, replay_interval):
        self._store = store
        self._spool = spool
        self._counters = counters
        self._timeout = timeout
        self._replay_interval = replay_interval
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None
        self._next_replay = 0.0
        # Until this monotonic time the database is taken as failing:
        # events go straight to the spool and the host does not wait.
        self._failing_until = 0.0
        _WRITERS.add(self)

    def hand_over(self, events):
        """Queue ``events`` for storing and return at once.

        For what must not slow the host (task starts and ends): the thread
        commits them, or spools them when the database fails. Only a crash
        of the process within the few milliseconds before the commit can
        lose them.
        """
        self._ensure_thread()
        self._queue.put(_Job(events))

    def submit(self, events):
        """Store ``events``: committed, or spooled, before returning.

        Waits for the commit at most the configured timeout; while the
        database is known to fail, spools at once.

        :returns: ``True`` when committed, ``False`` when spooled.
        """
        self._ensure_thread()
        if time.monotonic() < self._failing_until:
            self._spool_events(events)
            return False
        job = _Job(events)
        self._queue.put(job)
        if job.done.wait(self._timeout) and job.stored:
            return True
        if not job.done.is_set():
            # Too slow: make the events durable here; if the thread commits
            # them later too, message_id keeps them single.
            self._failing()
            self._spool_events(events)
        return False

    def spool(self, events):
        """Write ``events`` to the spool now; the thread replays them.

        For a caller that already knows the database failed.
        """
        self._ensure_thread()
        self._failing()
        self._spool_events(events)

    def _failing(self):
        self._failing_until = time.monotonic() + self._replay_interval

    def _ensure_thread(self):
        pid = os.getpid()
        if self._pid == pid and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == pid and self._thread.is_alive():
                return
            # First use, or a fork: threads do not survive fork().
            if self._pid != pid:
                self._queue = queue.Queue()
            self._thread = threading.Thread(
                target=self._run, name='fault-persist-writer', daemon=True)
            self._pid = pid
            self._thread.start()

    def _run(self):
        while True:
            try:
                job = self._queue.get(timeout=self._replay_interval)
            except queue.Empty:
                self._replay_if_due(force=True)
                continue
            jobs = [job]
            while len(jobs) < _BATCH_LIMIT:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(jobs)

    def _write(self, jobs):
        events = [event for job in jobs for event in job.events]
        stored = False
        try:
            self._store(events)
            stored = True
        except Exception as exc:  # noqa: any failure means: spool
            LOG.warning('fault_persist could not store %(count)d events '
                        '(%(error)s); they are spooled and will be stored '
                        'once the database answers', {'count': len(events),
                                                      'error': exc})
            self._failing()
            self._spool_events(events)
        else:
            self._failing_until = 0.0
            self._replay_if_due()
        for job in jobs:
            job.stored = stored
            job.done.set()

    def _spool_events(self, events):
        try:
            self._spool.append(events)
            self._counters.add('spooled', len(events))
        except OSError as exc:
            self._counters.add('lost', len(events))
            LOG.error('fault_persist lost %(count)d events: the database '
                      'and the spool (%(dir)s) both failed: %(error)s',
                      {'count': len(events), 'dir': self._spool.directory,
                       'error': exc})

    def _replay_if_due(self, force=False):
        now = time.monotonic()
        if not force and now < self._next_replay:
            return
        self._next_replay = now + self._replay_interval
        try:
            if not self._spool.pending():
                return
            count = self._spool.replay(self._store)
            self._counters.add('replayed', count)
            self._failing_until = 0.0
        except Exception as exc:  # noqa: the database is still away
            LOG.info('fault_persist spool replay postponed: %s', exc)

    def flush(self, timeout=None):
        """Wait until every job submitted so far is settled (tests, exit).

        :returns: ``True`` when settled within ``timeout``.
        """
        if self._thread is None or self._pid != os.getpid():
            return True  # nothing handed over in this process
        job = _Job([])
        self._ensure_thread()
        self._queue.put(job)
        return job.done.wait(timeout)
