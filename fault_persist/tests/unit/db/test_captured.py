"""Storage of a capture's batch on SQLite: what one error costs."""

from oslo_utils import uuidutils

from fault_persist.db import captured as db_captured
from fault_persist.db import faults as db_faults
from fault_persist.db import request_log as db_request_log
from fault_persist import projections
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import task_events as ev


def _rows(*events):
    return projections.rows_of(list(events))


class TestOneError(base.TestCase):
    """An error: its fault, its task and its entry, with no look-up."""

    def _error(self, request_id, second, instance_id):
        return ev.trove_event('error', request_id, ev.seconds(second),
                              payload={'instance_id': instance_id})

    def _statements_of(self, fault_rows, entries, resolve=True):
        # What SQLite runs: SQLAlchemy's, the DB-API's and the driver's.
        statements = self.useFixture(
            fp_fixtures.SQLiteStatements()).statements
        db_captured.add_captured(fault_rows, entries, resolve=resolve)
        return [statement.split(' (')[0] for statement in statements]

    def test_an_error_is_three_inserts_in_one_transaction(self):
        instance_id = uuidutils.generate_uuid()
        db_captured.add_captured(*_rows(self._error('req-1', 0,
                                                    instance_id)))
        # A new task, and one stored before: neither is looked up.
        for request_id in ('req-2', 'req-1'):
            self.assertEqual(
                ['BEGIN', 'INSERT INTO instance_faults',
                 'INSERT INTO request_log_tasks', 'INSERT INTO request_log',
                 'COMMIT'],
                self._statements_of(*_rows(self._error(request_id, 5,
                                                       instance_id))))

    def _end(self, second, instance_id):
        return ev.trove_event('end', 'req-' + uuidutils.generate_uuid(),
                              ev.seconds(second),
                              payload={'instance_id': instance_id})

    def _resolved_at(self, instance_id):
        return {row.resolved_at for row in db_faults.list_faults(
            instance_id=instance_id)}

    def test_a_fault_after_its_completion_is_inserted_resolved(self):
        instance_id = uuidutils.generate_uuid()
        _faults, entries = _rows(self._end(10, instance_id),
                                 self._end(20, instance_id))
        db_request_log.add_task_entries(entries)
        statements = self._statements_of(*_rows(self._error(
            'req-1', 0, instance_id)))
        self.assertNotIn('UPDATE instance_faults', statements)
        self.assertEqual({ev.seconds(10)}, self._resolved_at(instance_id))

    def test_a_fault_is_inserted_unresolved_when_told_or_of_a_host(self):
        instance_id = uuidutils.generate_uuid()
        _faults, entries = _rows(self._end(10, instance_id))
        db_request_log.add_task_entries(entries)
        fault_rows, entries = _rows(self._error('req-1', 0, instance_id))
        db_captured.add_captured(fault_rows, entries, resolve=False)
        host_rows, _entries = _rows(self._error(
            'req-2', 0, instance_id)._replace(resource_type='host'))
        db_captured.add_captured(host_rows, [])
        self.assertEqual({None}, self._resolved_at(instance_id))

    def test_a_redelivered_error_is_stored_once_and_keeps_its_task(self):
        instance_id = uuidutils.generate_uuid()
        fault_rows, entries = _rows(self._error('req-1', 0, instance_id))
        first = db_captured.add_captured(fault_rows, entries)
        again = [dict(row, id=uuidutils.generate_uuid())
                 for row in fault_rows]
        self.assertEqual((first[0], 0),
                         db_captured.add_captured(again, entries))
        self.assertEqual(1, len(db_faults.list_faults(
            instance_id=instance_id)))
        tasks = db_request_log.list_tasks()
        self.assertEqual(1, len(tasks))
        # The next task takes the next id: the redelivery took none.
        db_captured.add_captured(*_rows(self._error('req-2', 0,
                                                    instance_id)))
        self.assertEqual([tasks[0].id + 1, tasks[0].id],
                         [task.id for task in db_request_log.list_tasks()])
