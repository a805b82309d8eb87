"""The engine: its URL and connection settings; read_rows on SQLite."""

import datetime
import sqlite3
from unittest import mock

import fixtures
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_db import options as db_options
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa
import testtools

import fault_persist
import fault_persist.conf
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist.db import plans
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import read_rows_behaviour

#: The show view's newest fault, as SQLite reads it.
_LATEST_FAULT = db_faults._SHOW_QUERIES[None].latest


class TestEngineUrl(testtools.TestCase):

    def test_mysql_gets_utf8mb4_and_connect_timeout(self):
        url = db_engine._engine_url(
            'mysql+pymysql://nova:secret@db/nova?charset=utf8', 5)
        self.assertIn('charset=utf8mb4', url)
        self.assertIn('connect_timeout=5', url)
        self.assertIn('nova:secret@db/nova', url)

    def test_settings_of_the_url_win(self):
        url = db_engine._engine_url(
            'mysql+pymysql://u:p@db/x?charset=latin1&connect_timeout=30', 5)
        self.assertIn('charset=latin1', url)
        self.assertIn('connect_timeout=30', url)

    def test_postgresql_gets_connect_timeout(self):
        url = db_engine._engine_url('postgresql+psycopg2://u@db/x', 3)
        self.assertIn('connect_timeout=3', url)

    def test_sqlite_is_left_alone(self):
        self.assertEqual('sqlite:////var/lib/x.sqlite',
                         db_engine._engine_url('sqlite:////var/lib/x.sqlite',
                                               5))


class TestConnectionUrl(testtools.TestCase):

    def _conf(self, **overrides):
        conf = cfg.ConfigOpts()
        conf([])
        fault_persist.conf.register_opts(conf)
        db_options.set_defaults(conf)
        for name, value in overrides.items():
            conf.set_override(name, value, group='fault_persist')
        return conf

    def test_own_connection_wins(self):
        conf = self._conf(connection='sqlite://')
        conf.set_override('connection', 'mysql://host', group='database')
        self.assertEqual('sqlite://', db_engine.connection_url(conf))

    def test_host_database_connection_is_the_fallback(self):
        conf = self._conf()
        conf.set_override('connection', 'mysql://host/db', group='database')
        self.assertEqual('mysql://host/db', db_engine.connection_url(conf))

    def test_embedded_sqlite_under_state_path(self):
        conf = self._conf(state_path='/srv/fp')
        self.assertEqual('sqlite:////srv/fp/fault_persist.sqlite',
                         db_engine.connection_url(conf))


class TestStatementTimeouts(testtools.TestCase):

    def test_postgresql_bounds_statements_and_lock_waits(self):
        url = db_engine._engine_url('postgresql+psycopg2://u@db/x', 3, 20)
        parsed = sa.engine.make_url(url)
        self.assertEqual('-c statement_timeout=20000 -c lock_timeout=20000',
                         parsed.query['options'])

    def test_mysql_bounds_reads_writes_and_lock_waits(self):
        url = db_engine._engine_url('mysql+pymysql://u:p@db/x', 3, 20)
        query = sa.engine.make_url(url).query
        self.assertEqual(('20', '20'),
                         (query['read_timeout'], query['write_timeout']))
        self.assertEqual('SET SESSION innodb_lock_wait_timeout=20',
                         query['init_command'])

    def test_zero_leaves_them_unset(self):
        url = db_engine._engine_url('postgresql+psycopg2://u@db/x', 3, 0)
        self.assertNotIn('options', url)


class TestSQLiteJournal(testtools.TestCase):

    def _journal_of(self, mode):
        directory = self.useFixture(fixtures.TempDir()).path
        facade = enginefacade.transaction_context()
        db_engine.configure_facade(
            facade, 'sqlite:///%s/faults.sqlite' % directory,
            sqlite_journal_mode=mode)
        engine = facade.writer.get_engine()
        self.addCleanup(engine.dispose)
        with engine.connect() as connection:
            return (connection.exec_driver_sql(
                'PRAGMA journal_mode').scalar(),
                connection.exec_driver_sql('PRAGMA synchronous').scalar())

    def test_a_file_gets_a_write_ahead_log_durable_at_each_commit(self):
        # synchronous 2 is FULL: the log is fsynced at every commit.
        self.assertEqual(('wal', 2), self._journal_of('wal'))

    def test_the_rollback_journal_on_request(self):
        self.assertEqual(('delete', 2), self._journal_of('delete'))


