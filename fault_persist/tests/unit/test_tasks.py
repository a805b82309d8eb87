import datetime
from unittest import mock

from oslo_db import exception as db_exc

from fault_persist import tasks
from fault_persist.tests import base
from fault_persist.tests import request_log_behaviour
from fault_persist.tests import task_events as ev


class TestRequestLogOnSQLite(request_log_behaviour.RequestLogBehaviour,
                             base.TestCase):
    """The request log's behaviour on the embedded default, SQLite."""


class TestEntryOf(base.TestCase):

    USES_SQLITE = False

    def test_trove_error_event_becomes_a_failure_entry(self):
        event = ev.trove_event('error', 'req-1', ev.seconds(5))
        entry = tasks.entry_of(event)
        self.assertEqual(1002, entry['status'])
        self.assertEqual('FPTASK1002E', entry['msg_code'])
        self.assertEqual('TASK', entry['req'])
        self.assertEqual('trove', entry['app'])
        self.assertEqual(ev.seconds(5), entry['created'])
        self.assertEqual('RuntimeError', entry['detail_code'])
        self.assertEqual('A guest error occurred', entry['detail_message'])
        self.assertEqual(('req-1', 'dbaas.instance_create'),
                         (entry['correlation_id'], entry['action']))
        self.assertEqual('dbaas.instance_create.error', entry['event_type'])

    def test_start_and_end_have_no_detail(self):
        for phase, status in (('start', 1000), ('end', 1001)):
            entry = tasks.entry_of(ev.trove_event(phase, 'req-1'))
            self.assertEqual(status, entry['status'])
            self.assertIsNone(entry['detail_code'])
            self.assertIsNone(entry['detail_message'])

    def test_event_target_wins_over_action_and_instance(self):
        event = ev.trove_event('start', 'req-1')
        event['target'] = '/v1.0/p/instances'
        self.assertEqual('/v1.0/p/instances',
                         tasks.entry_of(event)['target'])
        event['target'] = None
        event['instance_id'] = None
        self.assertEqual('dbaas.instance_create',
                         tasks.entry_of(event)['target'])

    def test_event_without_request_id_is_a_task_of_its_own(self):
        event = ev.trove_event('start', 'req-1')
        event['request_id'] = None
        entry = tasks.entry_of(event)
        self.assertEqual(event['message_id'], entry['correlation_id'])
        self.assertIsNone(entry['request_id'])

    def test_app_falls_back_to_the_event_types_prefix(self):
        event = ev.trove_event('start', 'req-1')
        event['app'] = None
        self.assertEqual('dbaas', tasks.entry_of(event)['app'])

    def test_timestamp_may_be_iso_text(self):
        event = ev.trove_event('start', 'req-1')
        event['timestamp'] = '2026-05-04T12:00:00+02:00'
        self.assertEqual(datetime.datetime(2026, 5, 4, 10, 0),
                         tasks.entry_of(event)['created'])

    def test_overlong_identifier_is_left_out(self):
        event = ev.trove_event('start', 'req-1')
        event['user_id'] = 'u' * 65
        self.assertIsNone(tasks.entry_of(event)['user_id'])

    def test_unusable_events_are_invalid(self):
        good = ev.trove_event('start', 'req-1')
        for change in ({'message_id': None}, {'message_id': 'm' * 65},
                       {'timestamp': None}, {'timestamp': 'noon'},
                       {'action': None, 'event_type': None},
                       {'kind': 'bogus'}):
            self.assertRaises(tasks.InvalidEvent, tasks.entry_of,
                              dict(good, **change))
        self.assertRaises(tasks.InvalidEvent, tasks.entry_of, ['not', 'a'])


class TestRecordEvents(base.TestCase):

    def test_bad_events_are_skipped_and_the_rest_stored(self):
        good = ev.trove_event('start', 'req-1')
        with mock.patch.object(tasks.LOG, 'warning') as warning:
            stored = tasks.record_events(
                ['junk', dict(good, message_id=None), good])
        self.assertEqual(1, stored)
        self.assertEqual(2, warning.call_count)

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
