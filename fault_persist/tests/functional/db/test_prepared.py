"""A capture's batch statements, prepared on PostgreSQL's connections."""

from unittest import mock

from oslo_utils import uuidutils
import sqlalchemy as sa

from fault_persist.db import captured as db_captured
from fault_persist.db import dbapi_writes
from fault_persist.db import engine as db_engine
from fault_persist.db import prepared
from fault_persist import projections
from fault_persist.tests.functional.db import base
from fault_persist.tests import task_events as ev

_TABLES = ('instance_faults', 'request_log_tasks', 'request_log')


def _batch(count=3, instance_id=None):
    """The rows of a batch of errors, each of a task of its own."""
    instance_id = instance_id or uuidutils.generate_uuid()
    return projections.rows_of([
        ev.trove_event('error', 'req-' + uuidutils.generate_uuid(),
                       ev.seconds(index), payload={'instance_id': instance_id})
        for index in range(count)])


class TestPreparedOnPostgreSQL(base.BackendTestCase):

    FIXTURE = base.MigratedPostgreSQL

    def setUp(self):
        super().setUp()
        self.engine = db_engine.get_engine()
        # Connections of earlier tests may have prepared already.
        self.engine.dispose()
        self.addCleanup(self.engine.dispose)

    def _prepared(self):
        """The statements prepared on the pooled connection, by name."""
        with self.engine.connect() as connection:
            return dict(connection.exec_driver_sql(
                "SELECT name, generic_plans + custom_plans "
                "FROM pg_prepared_statements "
                "WHERE name LIKE 'fault\\_persist\\_%%'").all())

    def _stored(self):
        with self.engine.connect() as connection:
            return {table: connection.exec_driver_sql(
                'SELECT * FROM %s ORDER BY 1' % table).all()
                for table in _TABLES}

    def _backend_pid(self):
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(
                'SELECT pg_backend_pid()').scalar()

    def test_batch_statements_are_prepared_once_per_connection(self):
        for _ in range(3):
            db_captured.add_captured(*_batch())
        # The faults, the tasks and the entries; each run three times.
        self.assertEqual([3, 3, 3], sorted(self._prepared().values()))
        self.assertEqual(9, len(self._stored()['request_log']))

    def test_rows_are_those_stored_without_preparing(self):
        batches = [_batch(), _batch()]
        # The second batch again: a redelivery, whose rows are left out.
        batches.append(batches[1])

        def store():
            # Ids from the sequences of the tables as they were at first.
            with self.engine.begin() as connection:
                connection.exec_driver_sql(
                    'TRUNCATE %s RESTART IDENTITY' % ', '.join(_TABLES))
            for fault_rows, entries in batches:
                db_captured.add_captured(fault_rows, entries)
            return self._stored()

        ours = store()
        with mock.patch.object(dbapi_writes, '_ON_DBAPI',
                               frozenset(['sqlite'])):
            through_sqlalchemy = store()
        self.assertEqual(6, len(ours['instance_faults']))
        self.assertEqual(through_sqlalchemy, ours)

    def test_statements_are_prepared_again_on_a_new_connection(self):
        db_captured.add_captured(*_batch())
        lost = self._backend_pid()
        with sa.create_engine(self.engine.url).connect() as other:
            other.exec_driver_sql('SELECT pg_terminate_backend(%d)' % lost)
        # The pool's pre-ping finds the connection lost and opens another,
        # on which nothing is prepared.
        db_captured.add_captured(*_batch())
        self.assertNotEqual(lost, self._backend_pid())
        self.assertEqual([1, 1, 1], sorted(self._prepared().values()))
        self.assertEqual(6, len(self._stored()['request_log']))

    def _alter(self, sql):
        with self.engine.begin() as connection:
            connection.exec_driver_sql(sql)

    def test_a_changed_table_is_read_again(self):
        db_captured.add_captured(*_batch())
        self._alter('ALTER TABLE request_log ADD COLUMN scratch TEXT')
        self.addCleanup(self._alter,
                        'ALTER TABLE request_log DROP COLUMN scratch')
        db_captured.add_captured(*_batch())
        self.assertEqual(6, len(self._stored()['request_log']))
        self.assertEqual([2, 2, 2], sorted(self._prepared().values()))

    def test_a_changed_result_type_prepares_on_another_connection(self):
        db_captured.add_captured(*_batch())
        used = self._backend_pid()
        # A migration widening a column the insert returns.
        self._alter('ALTER TABLE request_log '
                    'ALTER COLUMN message_id TYPE VARCHAR(65)')
        self.addCleanup(self._alter,
                        'ALTER TABLE request_log '
                        'ALTER COLUMN message_id TYPE VARCHAR(64)')
        db_captured.add_captured(*_batch())
        self.assertNotEqual(used, self._backend_pid())
        self.assertEqual(6, len(self._stored()['request_log']))

    def test_a_pooler_forgetting_them_stops_preparing(self):
        self.addCleanup(prepared._FORSAKEN.discard, self.engine.dialect)
        db_captured.add_captured(*_batch())
        # As a pooler does: the next transaction on another server session.
        with self.engine.connect() as connection:
            connection.exec_driver_sql('DEALLOCATE ALL')
            connection.commit()
        with mock.patch.object(prepared.LOG, 'warning') as warning:
            db_captured.add_captured(*_batch())
        warning.assert_called_once()
        db_captured.add_captured(*_batch())
        self.assertEqual({}, self._prepared())
        self.assertEqual(9, len(self._stored()['request_log']))
