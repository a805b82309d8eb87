"""Store events from inside a host process without ever blocking it long.

Every call a host makes (the notifier driver's ``notify``, ``save_fault``,
``track_task``) hands its records to :class:`BackgroundWriter` and waits
at most ``[fault_persist] driver_write_timeout`` seconds. Two threads of
the writer do the work:

* the *drainer* takes jobs from a bounded in-memory queue and gives each
  batch to the store thread; when the batch is not committed by the time
  its oldest job has waited ``driver_write_timeout`` (or the database is
  known to fail), the drainer writes the batch to the spool (fsynced);
* the *store thread* talks to the database, and may hang there as long as
  the database does (bounded by ``db_statement_timeout``); it also
  replays the spool once the database answers again.

So nothing a host hands over stays in memory longer than the bound, and
the queue never holds more than ``writer_queue_events`` events or
``writer_queue_bytes`` bytes: past either, the caller spools its records
itself. Storing is idempotent on ``message_id``, so a record committed
late *and* spooled is stored once. Each job is settled (committed or
spooled) exactly once, so ``spooled`` and ``lost`` count each record
once; ``lost`` counts only records that neither the database nor the
spool took.
"""

import collections
import os
import threading
import time
import weakref

from oslo_log import log as logging

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import spool as capture_spool

LOG = logging.getLogger(__name__)

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
                group.spool_replay_interval,
                max_events=group.writer_queue_events,
                max_bytes=group.writer_queue_bytes)
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


def _size_of(events):
    """A cheap estimate of the memory ``events`` hold, in bytes."""
    size = 0
    for event in events:
        size += 200
        # An event (a named tuple), or a direct call's record (a dict).
        for value in (event.values() if isinstance(event, dict)
                      else event):
            if isinstance(value, str):
                size += len(value)
    return size


class _Job:
    __slots__ = ('events', 'work', 'size', 'queued_at', 'done', 'stored',
                 'result', 'settled')

    def __init__(self, events, work=None):
        self.events = events
        # A callable storing the events itself and returning a result (the
        # direct calls: a fault's id, a task's id); else the events go
        # through the writer's store in a batch with others.
        self.work = work
        self.size = _size_of(events)
        self.queued_at = time.monotonic()
        self.done = threading.Event()
        self.stored = False
        self.result = None
        # Committed or spooled: set once, under BackgroundWriter._lock.
        self.settled = False


