"""The engine's connection handling on real PostgreSQL and MariaDB pools."""

from oslo_context import context as o_context
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

import fault_persist
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist import faults
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
