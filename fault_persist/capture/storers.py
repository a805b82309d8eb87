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
(killed, out of memory) fails the batch it held, which is requeued, and
another storer is started in its place.

Each storer has a pipe of its own: the listener thread handing a batch
over writes it into the pipe (as :mod:`fault_persist.capture.handoff`
encodes it: marshalled, which costs a third of pickling) and reads the
answer itself, so a batch costs the listener one encoding and two system
calls, and wakes no other
thread of the listener (``concurrent.futures.ProcessPoolExecutor``, used
before, woke its management and feeder threads for each). A storer dies
with its listener (:mod:`fault_persist.capture.lifeline`).

Usage::

    storers = Storers(pipeline, processes=2)
    storers.start()
    storers.store(messages, 'ERROR')   # returns once committed, or raises
    storers.stop()
"""

import gc
import multiprocessing
import os
import queue
import signal
import threading

from oslo_log import log as logging

from fault_persist.capture import handoff
from fault_persist.capture import lifeline
from fault_persist.db import engine as db_engine
from fault_persist import exception

LOG = logging.getLogger(__name__)

# In a storer process: the pipeline it stores through.
_pipeline = None


def _start_storer(pipeline, listener_pid, forked_from_main_thread):
    global _pipeline
    lifeline.die_with_parent(listener_pid, forked_from_main_thread)
    # Ctrl-C reaches the whole process group: the listener stops its
    # storers itself once the batches in hand are stored. SIGTERM ends a
    # storer whatever handler the listener had when it forked.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    db_engine.forget_inherited_connections()
    _pipeline = pipeline
    # Counts from here on are this storer's, handed back with each batch.
    _pipeline.counters.take()


def _store_in_storer(data):
    """Store the batch in ``data``; return ``(error text or None, counts)``.

    The error goes back as text: the database's exceptions do not all
    survive pickling.
    """
    try:
        messages, priority = handoff.decode(data)
        _pipeline.store_batch(messages, priority)
        error = None
    except Exception as exc:  # noqa: reported to the listener, requeued
        error = '%s: %s' % (type(exc).__name__, exc)
    return error, _pipeline.counters.take()


def _serve(connection, listeners_ends, pipeline, listener_pid,
           forked_from_main_thread):
    """A storer's life: a batch in, its answer out, until the pipe closes."""
    # The listener's ends of the pipes, inherited: closed, so that a pipe
    # the listener closes is closed (a storer sees its end).
    for end in listeners_ends:
        end.close()
    _start_storer(pipeline, listener_pid, forked_from_main_thread)
    connection.send(True)  # ready
    while True:
        try:
            data = connection.recv_bytes()
        except (EOFError, OSError):
            return  # the listener closed the pipe, or is gone
        connection.send(_store_in_storer(data))


class _Storer:
    """One storer process and the listener's end of its pipe.

    The listener's thread that hands a batch over writes it to the pipe
    and reads the answer itself: no thread of ours in between.
    """

    def __init__(self, pipeline, listener_pid, forked_from_main_thread,
                 others=()):
        context = multiprocessing.get_context('fork')
        self.connection, theirs = context.Pipe()
        listeners_ends = [self.connection] + [
            other.connection for other in others]
        self.process = context.Process(
            target=_serve, name='fault-persist-storer', daemon=True,
            args=(theirs, listeners_ends, pipeline, listener_pid,
                  forked_from_main_thread))
        self.process.start()
        theirs.close()

    def ready(self):
        """Wait until the storer has set itself up."""
        self.connection.recv()
        return self

    def store(self, messages, priority):
        self.connection.send_bytes(handoff.encode((messages, priority)))
        return self.connection.recv()

    def close(self):
        """Close the pipe: the storer exits once its batch is done."""
        self.connection.close()


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
        # The idle storers; a batch takes one and gives it back.
        self._idle = None
        self._all = []

    def start(self):
        """Fork the storer processes, from the calling thread, now."""
        with self._lock:
            # What the listener holds now stays where it is: the
            # collector neither visits it in the storers nor here, so
            # neither side copies the pages the other still shares
            # (copy-on-write after fork, counted as the listener's CPU).
            gc.freeze()
            storers = []
            for _ in range(self.processes):
                storers.append(self._new_storer(storers))
            self._all = [storer.ready() for storer in storers]
            self._idle = queue.SimpleQueue()
            for storer in self._all:
                self._idle.put(storer)

    def _new_storer(self, others):
        return _Storer(self.pipeline, os.getpid(),
                       threading.current_thread() is threading.main_thread(),
                       others)

    def pids(self):
        """The process ids of the running storers."""
        with self._lock:
            return sorted(storer.process.pid for storer in self._all)

    def store(self, messages, priority):
        """Store a batch in a storer process; return once it is committed.

        :param messages: the batch, as oslo.messaging's batch dispatcher
            gives it.
        :param priority: its priority, upper case.
        :raises: :class:`~fault_persist.exception.BatchNotStored` when it
            was not stored: the database failed, or the storer died.
        """
        idle = self._idle
        if idle is None:
            raise exception.BatchNotStored(reason='the storers are stopped')
        storer = idle.get()
        if storer is None:  # stopping: pass the word on
            idle.put(None)
            raise exception.BatchNotStored(reason='the storers are stopped')
        try:
            error, counts = storer.store(messages, priority)
        except (EOFError, OSError) as exc:
            storer = self._replace(storer)
            raise exception.BatchNotStored(
                reason='a storer process died (%s)' % (
                    exc or type(exc).__name__))
        finally:
            idle.put(storer)
        self.pipeline.counters.merge(counts)
        if error is not None:
            raise exception.BatchNotStored(reason=error)

    def _replace(self, dead):
        """A new storer in place of ``dead`` (``dead`` when stopping)."""
        LOG.error('A fault_persist storer process died; starting another')
        dead.close()
        dead.process.join(1)
        with self._lock:
            if dead not in self._all:
                return dead  # stopped meanwhile: stop() reaps it
            others = [storer for storer in self._all if storer is not dead]
            fresh = self._new_storer(others).ready()
            self._all[self._all.index(dead)] = fresh
            return fresh

    def stop(self):
        """Stop the storers once the batches handed to them are stored."""
        with self._lock:
            idle, self._idle = self._idle, None
            storers, self._all = self._all, []
        if idle is None:
            return
        # Each storer comes back to the idle queue once its batch is in.
        for _ in storers:
            storer = idle.get()
            if storer is not None:
                storer.close()
        idle.put(None)
        for storer in storers:
            storer.close()
            storer.process.join()
