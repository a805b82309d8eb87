"""The engine's connection handling on real PostgreSQL and MariaDB pools."""

import time

import fixtures
from oslo_context import context as o_context
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

import fault_persist
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist import faults
from fault_persist.tests import base as test_base
from fault_persist.tests.functional.db import base
from fault_persist.tests import read_rows_behaviour


class ForgetInheritedConnectionsBehaviour:

    def test_pool_is_emptied_and_the_old_connection_left_open(self):
        engine = db_engine.get_engine()
        with engine.connect() as connection:
            inherited = connection.connection.dbapi_connection
        # A background writer of an earlier test in this process may have
        # pooled a connection of its own.
        self.assertGreaterEqual(engine.pool.checkedin(), 1)

        db_engine.forget_inherited_connections()

        self.assertEqual(0, engine.pool.checkedin())
        # Still the parent's to use: not closed under it.
        cursor = inherited.cursor()
        cursor.execute('SELECT 1')
        self.assertEqual(1, cursor.fetchone()[0])
        inherited.close()
        # This process opens a connection of its own.
        db_faults.add_faults([faults.fault_record('i-1', 'Boom')])
        self.assertEqual(1, len(db_faults.list_faults()))


class TestForgetInheritedConnectionsOnMySQL(
        ForgetInheritedConnectionsBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestForgetInheritedConnectionsOnPostgreSQL(
        ForgetInheritedConnectionsBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL


class ReadRowsOnServerBehaviour(read_rows_behaviour.ReadRowsBehaviour):
    """read_rows on a server: SQLAlchemy's rows, no transaction left."""

    def test_failure_is_translated_as_through_sqlalchemy(self):
        missing = sa.select(sa.column('x')).select_from(
            sa.table('no_such_table'))
        # oslo.db raises some errors as SQLAlchemy's (e.g. MySQL's 1146).
        errors = (db_exc.DBError, sa.exc.DBAPIError)
        through_sqlalchemy = self.assertRaises(
            errors, self._through_sqlalchemy, missing, {})
        error = self.assertRaises(errors, db_engine.read_rows, missing)
        self.assertIs(type(through_sqlalchemy), type(error))
        # The connection went back usable, in no failed transaction.
        self.assertEqual(0, db_engine.get_engine().pool.checkedout())
        self.assertEqual('Failed in project-b', db_faults.get_latest_fault(
            self.instance_id).message)


def base_context(project_id):
    return o_context.RequestContext(project_id=project_id, user_id='u')


class TestReadRowsOnMySQL(ReadRowsOnServerBehaviour,
                          base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestReadRowsOnPostgreSQL(ReadRowsOnServerBehaviour,
                               base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL

    def test_statement_runs_in_autocommit_and_no_transaction_is_left(self):
        from psycopg2 import extensions

        executed = []
        checked_in = []

        class Recording(extensions.cursor):
            def execute(self, sql, args=None):
                executed.append((sql.split()[0], self.connection.autocommit))
                return super().execute(sql, args)

        def checkout(dbapi_connection, record, proxy):
            dbapi_connection.cursor_factory = Recording

        def checkin(dbapi_connection, record):
            dbapi_connection.cursor_factory = None
            checked_in.append((dbapi_connection.autocommit,
                               dbapi_connection.info.transaction_status))

        engine = db_engine.get_engine()
        for name, listener in (('checkout', checkout), ('checkin', checkin)):
            sa.event.listen(engine, name, listener)
            self.addCleanup(sa.event.remove, engine, name, listener)
        fault = fault_persist.get_fault(base_context('project-a'),
                                        self.instance_id)
        self.assertEqual('Failed in project-a', fault['message'])
        # The newest, another project's; then the caller's own: each one
        # statement in autocommit mode (no BEGIN, no ROLLBACK).
        self.assertEqual([('SELECT', True)] * 2, executed)
        self.assertEqual(
            [(False, extensions.TRANSACTION_STATUS_IDLE)] * 2, checked_in)


class TestPostgreSQLJITOff(base.BackendTestCase):
    """Our engine's PostgreSQL sessions run with the JIT compiler off."""

    FIXTURE = base.MigratedPostgreSQL

    def _engine(self, query=''):
        facade = enginefacade.transaction_context()
        db_engine.configure_facade(facade, db_engine.get_engine().url.
                                   render_as_string(hide_password=False)
                                   + query)
        engine = facade.writer.get_engine()
        self.addCleanup(engine.dispose)
        return engine

    def _jit(self, engine):
        with engine.connect() as connection:
            return connection.scalar(sa.text('SHOW jit'))

    def test_jit_is_off_in_every_session_and_after_a_rollback(self):
        engine = self._engine()
        self.assertEqual('off', self._jit(engine))
        # The pooled connection again, after the reset's rollback; and a
        # second one, opened while the first is checked out.
        with engine.connect() as connection:
            self.assertEqual('off', connection.scalar(sa.text('SHOW jit')))
            self.assertEqual('off', self._jit(engine))
        self.assertEqual(2, engine.pool.checkedin())

    def test_a_url_that_sets_jit_keeps_its_own(self):
        self.assertEqual('on', self._jit(self._engine(
            '?options=-c%20jit%3Don')))

    def test_the_host_engine_keeps_the_servers_setting(self):
        # The fixture's engine, made without our settings: as a host's.
        self.assertEqual('on', self._jit(db_engine.get_engine()))


class OptimisticReadBehaviour:
    """read_rows reads without a ping; sessions still ping at check-out.

    On fault_persist's own engine (:func:`configure_facade`'s, not the
    fixture's), emptied so that one connection is pooled, an open one.
    A backend's test case says how to find, kill and record a server
    session of a DB-API connection.
    """

    instance_id = 'vm-optimistic'
    #: What the pool's reset at check-in sends, after a read.
    RESET = []

    def setUp(self):
        super().setUp()
        url = db_engine.get_engine().url.render_as_string(hide_password=False)
        self.admin = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.addCleanup(self.admin.dispose)
        facade = enginefacade.transaction_context()
        db_engine.configure_facade(facade, url)
        self.addCleanup(db_engine.context_manager.patch_factory(facade))
        self.engine = db_engine.get_engine()
        self.addCleanup(self.engine.dispose)
        fault_persist.save_fault(test_base.user_context('project-a'),
                                 self.instance_id, 'Failed in project-a')
        self.engine.dispose()
        self.assertEqual('Failed in project-a', self._show()['message'])
        self.assertEqual(1, self.engine.pool.checkedin())

    def _show(self):
        return fault_persist.get_fault(test_base.admin_context(),
                                       self.instance_id)

    def _pooled(self):
        """The pooled DB-API connection (checked out and in: pinged)."""
        connection = self.engine.raw_connection()
        try:
            return connection.dbapi_connection
        finally:
            connection.close()

    def _record_pooled(self):
        """The pooled connection's server session, and what it will send.

        What it sends: the first word of each statement, or the ping.
        """
        pooled = self._pooled()
        requests = []
        self._record(pooled, requests)
        return self._session_of(pooled), requests

    def _kill_session(self, session):
        with self.admin.connect() as connection:
            self._kill(connection, session)

    def test_a_pooled_connection_reads_in_one_round_trip(self):
        _session, requests = self._record_pooled()
        self.assertEqual('Failed in project-a', self._show()['message'])
        # The statement alone: no ping first.
        self.assertEqual(['SELECT'] + self.RESET, requests)

    def test_a_connection_that_lost_its_server_is_read_again(self):
        lost, requests = self._record_pooled()
        self._kill_session(lost)
        self.assertEqual('Failed in project-a', self._show()['message'])
        # The lost connection was sent the statement, not a ping; it left
        # the pool, and the new one that read is pooled in its place.
        self.assertEqual(['SELECT'], requests[:1])
        self.assertEqual(1, self.engine.pool.checkedin())
        self.assertNotEqual(lost, self._session_of(self._pooled()))

    def test_a_second_lost_connection_is_raised(self):
        fetch = db_engine._fetch_outside_transaction
        fetched = []

        def lose_then_fetch(dbapi_connection, *args):
            # Each connection read on loses its server just before.
            fetched.append(self._session_of(dbapi_connection))
            self._kill_session(fetched[-1])
            return fetch(dbapi_connection, *args)

        self.useFixture(fixtures.MockPatchObject(
            db_engine, '_fetch_outside_transaction', lose_then_fetch))
        self.assertRaises(db_exc.DBConnectionError, self._show)
        # Read once more on another connection, and no more.
        self.assertEqual(2, len(set(fetched)))

    def test_a_session_pings_at_checkout(self):
        _session, requests = self._record_pooled()
        with db_engine.reader() as session:
            session.execute(sa.text('SELECT 2'))
        self.assertEqual([self.PING], requests[:1])

    def test_a_session_gets_a_new_connection_for_a_lost_one(self):
        lost, requests = self._record_pooled()
        self._kill_session(lost)
        with db_engine.reader() as session:
            self.assertEqual(2, session.execute(sa.text('SELECT 2')).scalar())
        # The ping found it lost: the session never used it.
        self.assertEqual([self.PING], requests)
        self.assertEqual(1, self.engine.pool.checkedin())
        self.assertNotEqual(lost, self._session_of(self._pooled()))


class TestOptimisticReadOnMySQL(OptimisticReadBehaviour,
                                base.BackendTestCase):
    FIXTURE = base.MigratedMySQL
    RESET = ['ROLLBACK']
    PING = 'PING'

    def _session_of(self, dbapi_connection):
        return dbapi_connection.thread_id()

    def _kill(self, connection, session):
        connection.exec_driver_sql('KILL %d' % session)
        # KILL returns before the server has closed the connection.
        for _ in range(100):
            if not connection.exec_driver_sql(
                    'SELECT 1 FROM information_schema.processlist '
                    'WHERE id = %d' % session).first():
                return
            time.sleep(0.05)
        self.fail('MariaDB kept session %d' % session)

    def _record(self, dbapi_connection, requests):
        from pymysql.constants import COMMAND

        send = dbapi_connection._execute_command

        def recording(command, sql):
            if command == COMMAND.COM_PING:
                requests.append(self.PING)
            else:
                if isinstance(sql, bytes):
                    sql = sql.decode()
                requests.append(sql.split()[0])
            return send(command, sql)

        dbapi_connection._execute_command = recording


class TestOptimisticReadOnPostgreSQL(OptimisticReadBehaviour,
                                     base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
    PING = 'SELECT 1'

    def _session_of(self, dbapi_connection):
        return dbapi_connection.info.backend_pid

    def _kill(self, connection, session):
        # Waits (up to 5 s) until the session has ended.
        self.assertTrue(connection.exec_driver_sql(
            'SELECT pg_terminate_backend(%d, 5000)' % session).scalar())

    def _record(self, dbapi_connection, requests):
        from psycopg2 import extensions

        ping = self.PING

        class Recording(extensions.cursor):
            def execute(self, sql, args=None):
                requests.append(sql if sql == ping else sql.split()[0])
                return super().execute(sql, args)

        dbapi_connection.cursor_factory = Recording
