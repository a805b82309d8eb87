"""Storer processes: where a listener's batches are extracted and stored.

A listener process spends most of its CPU inside oslo.messaging and kombu
(reading frames, decoding JSON, dispatching). Extracting events and
writing rows is CPU work too, and within one Python process the two take
turns on one interpreter lock: the bus is read only while nothing is
stored. So the listener hands each batch to one of
``[fault_persist_listener] store_processes`` storer processes and waits
for the answer. The batch is acknowledged once a storer has committed it,
exactly as when the listener stores it itself, so the bus semantics do
not change: a batch that could not be stored is requeued, a redelivered
one is stored once.

Storers are forked when the listener starts, before oslo.messaging starts
its threads, and inherit its configuration and pipeline. They ignore
SIGINT, which a terminal sends to the whole process group: the listener
stops them after it has finished the batches in hand. A storer that dies
(killed, out of memory) fails the batches it held, which are requeued,
and the storers are started again. A storer dies with its listener
(:mod:`fault_persist.capture.lifeline`).

Usage::

    storers = Storers(pipeline, processes=2)
    storers.start()
    storers.store(messages, 'ERROR')   # returns once committed, or raises
    storers.stop()
"""

from concurrent import futures
from concurrent.futures import process as futures_process
import multiprocessing
import os
import signal
import threading

from oslo_log import log as logging

from fault_persist.capture import lifeline
from fault_persist.db import api as db_api
from fault_persist import exception

LOG = logging.getLogger(__name__)

# In a storer process: the pipeline it stores through.
_pipeline = None


def _start_storer(pipeline, listener_pid, forked_from_main_thread):
    global _pipeline
    lifeline.die_with_parent(listener_pid, forked_from_main_thread)
    # Ctrl-C reaches the whole process group: the listener stops its
    # storers itself once the batches in hand are stored. SIGTERM ends a
    # storer whatever handler the listener had when it forked: the pool
    # stops the survivors of a broken pool with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    db_api.forget_inherited_connections()
    _pipeline = pipeline
    # Counts from here on are this storer's, handed back with each batch.
    _pipeline.counters.take()


def _ready():
    return True


def _store_in_storer(messages, priority):
    """Store a batch; return ``(error text or None, counts)``.

    The error goes back as text: the database's exceptions do not all
    survive pickling.
    """
    try:
        _pipeline.store_batch(messages, priority)
        error = None
    except Exception as exc:  # noqa: reported to the listener, requeued
        error = '%s: %s' % (type(exc).__name__, exc)
    return error, _pipeline.counters.take()


class Storers:
    """A listener's storer processes.

    :param pipeline: the listener's
        :class:`~fault_persist.capture.pipeline.Pipeline`; the storers
        store through a copy of it, and their counts are added to its
        counters.
    :param processes: how many storer processes to run.
    """

    def __init__(self, pipeline, processes):
        self.pipeline = pipeline
        self.processes = processes
        self._lock = threading.Lock()
        self._executor = None

    def start(self):
        """Fork the storer processes, from the calling thread, now."""
        with self._lock:
            self._executor = self._started_executor()

    def _started_executor(self):
        executor = futures.ProcessPoolExecutor(
            self.processes, mp_context=multiprocessing.get_context('fork'),
            initializer=_start_storer,
            initargs=(self.pipeline, os.getpid(),
                      threading.current_thread() is threading.main_thread()))
        # The first call forks every process, so it happens here, in the
        # caller's thread, and not in a thread of oslo.messaging later.
        for future in [executor.submit(_ready)
                       for _ in range(self.processes)]:
            future.result()
        return executor

    def pids(self):
        """The process ids of the running storers."""
        executor = self._executor
        if executor is None:
            return []
        # The pool names its processes nowhere public.
        return sorted(executor._processes)

    def store(self, messages, priority):
        """Store a batch in a storer process; return once it is committed.

        :param messages: the batch, as oslo.messaging's batch dispatcher
            gives it.
        :param priority: its priority, upper case.
        :raises: :class:`~fault_persist.exception.BatchNotStored` when it
            was not stored: the database failed, or the storer died.
        """
        executor = self._executor
        if executor is None:
            raise exception.BatchNotStored(reason='the storers are stopped')
        try:
            error, counts = executor.submit(
                _store_in_storer, messages, priority).result()
        except futures_process.BrokenProcessPool as exc:
            self._restart(executor)
            raise exception.BatchNotStored(
                reason='a storer process died (%s)' % exc)
        self.pipeline.counters.merge(counts)
        if error is not None:
            raise exception.BatchNotStored(reason=error)

    def _restart(self, broken):
        with self._lock:
            if self._executor is not broken:
                return  # another batch's failure restarted them already
            LOG.error('A fault_persist storer process died; starting the '
                      'storers again')
            broken.shutdown(wait=False)
            self._executor = self._started_executor()

    def stop(self):
        """Stop the storers once the batches handed to them are stored."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