class TestReadRows(read_rows_behaviour.ReadRowsBehaviour, base.TestCase):
    """read_rows: one statement on a pooled connection, no transaction."""

    def use_engine(self):
        # The engine as fault_persist configures it (a pool that keeps
        # SQLite connections).
        self.configured = self.useFixture(
            fp_fixtures.ConfiguredEngine(self.database.url))
        self.engine = self.configured.engine

    def statements(self):
        # An IN list, rendered per call (the page query of MariaDB and
        # MySQL, which SQLite runs too), beside SQLite's own.
        return super().statements() + [
            (db_faults._LATEST_FAULTS[None].statements[True, True], {
                'instance_ids': [self.instance_id, 'vm-none'],
                'project_id': 'project-a'})]

    def test_rows_are_named_and_processed(self):
        row, = db_engine.read_rows(_LATEST_FAULT,
                                   {'instance_id': self.instance_id})
        self.assertEqual('Failed in project-b', row.message)
        self.assertEqual('project-b', row.project_id)
        # Text in SQLite, a datetime as SQLAlchemy gives it.
        self.assertIsInstance(row.created, datetime.datetime)
        self.assertEqual([], db_engine.read_rows(
            _LATEST_FAULT, {'instance_id': 'vm-none'}))

    def test_statement_is_compiled_once_per_dialect(self):
        dialect = db_engine.get_engine().dialect
        with mock.patch.object(_LATEST_FAULT, 'compile',
                               wraps=_LATEST_FAULT.compile
                               ) as compile_:
            plans._PLANS.pop(dialect, None)
            for _ in range(3):
                db_engine.read_rows(_LATEST_FAULT,
                                    {'instance_id': self.instance_id})
        self.assertEqual(1, compile_.call_count)

    def test_bound_values_are_processed_as_sqlalchemy_does(self):
        # SQLite keeps a datetime as text of its own form: a bound value
        # compared with stored ones must be sent in that form, by the
        # type's bind processor, as SQLAlchemy sends it.
        sent = sa.cast(sa.bindparam('when', type_=sa.DateTime),
                       sa.String).label('sent')
        when = datetime.datetime(2026, 1, 1, 6)
        for statement, parameters in (
                (sa.select(sent), {'when': when}),
                # With an IN list, rendered per call.
                (sa.select(sent).where(sa.literal(1).in_(
                    sa.bindparam('ones', expanding=True))),
                 {'when': when, 'ones': [1, 2]})):
            rows = db_engine.read_rows(statement, parameters)
            self.assertEqual(
                [('2026-01-01 06:00:00.000000',)],
                self._through_sqlalchemy(statement, parameters))
            self.assertEqual(self._through_sqlalchemy(statement, parameters),
                             [tuple(row) for row in rows])

    def test_plans_of_the_statements_read_last_are_kept(self):
        dialect = self.engine.dialect
        statements = [sa.select(sa.bindparam('value', type_=sa.Integer)
                                + number) for number in range(4)]
        self.useFixture(fixtures.MockPatchObject(plans, 'KEPT', 2))
        plans._PLANS.pop(dialect, None)
        for number in (0, 1, 0, 2, 3):
            rows = db_engine.read_rows(statements[number], {'value': 10})
            self.assertEqual([(10 + number,)], [tuple(row) for row in rows])
        # The first was read again after the second: the second went
        # first, then the first.
        self.assertEqual(statements[2:],
                         list(plans._PLANS[dialect]))
        with mock.patch.object(statements[0], 'compile',
                               wraps=statements[0].compile) as compile_:
            db_engine.read_rows(statements[0], {'value': 1})
        self.assertEqual(1, compile_.call_count)

    def test_show_view_runs_one_statement_and_no_transaction(self):
        statements = self.useFixture(fp_fixtures.SQLiteStatements())
        fault_persist.get_fault(base.admin_context(), self.instance_id)
        self.assertEqual(1, len(statements.statements),
                         statements.statements)
        self.assertTrue(statements.statements[0].startswith(
            'SELECT instance_faults.created'), statements.statements)

    def test_own_fault_behind_anothers_is_a_second_statement(self):
        statements = self.useFixture(fp_fixtures.SQLiteStatements())
        fault = fault_persist.get_fault(base.user_context('project-a'),
                                        self.instance_id)
        self.assertEqual('Failed in project-a', fault['message'])
        self.assertEqual(['SELECT'] * 2, [
            statement.split()[0] for statement in statements.statements])

    def test_a_transaction_shows_in_the_recording(self):
        # What the test above would see through enginefacade.
        statements = self.useFixture(fp_fixtures.SQLiteStatements())
        self._through_sqlalchemy(_LATEST_FAULT,
                                 {'instance_id': self.instance_id})
        self.assertEqual(['BEGIN', 'SELECT', 'ROLLBACK'], [
            statement.split()[0] for statement in statements.statements])

    def test_failure_is_translated_as_through_sqlalchemy(self):
        missing = sa.select(sa.column('x')).select_from(
            sa.table('no_such_table'))
        # oslo.db raises some errors as SQLAlchemy's (e.g. MySQL's 1146).
        errors = (db_exc.DBError, sa.exc.DBAPIError)
        through_sqlalchemy = self.assertRaises(
            errors, self._through_sqlalchemy, missing, {})
        error = self.assertRaises(db_exc.DBNonExistentTable,
                                  db_engine.read_rows, missing)
        self.assertIs(type(through_sqlalchemy), type(error))
        self.assertEqual(0, self.engine.pool.checkedout())
        self.assertIsNotNone(db_faults.get_latest_fault(self.instance_id))

    def test_lost_connection_leaves_the_pool(self):
        used = self.configured.checkouts()
        failing = sa.select(sa.func.no_such_function())
        with mock.patch.object(self.engine.dialect, 'is_disconnect',
                               return_value=True):
            self.assertRaises(db_exc.DBConnectionError,
                              db_engine.read_rows, failing)
        self.assertEqual(0, self.engine.pool.checkedout())
        self.assertIsNotNone(db_faults.get_latest_fault(self.instance_id))
        # Read once more on another connection, lost too, then raised.
        lost, lost_again, fresh = used
        self.assertEqual(3, len({id(lost), id(lost_again), id(fresh)}))
        for connection in (lost, lost_again):
            self.assertRaises(sqlite3.ProgrammingError, connection.execute,
                              'SELECT 1')

    def test_interrupted_read_closes_its_connection(self):
        used = self.configured.checkouts()
        with mock.patch.object(db_engine, '_fetch_outside_transaction',
                               side_effect=KeyboardInterrupt):
            self.assertRaises(KeyboardInterrupt, db_engine.read_rows,
                              _LATEST_FAULT,
                              {'instance_id': self.instance_id})
        self.assertEqual(0, self.engine.pool.checkedout())
        self.assertIsNotNone(db_faults.get_latest_fault(self.instance_id))
        interrupted, fresh = used
        self.assertIsNot(interrupted, fresh)

    def test_pool_timeout_is_not_a_database_error(self):
        # As through SQLAlchemy's Connection: only the driver's errors
        # are translated.
        with mock.patch.object(self.engine, 'raw_connection',
                               side_effect=sa.exc.TimeoutError('pool')):
            self.assertRaises(sa.exc.TimeoutError, db_engine.read_rows,
                              _LATEST_FAULT,
                              {'instance_id': self.instance_id})

    def test_connection_goes_back_to_the_pool(self):
        used = self.configured.checkouts()
        for _ in range(3):
            db_faults.get_latest_fault(self.instance_id)
        self.assertEqual(0, self.engine.pool.checkedout())
        self.assertEqual(1, len(set(map(id, used))))

    def test_sqlite_file_connections_are_kept_and_not_pinged(self):
        self.assertIsInstance(self.engine.pool, sa.pool.QueuePool)
        connection = self.engine.raw_connection()
        dbapi_connection = connection.dbapi_connection
        connection.close()
        ran = []
        dbapi_connection.set_trace_callback(ran.append)
        self.addCleanup(dbapi_connection.set_trace_callback, None)
        connection = self.engine.raw_connection()
        self.assertIs(dbapi_connection, connection.dbapi_connection)
        connection.close()
        self.assertEqual([], ran)

    def test_database_down_is_a_connection_error(self):
        with fp_fixtures.UnreachableDatabase():
            self.assertRaises(db_exc.DBConnectionError,
                              fault_persist.get_fault, base.admin_context(),
                              self.instance_id)
            self.assertRaises(db_exc.DBConnectionError,
                              fault_persist.get_faults, base.admin_context(),
                              [self.instance_id])
