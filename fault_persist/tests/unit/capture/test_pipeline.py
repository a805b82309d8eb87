from unittest import mock

from oslo_db import exception as db_exc

import fault_persist
from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.db import captured as db_captured
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures


def _error(number):
    return {'event_type': 'svc.build.error', 'priority': 'ERROR',
            'message_id': 'm-%d' % number,
            'payload': {'instance_id': 'i-%d' % number, 'message': 'Boom'}}


class TestStore(base.TestCase):

    def setUp(self):
        super().setUp()
        self.pipeline = capture_pipeline.Pipeline.from_conf(self.conf)
        self.events = [self.pipeline.event_of({}, _error(n))
                       for n in range(3)]

    def listed(self):
        return sorted(f['instance_id'] for f in fault_persist.list_faults(
            base.admin_context()))

    def test_an_event_the_database_refuses_does_not_hold_back_others(self):
        real = db_captured.add_captured

        def refuse_i1(rows, entries, **kwargs):
            if any(row['instance_id'] == 'i-1' for row in rows):
                raise db_exc.DBDataError(ValueError('value too long'))
            return real(rows, entries, **kwargs)

        with mock.patch.object(db_captured, 'add_captured',
                               side_effect=refuse_i1):
            self.pipeline.store(self.events)
        self.assertEqual(['i-0', 'i-2'], self.listed())
        counters = self.pipeline.counters.snapshot()
        self.assertEqual((1, 2), (counters['rejected'], counters['stored']))

    def test_a_single_refused_event_is_rejected_not_raised(self):
        with mock.patch.object(db_captured, 'add_captured', side_effect=(
                db_exc.DBDataError(ValueError('bad')))):
            self.pipeline.store(self.events[:1])
        self.assertEqual(1, self.pipeline.counters.snapshot()['rejected'])

    def test_an_unavailable_database_raises_and_drops_nothing(self):
        with fp_fixtures.UnreachableDatabase():
            self.assertRaises(db_exc.DBConnectionError,
                              self.pipeline.store, self.events)
        self.assertNotIn('rejected', self.pipeline.counters.snapshot())
        self.pipeline.store(self.events)
        self.assertEqual(['i-0', 'i-1', 'i-2'], self.listed())

    def test_a_missing_table_is_not_the_events_fault(self):
        with mock.patch.object(db_captured, 'add_captured', side_effect=(
                db_exc.DBError(RuntimeError('relation does not exist')))):
            self.assertRaises(db_exc.DBError, self.pipeline.store,
                              self.events)
        self.assertNotIn('rejected', self.pipeline.counters.snapshot())


class TestCounts(base.TestCase):

    def setUp(self):
        super().setUp()
        self.pipeline = capture_pipeline.Pipeline.from_conf(self.conf)

    def test_events_stored_before_count_as_duplicate(self):
        events = [self.pipeline.event_of({}, _error(n)) for n in range(3)]
        self.pipeline.store(events[:2])
        self.pipeline.store(events)
        counts = self.pipeline.counters.snapshot()
        self.assertEqual((3, 2), (counts['stored'], counts['duplicate']))

    def test_a_refused_event_counts_with_its_reason(self):
        event = self.pipeline.event_of({}, _error(1))
        with mock.patch.object(db_captured, 'add_captured', side_effect=(
                db_exc.DBDataError(ValueError('value too long')))):
            self.pipeline.store([event])
        counts = self.pipeline.counters.snapshot()
        self.assertEqual((1, 1), (counts['rejected'],
                                  counts['rejected.data_error']))
