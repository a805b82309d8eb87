import os
import signal
from unittest import mock

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import storers as store_processes
from fault_persist.db import api as db_api
from fault_persist import exception
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests.unit.capture import test_listener


def _batch(*message_ids):
    return [test_listener._incoming('nova/instance-create-error', message_id)
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
        return sorted(fault.message_id for fault in db_api.list_faults())

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

    def test_storers_ignore_stop_signals(self):
        storers = self.storers()
        pid = storers.pids()[0]
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGINT)
        storers.store(_batch('m-1'), 'ERROR')
        self.assertEqual([pid], storers.pids())
        self.assertEqual(['m-1'], self.stored_message_ids())

    def test_stopped_storers_store_nothing(self):
        storers = self.storers()
        pids = storers.pids()
        storers.stop()
        self.assertEqual([], storers.pids())
        self.assertRaises(exception.BatchNotStored,
                          storers.store, _batch('m-1'), 'ERROR')
        for pid in pids:
            self.assertRaises(ProcessLookupError, os.kill, pid, 0)
