"""Request-log storage on SQLite."""

from fault_persist.db import request_log as db_request_log
from fault_persist import projections
from fault_persist import request_log_text as text
from fault_persist.tests import base
from fault_persist.tests import task_events as ev


class TestEntryMessages(base.TestCase):
    """Storage words an entry's message itself, once its task is known."""

    def test_each_entry_gets_the_message_of_its_stored_task(self):
        _faults, entries = projections.rows_of([
            ev.trove_event('start', 'req-1'),
            ev.trove_event('error', 'req-1', ev.seconds(1))])
        stored, task_ids = db_request_log.add_task_entries(entries)
        self.assertEqual(2, stored)
        rows = db_request_log.list_request_log()
        self.assertEqual(2, len(rows))
        for row in rows:
            self.assertEqual(task_ids[row.message_id], row.task_id)
            self.assertIn('task ID %d:' % row.task_id, row.message)
            self.assertEqual(text.entry_message(row._mapping), row.message)


class TestFilters(base.TestCase):
    """Equality filters: the listed columns, nothing else."""

    def setUp(self):
        super().setUp()
        _faults, entries = projections.rows_of([
            ev.trove_event('start', 'req-1'),
            ev.trove_event('error', 'req-1', ev.seconds(1)),
            ev.trove_event('start', 'req-2', ev.seconds(2))])
        db_request_log.add_task_entries(entries)

    def test_listed_filters_narrow(self):
        failed = db_request_log.list_request_log({'status': text.FAILED})
        self.assertEqual([text.FAILED], [row.status for row in failed])
        started = db_request_log.list_tasks({'status': text.STARTED})
        self.assertEqual(1, len(started))
        self.assertEqual(2, len(db_request_log.list_tasks()))

    def test_unlisted_column_is_refused_by_name(self):
        for call, column in ((db_request_log.list_request_log, 'message'),
                             (db_request_log.list_tasks, 'target')):
            error = self.assertRaises(ValueError, call, {column: 'x'})
            self.assertIn('not a filter: %s' % column, str(error))
