import os
import signal
import subprocess
import sys
import time
from unittest import mock

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import storers as store_processes
from fault_persist.db import faults as db_faults
from fault_persist import exception
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import processes
from fault_persist.tests import samples


def _batch(*message_ids):
    return [samples.incoming('nova/instance-create-error', message_id)
            for message_id in message_ids]


class TestStorers(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(track_tasks=False)
        self.pipeline = capture_pipeline.Pipeline.from_conf(self.conf)

    def storers(self, processes=1):
        storers = store_processes.Storers(self.pipeline, processes)
        storers.start()
        self.addCleanup(storers.stop)
        return storers

    def stored_message_ids(self):
        return sorted(fault.message_id for fault in db_faults.list_faults())

    def test_batch_is_stored_by_another_process_and_counted_here(self):
        storers = self.storers()
        self.assertNotIn(os.getpid(), storers.pids())
        # What this process's pipeline would do is not what stores.
        with mock.patch.object(self.pipeline, 'store_batch',
                               side_effect=AssertionError('stored here')):
            storers.store(_batch('m-1', 'm-2'), 'ERROR')
        self.assertEqual(['m-1', 'm-2'], self.stored_message_ids())
        counts = self.pipeline.counters.snapshot()
        self.assertEqual(2, counts['stored'])
        self.assertEqual(2, counts['errors'])

    def test_counts_are_handed_back_once(self):
        storers = self.storers()
        storers.store(_batch('m-1'), 'ERROR')
        storers.store(_batch('m-2'), 'ERROR')
        self.assertEqual(2, self.pipeline.counters.snapshot()['stored'])

    def test_redelivered_batch_is_stored_once(self):
        storers = self.storers(processes=2)
        storers.store(_batch('m-1', 'm-2'), 'ERROR')
        storers.store(_batch('m-1', 'm-2'), 'ERROR')
        self.assertEqual(['m-1', 'm-2'], self.stored_message_ids())

    def test_database_failure_is_raised_as_batch_not_stored(self):
        with fp_fixtures.UnreachableDatabase():
            storers = self.storers()
            error = self.assertRaises(exception.BatchNotStored,
                                      storers.store, _batch('m-1'), 'ERROR')
        self.assertIn('OperationalError', str(error))

    def test_dead_storer_fails_its_batch_then_storers_restart(self):
        storers = self.storers()
        dead = storers.pids()
        os.kill(dead[0], signal.SIGKILL)
        self.assertRaises(exception.BatchNotStored,
                          storers.store, _batch('m-1'), 'ERROR')
        storers.store(_batch('m-1'), 'ERROR')
        self.assertEqual(['m-1'], self.stored_message_ids())
        self.assertNotEqual(dead, storers.pids())

    def test_storers_ignore_the_terminal_interrupt(self):
        storers = self.storers()
        pid = storers.pids()[0]
        os.kill(pid, signal.SIGINT)
        storers.store(_batch('m-1'), 'ERROR')
        self.assertEqual([pid], storers.pids())
        self.assertEqual(['m-1'], self.stored_message_ids())

    def test_sigterm_ends_a_storer_whatever_the_listener_handles(self):
        # The listener's own handler, as it is when storers are restarted
        # after a storer died; a storer must not inherit it.
        self.addCleanup(signal.signal, signal.SIGTERM,
                        signal.signal(signal.SIGTERM, lambda *args: None))
        storers = self.storers()
        pid = storers.pids()[0]
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while processes.running(pid):
            self.assertLess(time.monotonic(), deadline, 'still running')
            time.sleep(0.05)

    def test_stopped_storers_store_nothing(self):
        storers = self.storers()
        pids = storers.pids()
        storers.stop()
        self.assertEqual([], storers.pids())
        self.assertRaises(exception.BatchNotStored,
                          storers.store, _batch('m-1'), 'ERROR')
        for pid in pids:
            self.assertRaises(ProcessLookupError, os.kill, pid, 0)

    def test_storers_exit_when_their_listener_is_gone(self):
        listener = subprocess.Popen(
            [sys.executable, '-c', _LISTENER_KILLED_LATER,
             self.database.url],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addCleanup(listener.wait)
        self.addCleanup(_kill, listener.pid)
        storer = int(listener.stdout.readline())
        self.assertTrue(processes.running(storer))
        os.kill(listener.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while processes.running(storer):
            self.assertLess(time.monotonic(), deadline,
                            'the storer outlived its listener')
            time.sleep(0.1)


# A listener process with one storer; it prints the storer's pid.
_LISTENER_KILLED_LATER = """
import sys, time
from oslo_config import cfg
from fault_persist.capture import pipeline, storers
import fault_persist.conf
from fault_persist import config
conf = cfg.ConfigOpts()
conf([])
fault_persist.conf.register_opts(conf)
conf.set_override('connection', sys.argv[1], group='fault_persist')
config.init(conf)
running = storers.Storers(pipeline.Pipeline.from_conf(conf), 1)
running.start()
print(running.pids()[0], flush=True)
time.sleep(60)
"""


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
