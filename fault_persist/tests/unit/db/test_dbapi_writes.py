"""dbapi_writes: a write transaction on SQLite's DB-API connection."""

import sqlite3
from unittest import mock

import fixtures
from oslo_db import exception as db_exc
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from fault_persist.db import dbapi_writes
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist.db import plans
from fault_persist.db import request_log as db_request_log
from fault_persist.db import resolution
from fault_persist.db import sqlite_wal
from fault_persist.db import task_upsert
from fault_persist import faults
from fault_persist import projections
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import task_events as ev

_INSERT_FAULTS = db_faults._INSERT_RESOLVED_FAULTS[True]


class TestDBAPIWrites(base.TestCase):

    def setUp(self):
        super().setUp()
        self.configured = self.useFixture(
            fp_fixtures.ConfiguredEngine(self.database.url))
        self.engine = self.configured.engine

    def _fault(self, **fields):
        return faults.fault_record('vm-1', 'Boom', created=ev.seconds(0),
                                   details='Traceback: boom', **fields)

    def _stored(self, table='instance_faults'):
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(
                'SELECT * FROM %s ORDER BY id' % table).all()

    def test_rows_are_stored_as_through_sqlalchemy(self):
        row = self._fault(project_id='p-1', code='500')
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [row])
        ours = self._stored()
        with db_engine.write_connection() as connection:
            connection.execute(sa.delete(db_faults._FAULTS))
            connection.execute(_INSERT_FAULTS, [row])
        # Text as SQLAlchemy stores it on SQLite (a datetime, a boolean),
        # and the defaults of what the row leaves out.
        self.assertEqual(self._stored(), ours)
        self.assertEqual(1, len(ours))

    def test_rows_returned_are_what_sqlalchemy_returns(self):
        _faults, entries = projections.rows_of([
            ev.trove_event('end', 'req-%d' % second, ev.seconds(second),
                           payload={'instance_id': 'vm-1'})
            for second in (10, 20)])
        db_request_log.add_task_entries(entries)
        parameters = {'instance_ids': ['vm-1', 'vm-2'],
                      'earliest': ev.seconds(5)}
        with db_engine.write_connection() as connection:
            expected = [tuple(row) for row in connection.execute(
                resolution._COMPLETED_AFTER, parameters)]
        with dbapi_writes.write_connection() as connection:
            rows = connection.execute(resolution._COMPLETED_AFTER,
                                      parameters).all()
        # An IN list rendered per call; text turned back into datetimes.
        self.assertEqual([('vm-1', ev.seconds(10)), ('vm-1', ev.seconds(20))],
                         expected)
        self.assertEqual(expected, rows)

    def test_a_statement_returning_rows_returns_those_of_every_row(self):
        rows = [dict(task_upsert.summary([entry]),
                     correlation_id=entry['correlation_id'],
                     action=entry['action'])
                for entry in projections.rows_of([
                    ev.trove_event('start', 'req-%d' % index)
                    for index in range(3)])[1]]
        with dbapi_writes.write_connection() as connection:
            returned = connection.execute(
                task_upsert._FOLD_NAMING_STORED, rows)
        self.assertEqual(
            sorted((row.correlation_id, row.action, row.id)
                   for row in self._stored('request_log_tasks')),
            sorted(returned))
        self.assertEqual(3, len(returned))

    def test_a_statement_is_compiled_once(self):
        with mock.patch.object(_INSERT_FAULTS, 'compile',
                               wraps=_INSERT_FAULTS.compile) as compile_:
            plans._PLANS.pop(self.engine.dialect, None)
            for index in range(3):
                with dbapi_writes.write_connection() as connection:
                    connection.execute(_INSERT_FAULTS, [self._fault()])
        self.assertEqual(1, compile_.call_count)
        self.assertEqual(3, len(self._stored()))

    def test_a_commit_keeps_the_log_in_check(self):
        after_commit = self.useFixture(fixtures.MockPatchObject(
            sqlite_wal, 'after_commit')).mock
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [self._fault()])
            after_commit.assert_not_called()
        after_commit.assert_called_once_with(mock.ANY)
        self.assertRaises(RuntimeError, self._write_then_fail, RuntimeError)
        # Not after a transaction rolled back.
        self.assertEqual(1, after_commit.call_count)

    def test_a_check_interrupted_after_the_commit_pools_the_connection(self):
        self.useFixture(fixtures.MockPatchObject(
            sqlite_wal, 'after_commit', side_effect=KeyboardInterrupt))
        with testtools.ExpectedException(KeyboardInterrupt):
            with dbapi_writes.write_connection() as connection:
                connection.execute(_INSERT_FAULTS, [self._fault()])
        self.assertEqual(1, len(self._stored()))
        self.assertEqual(0, self.engine.pool.checkedout())

    def test_a_failure_rolls_the_transaction_back(self):
        self.assertRaises(RuntimeError, self._write_then_fail, RuntimeError)
        self.assertEqual([], self._stored())
        self.assertEqual(0, self.engine.pool.checkedout())
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [self._fault()])
        self.assertEqual(1, len(self._stored()))

    def _write_then_fail(self, error):
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [self._fault()])
            raise error()

    def _twice(self):
        row = self._fault()
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [row])
            connection.execute(_INSERT_FAULTS, [dict(
                row, id=uuidutils.generate_uuid())])

    def _write_failing(self):
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [self._fault()])
            connection.execute(sa.select(sa.func.no_such_function()))

    def test_a_refused_row_is_translated_as_through_sqlalchemy(self):
        error = self.assertRaises(db_exc.DBDuplicateEntry, self._twice)
        self.assertEqual(['message_id'], error.columns)
        # The first row went with the transaction.
        self.assertEqual([], self._stored())
        self.assertEqual(0, self.engine.pool.checkedout())

    def test_a_text_the_driver_cannot_encode_is_translated(self):
        # Refused by the driver, before SQLite sees it.
        row = dict(self._fault(), code='\udc80')
        with db_engine.write_connection() as connection:
            through_sqlalchemy = self.assertRaises(
                db_exc.DBInvalidUnicodeParameter, connection.execute,
                _INSERT_FAULTS, [row])

        def write():
            with dbapi_writes.write_connection() as connection:
                connection.execute(_INSERT_FAULTS, [row])
        error = self.assertRaises(db_exc.DBInvalidUnicodeParameter, write)
        self.assertIs(type(through_sqlalchemy), type(error))

    def test_connection_goes_back_to_the_pool(self):
        used = self.configured.checkouts()
        for _ in range(3):
            with dbapi_writes.write_connection() as connection:
                connection.execute(_INSERT_FAULTS, [self._fault()])
        self.assertEqual(0, self.engine.pool.checkedout())
        self.assertEqual(1, len(set(map(id, used))))

    def test_lost_connection_leaves_the_pool(self):
        used = self.configured.checkouts()
        with mock.patch.object(self.engine.dialect, 'is_disconnect',
                               return_value=True):
            self.assertRaises(db_exc.DBConnectionError, self._write_failing)
        self.assertEqual(0, self.engine.pool.checkedout())
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [self._fault()])
        lost, fresh = used
        self.assertIsNot(lost, fresh)
        self.assertRaises(sqlite3.ProgrammingError, lost.execute, 'SELECT 1')
        self.assertEqual(1, len(self._stored()))

    def test_interrupted_transaction_closes_its_connection(self):
        used = self.configured.checkouts()
        self.assertRaises(KeyboardInterrupt, self._write_then_fail,
                          KeyboardInterrupt)
        self.assertEqual(0, self.engine.pool.checkedout())
        with dbapi_writes.write_connection() as connection:
            connection.execute(_INSERT_FAULTS, [self._fault()])
        interrupted, fresh = used
        self.assertIsNot(interrupted, fresh)
        self.assertEqual(1, len(self._stored()))

    def test_other_databases_write_through_enginefacade(self):
        with fp_fixtures.UnreachableDatabase(), mock.patch.object(
                db_engine, 'write_connection',
                wraps=db_engine.write_connection) as write_connection:
            self.assertRaises(db_exc.DBConnectionError,
                              self._write_then_fail, RuntimeError)
        write_connection.assert_called_once_with()
