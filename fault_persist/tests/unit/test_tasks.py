from unittest import mock

from oslo_db import exception as db_exc

from fault_persist import projections
from fault_persist import tasks
from fault_persist.tests import base
from fault_persist.tests import request_log_behaviour
from fault_persist.tests import task_events as ev


class TestRequestLogOnSQLite(request_log_behaviour.RequestLogBehaviour,
                             base.TestCase):
    """The request log's behaviour on the embedded default, SQLite."""


class TestRecordEvents(base.TestCase):

    def test_events_without_action_are_skipped_and_the_rest_stored(self):
        good = ev.trove_event('start', 'req-1')
        no_action = ev.trove_event('error', 'req-2')._replace(
            event_type='', action='')
        with mock.patch.object(projections.LOG, 'warning') as warning:
            stored = tasks.record_events([no_action, good])
        self.assertEqual(1, stored)
        self.assertEqual(1, warning.call_count)

    def test_empty_batch_touches_nothing(self):
        with mock.patch.object(tasks.db_request_log,
                               'add_task_entries') as add:
            self.assertEqual(0, tasks.record_events([]))
        add.assert_not_called()

    def test_database_errors_reach_the_caller(self):
        error = db_exc.DBConnectionError('down')
        with mock.patch.object(tasks.db_request_log, 'add_task_entries',
                               side_effect=error):
            self.assertRaises(db_exc.DBConnectionError, tasks.record_events,
                              [ev.trove_event('start', 'req-1')])

    def test_a_call_after_a_failed_one_stores_everything(self):
        events = [ev.trove_event('start', 'req-1'),
                  ev.trove_event('end', 'req-1', ev.seconds(1))]
        real = tasks.db_request_log.add_task_entries
        with mock.patch.object(tasks.db_request_log, 'add_task_entries',
                               side_effect=db_exc.DBConnectionError('x')):
            self.assertRaises(db_exc.DBError, tasks.record_events, events)
        self.assertIs(real, tasks.db_request_log.add_task_entries)
        self.assertEqual(2, tasks.record_events(events))
