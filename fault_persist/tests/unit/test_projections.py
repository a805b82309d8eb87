"""The fault row and the request-log entry of an event."""

from unittest import mock
import uuid

from fault_persist import projections
from fault_persist.tests import base
from fault_persist.tests import task_events as ev


class TestRequestLogEntry(base.TestCase):

    USES_SQLITE = False

    def test_trove_error_event_becomes_a_failure_entry(self):
        event = ev.trove_event('error', 'req-1', ev.seconds(5))
        entry = projections.request_log_entry(event)
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
            entry = projections.request_log_entry(
                ev.trove_event(phase, 'req-1'))
            self.assertEqual(status, entry['status'])
            self.assertIsNone(entry['detail_code'])
            self.assertIsNone(entry['detail_message'])

    def test_event_without_request_id_is_a_task_of_its_own(self):
        event = ev.trove_event('start', 'req-1')._replace(request_id=None)
        entry = projections.request_log_entry(event)
        self.assertEqual(event.message_id, entry['correlation_id'])
        self.assertIsNone(entry['request_id'])

    def test_an_event_without_action_gives_no_entry(self):
        event = ev.trove_event('error', 'req-1')._replace(
            event_type='', action='')
        with mock.patch.object(projections.LOG, 'warning') as warning:
            self.assertIsNone(projections.request_log_entry(event))
        warning.assert_called_once()

    def test_values_are_taken_as_the_event_has_them(self):
        # Cleaning is extraction's job: a projection never cleans again.
        event = ev.trove_event('error', 'req-1')._replace(
            message='  as given  ', target='  target  ')
        entry = projections.request_log_entry(event)
        self.assertEqual('  as given  ', entry['detail_message'])
        self.assertEqual('  target  ', entry['target'])


class TestFaultRow(base.TestCase):

    USES_SQLITE = False

    def test_an_error_event_gives_its_row(self):
        event = ev.trove_event('error', 'req-1', ev.seconds(5))
        row = projections.fault_row(event)
        self.assertEqual((event.instance_id, 'instance', event.message,
                          event.details, 'RuntimeError', event.message_id,
                          ev.seconds(5), ev.seconds(5), False),
                         (row['instance_id'], row['resource_type'],
                          row['message'], row['details'], row['code'],
                          row['message_id'], row['created'], row['updated'],
                          row['deleted']))
        self.assertNotEqual(row['id'], projections.fault_row(event)['id'])

    def test_values_are_taken_as_the_event_has_them(self):
        event = ev.trove_event('error', 'req-1')._replace(
            message='  as given  ', details=None)
        row = projections.fault_row(event)
        self.assertEqual('  as given  ', row['message'])
        self.assertEqual('', row['details'])


class TestRowsOf(base.TestCase):

    USES_SQLITE = False

    def test_errors_give_a_fault_and_an_entry_others_an_entry(self):
        batch = [ev.trove_event('start', 'req-1'),
                 ev.trove_event('error', 'req-1', ev.seconds(1))]
        fault_rows, entries = projections.rows_of(batch)
        self.assertEqual([batch[1].message_id],
                         [row['message_id'] for row in fault_rows])
        self.assertEqual([event.message_id for event in batch],
                         [entry['message_id'] for entry in entries])

    def test_without_task_tracking_only_faults(self):
        batch = [ev.trove_event('start', 'req-1'),
                 ev.trove_event('error', 'req-1', ev.seconds(1))]
        fault_rows, entries = projections.rows_of(batch, track_tasks=False)
        self.assertEqual(1, len(fault_rows))
        self.assertEqual([], entries)

    def test_spooled_direct_records_give_back_their_rows(self):
        entry = projections.request_log_entry(ev.trove_event('start', 'r'))
        row = projections.fault_row(ev.trove_event('error', 'r'))
        fault_rows, entries = projections.rows_of(
            [projections.spooled_fault(row),
             projections.spooled_task_entry(entry)])
        self.assertEqual([row], fault_rows)
        self.assertEqual([entry], entries)

    def test_each_fault_of_a_batch_has_a_new_id(self):
        batch = [ev.trove_event('error', 'req-%d' % number)
                 for number in range(50)] + [ev.trove_event('start', 'r')]
        ids = [row['id'] for row in projections.rows_of(batch)[0]]
        self.assertEqual(50, len(set(ids)))
        self.assertEqual(ids, [str(uuid.UUID(row_id)) for row_id in ids])