class BackgroundWriter:
    """Store event batches on a thread, spooling what cannot be stored.

    Example (what the driver does)::

        writer = BackgroundWriter(pipeline.store, spool.Spool(directory),
                                  pipeline.counters, timeout=2.0,
                                  replay_interval=30.0)
        writer.submit([event])       # committed or spooled within 2 s
        writer.hand_over([event])    # returns at once

    :param store: callable storing a list of events; raises on failure.
    :param spool: a :class:`~fault_persist.capture.spool.Spool`.
    :param counters: a :class:`~fault_persist.capture.pipeline.Counters`.
    :param timeout: the bound, in seconds, on how long a record waits in
        memory before it is committed or spooled.
    :param replay_interval: seconds between replay attempts of a spool.
    :param max_events: most events the queue holds.
    :param max_bytes: most bytes (estimated) the queue holds.
    """

    def __init__(self, store, spool, counters, timeout, replay_interval,
                 max_events=10000, max_bytes=16 * 1024 * 1024):
        self._store = store
        self._spool = spool
        self._counters = counters
        self._timeout = timeout
        self._replay_interval = replay_interval
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        # Guards the queue and the hand-off between the two threads.
        self._cond = threading.Condition(threading.Lock())
        self._queue = collections.deque()
        self._queued_events = 0
        self._queued_bytes = 0
        self._batch = None  # given to the store thread, not yet taken
        self._storing = False  # the store thread is in the database
        self._threads = ()
        self._pid = None
        self._next_replay = 0.0
        # Until this monotonic time the database is taken as failing:
        # events go straight to the spool and the host does not wait.
        self._failing_until = 0.0
        _WRITERS.add(self)

    # The host's side.

    def hand_over(self, events):
        """Queue ``events`` for storing and return at once.

        For what must not slow the host (task starts and ends): within
        the bound they are committed or spooled; when the queue is full
        they are spooled before this returns.
        """
        self._enqueue(_Job(events))

    def submit(self, events):
        """Store ``events``: committed, or spooled, before returning.

        Waits for the commit at most the configured timeout.

        :returns: ``True`` when committed, ``False`` when spooled.
        """
        return self.call(None, events)[0]

    def call(self, work, events):
        """Run ``work`` on the store thread, waiting at most the bound.

        :param work: a callable that stores ``events`` (idempotently) and
            returns a result; ``None`` to store them through the writer's
            ``store``.
        :param events: the events ``work`` stores, spooled when it does
            not finish within the bound or fails.
        :returns: ``(True, result)`` when committed in time, else
            ``(False, None)`` with the events spooled.
        """
        job = _Job(events, work)
        self._enqueue(job, direct=True)
        if not job.done.wait(self._timeout):
            # Too slow: the database hangs, so the next calls spool at
            # once (as when the drainer's wait runs out); and these events
            # are made durable here; if the store thread commits them
            # later too, message_id keeps them single.
            self._failing()
            self._spool_jobs([job])
            # The drainer may be writing them to the spool right now.
            job.done.wait()
        return job.stored, job.result

    def spool(self, events):
        """Write ``events`` to the spool now; the thread replays them.

        For a caller that already knows the database failed.
        """
        self._ensure_threads()
        self._failing()
        self._spool_jobs([_Job(events)])

    def flush(self, timeout=None):
        """Wait until every job submitted so far is settled (tests, exit).

        :returns: ``True`` when settled within ``timeout``.
        """
        if not self._threads or self._pid != os.getpid():
            return True  # nothing handed over in this process
        job = _Job([])
        self._enqueue(job)
        return job.done.wait(timeout)

    def _enqueue(self, job, direct=False):
        """Queue ``job`` for the drainer, or spool it when the queue is full.

        :param direct: the caller waits for the job within the bound (and
            spools it past the bound): when nothing is queued and the
            store thread is idle, the job goes straight to the store
            thread.
        """
        self._ensure_threads()
        with self._cond:
            full = (self._queued_events + len(job.events) > self._max_events
                    or self._queued_bytes + job.size > self._max_bytes)
            if not full or not job.events:
                if (direct and not self._queue and not self._busy()
                        and not self._known_failing()):
                    # The store thread is idle: straight to it, one thread
                    # hand-off fewer. The caller waits for it within the
                    # bound and spools it itself past the bound, as the
                    # drainer would.
                    self._batch = [job]
                    self._cond.notify_all()
                    return
                self._queue.append(job)
                self._queued_events += len(job.events)
                self._queued_bytes += job.size
                self._cond.notify_all()
                return
        # Over the bound: not in memory, on disk.
        self._spool_jobs([job])

    def _failing(self):
        self._failing_until = time.monotonic() + self._replay_interval

    def _ensure_threads(self):
        pid = os.getpid()
        if self._pid == pid and all(t.is_alive() for t in self._threads):
            return
        with self._lock:
            if self._pid == pid and all(t.is_alive()
                                        for t in self._threads):
                return
            if self._pid != pid:
                # First use, or a fork: threads do not survive fork(),
                # and the parent's queue is the parent's to settle.
                self._queue = collections.deque()
                self._queued_events = self._queued_bytes = 0
                self._batch, self._storing = None, False
                self._cond = threading.Condition(threading.Lock())
            self._threads = tuple(
                threading.Thread(target=target, name=name, daemon=True)
                for target, name in (
                    (self._drain, 'fault-persist-drainer'),
                    (self._store_loop, 'fault-persist-store')))
            self._pid = pid
            for thread in self._threads:
                thread.start()

    # Settling: each job is committed or spooled, once.

    def _settle_stored(self, job, result=None):
        with self._lock:
            if job.settled:
                return
            job.settled, job.stored, job.result = True, True, result
        job.done.set()

    def _spool_jobs(self, jobs):
        """Spool the jobs not settled yet; count them once."""
        with self._lock:
            jobs = [job for job in jobs if not job.settled]
            for job in jobs:
                job.settled = True
        events = [event for job in jobs for event in job.events]
        try:
            self._spool.append(events)
            if events:
                self._counters.add('spooled', len(events))
        except OSError as exc:
            self._counters.add('lost', len(events))
            LOG.error('fault_persist lost %(count)d events: the database '
                      'and the spool (%(dir)s) both failed: %(error)s',
                      {'count': len(events), 'dir': self._spool.directory,
                       'error': exc})
        finally:
            for job in jobs:
                job.done.set()

    # The drainer: never waits for the database longer than the bound.

    def _take(self):
        with self._cond:
            if not self._queue:
                self._cond.wait(self._replay_interval)
            jobs = []
            count = 0
            while self._queue and count < _BATCH_LIMIT:
                job = self._queue.popleft()
                self._queued_events -= len(job.events)
                self._queued_bytes -= job.size
                count += max(1, len(job.events))
                jobs.append(job)
            return jobs

    def _drain(self):
        while True:
            jobs = self._take()
            if not jobs:
                continue
            try:
                self._drain_batch(jobs)
            except Exception:  # noqa: the drainer must survive anything
                LOG.exception('fault_persist writer failed; spooling')
                self._spool_jobs(jobs)

    def _drain_batch(self, jobs):
        deadline = jobs[0].queued_at + self._timeout
        with self._cond:
            # Wait for the store thread to be free, within the bound.
            while self._busy() and not self._known_failing():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            handed = not self._busy() and not self._known_failing()
            if handed:
                self._batch = jobs
                self._cond.notify_all()
        if handed:
            for job in jobs:
                if not job.done.wait(max(0.0, deadline - time.monotonic())):
                    self._failing()
                    break
            else:
                return
        # The database is stuck, failing or busy past the bound: to disk.
        self._spool_jobs(jobs)

    def _busy(self):
        return self._storing or self._batch is not None

    def _known_failing(self):
        return time.monotonic() < self._failing_until

    # The store thread: the only one that waits for the database.

    def _store_loop(self):
        while True:
            with self._cond:
                idle_until = time.monotonic() + self._replay_interval
                while self._batch is None:
                    left = idle_until - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                jobs, self._batch = self._batch, None
                self._storing = True
            try:
                if jobs is None:
                    self._replay_if_due(force=True)
                else:
                    self._write(jobs)
            except Exception:  # noqa: the thread must survive anything
                LOG.exception('fault_persist store thread failed')
                if jobs:
                    self._spool_jobs(jobs)
            finally:
                with self._cond:
                    self._storing = False
                    self._cond.notify_all()

    def _write(self, jobs):
        batched = [job for job in jobs if job.work is None]
        try:
            events = [event for job in batched for event in job.events]
            if events:
                self._store(events)
            for job in batched:
                self._settle_stored(job)
            for job in jobs:
                if job.work is not None:
                    self._settle_stored(job, job.work())
        except Exception as exc:  # noqa: any failure means: spool
            waiting = [job for job in jobs if not job.settled]
            LOG.warning('fault_persist could not store %(count)d events '
                        '(%(error)s); they are spooled and will be stored '
                        'once the database answers',
                        {'count': sum(len(job.events) for job in waiting),
                         'error': exc})
            # A database that fails fast (refused, down) is tried again
            # by the next call: it costs that call little. One that hangs
            # is skipped for a while by the drainer instead.
            self._spool_jobs(waiting)
            return
        self._failing_until = 0.0
        self._replay_if_due()

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
            if count:
                self._failing_until = 0.0
        except Exception as exc:  # noqa: the database is still away
            LOG.info('fault_persist spool replay postponed: %s', exc)
