"""Request-log storage on SQLite."""

from unittest import mock

from fault_persist.db import engine as db_engine
from fault_persist.db import plans
from fault_persist.db import request_log as db_request_log
from fault_persist import projections
from fault_persist import request_log_text as text
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
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
            self.assertEqual(text.entry_message(row._asdict()), row.message)


class TestEntryPages(base.TestCase):
    """A page of entries is read as the show view reads: no transaction."""

    def setUp(self):
        super().setUp()
        _faults, entries = projections.rows_of([
            ev.trove_event(phase, request_id, ev.seconds(second))
            for second, (phase, request_id) in enumerate([
                ('start', 'req-1'), ('error', 'req-1'),
                ('start', 'req-2'), ('end', 'req-2')])])
        db_request_log.add_task_entries(entries)
        self.newest_first = [row.id for row in
                             db_request_log.list_request_log()]
        self.assertEqual(4, len(self.newest_first))

    def test_a_page_is_one_statement_and_no_transaction(self):
        statements = self.useFixture(fp_fixtures.SQLiteStatements())
        rows = db_request_log.list_request_log(filters={'app': 'trove'},
                                               limit=2)
        self.assertEqual(self.newest_first[:2], [row.id for row in rows])
        self.assertEqual(['SELECT'], [
            statement.split()[0] for statement in statements.statements])

    def test_a_page_after_a_marker_reads_the_markers_time_first(self):
        statements = self.useFixture(fp_fixtures.SQLiteStatements())
        rows = db_request_log.list_request_log(
            limit=2, marker=self.newest_first[1])
        self.assertEqual(self.newest_first[2:], [row.id for row in rows])
        self.assertEqual(['SELECT'] * 2, [
            statement.split()[0] for statement in statements.statements])

    def test_each_combination_of_conditions_is_compiled_once(self):
        db_request_log._entries_statement.cache_clear()
        plans._PLANS.pop(db_engine.get_engine().dialect, None)
        with mock.patch.object(plans, 'Plan',
                               wraps=plans.Plan) as compiled:
            for app in ('trove', 'nova', 'trove'):
                db_request_log.list_request_log(filters={'app': app},
                                                limit=2)
            self.assertEqual(1, compiled.call_count)
            db_request_log.list_request_log(filters={'app': 'trove'})
            db_request_log.list_request_log(filters={'status': 1002},
                                            limit=2)
            self.assertEqual(3, compiled.call_count)


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
