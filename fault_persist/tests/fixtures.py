"""Fixtures of the fault_persist test suite."""

import os

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
import sqlalchemy as sa

import fault_persist.conf
from fault_persist import config
from fault_persist.db import dbapi_writes
from fault_persist.db import engine as db_engine
from fault_persist.db import migration

#: In CI every backend is part of the run: a missing one fails, never skips.
IN_CI = os.environ.get('CI', '').lower() == 'true'


def require_service(test, name, reason):
    """Skip ``test`` for a missing service, or fail it in CI."""
    message = '%s is not available: %s' % (name, reason)
    if IN_CI:
        test.fail(message + ' (CI=true: real services are required)')
    test.skipTest(message)


class SQLiteDatabase(fixtures.Fixture):
    """A migrated SQLite file behind fault_persist's enginefacade."""

    def _setUp(self):
        path = self.useFixture(fixtures.TempDir()).join('faults.sqlite')
        self.url = 'sqlite:///' + path
        facade = enginefacade.transaction_context()
        facade.configure(connection=self.url, sqlite_fk=True)
        self.engine = facade.writer.get_engine()
        self.addCleanup(self.engine.dispose)
        migration.upgrade(engine=self.engine)
        self.addCleanup(db_engine.context_manager.patch_factory(facade))


class ConfiguredEngine(fixtures.Fixture):
    """The engine of ``url`` as fault_persist configures it, in use.

    Unlike :class:`SQLiteDatabase`'s test engine, a pool that keeps
    SQLite connections, as a service gets.

    :ivar engine: the engine.
    """

    def __init__(self, url):
        super().__init__()
        self.url = url

    def _setUp(self):
        facade = enginefacade.transaction_context()
        db_engine.configure_facade(facade, self.url)
        self.addCleanup(db_engine.context_manager.patch_factory(facade))
        self.engine = facade.writer.get_engine()
        self.addCleanup(self.engine.dispose)

    def checkouts(self):
        """The DB-API connections checked out of the pool from now on.

        :returns: a list, appended to at each check-out.
        """
        used = []
        sa.event.listen(self.engine, 'checkout',
                        lambda dbapi_connection, *args: used.append(
                            dbapi_connection))
        return used


class FaultPersist(fixtures.Fixture):
    """fault_persist initialised on a private ``ConfigOpts``.

    :param overrides: ``{option: value}`` of the ``[fault_persist]`` group.
    """

    def __init__(self, **overrides):
        super().__init__()
        self.overrides = overrides

    def _setUp(self):
        self.conf = cfg.ConfigOpts()
        self.conf([], project='fault_persist')
        self.config = self.useFixture(config_fixture.Config(self.conf))
        fault_persist.conf.register_opts(self.conf)
        self.state_path = self.useFixture(fixtures.TempDir()).path
        # No periodic counter lines from drivers that outlive their test
        # (they would land in another test's captured output).
        self.config.config(group='fault_persist', state_path=self.state_path,
                           **dict({'counters_interval': 0},
                                  **self.overrides))
        config.reset()
        self.addCleanup(config.reset)
        config.init(self.conf)


def ensure_default_engine():
    """Give the enginefacade a URL before oslo.db fixtures patch it.

    oslo.db's fixtures start the facade they replace; an unconfigured one
    would fall back to the global ``[database] connection``.
    """
    if not db_engine.context_manager.is_started:
        db_engine.context_manager.configure(connection='sqlite://')


class SQLStatements(fixtures.Fixture):
    """The SQL statements fault_persist's engine runs while in use.

    Those SQLAlchemy executes, and those
    :func:`fault_persist.db.engine.read_rows` and
    :class:`fault_persist.db.dbapi_writes.DBAPIConnection` run on a DB-API
    cursor (each as compiled for the engine, before an ``IN`` list is
    rendered; a statement run for many rows once).
    :class:`SQLiteStatements` sees what the database runs besides.

    ``statements``: each statement's text, whitespace folded, in order.
    """

    def _setUp(self):
        self.statements = []
        engine = db_engine.get_engine()
        sa.event.listen(engine, 'before_cursor_execute', self._note)
        self.addCleanup(sa.event.remove, engine, 'before_cursor_execute',
                        self._note)
        read_rows = db_engine.read_rows

        def noted_read_rows(statement, parameters=None):
            self._fold(str(statement.compile(dialect=engine.dialect)))
            return read_rows(statement, parameters)

        self.useFixture(fixtures.MockPatchObject(db_engine, 'read_rows',
                                                 noted_read_rows))
        execute = dbapi_writes.DBAPIConnection.execute

        def noted_execute(connection, statement, parameters=None):
            self._fold(str(statement.compile(dialect=engine.dialect)))
            return execute(connection, statement, parameters)

        self.useFixture(fixtures.MockPatchObject(
            dbapi_writes.DBAPIConnection, 'execute', noted_execute))

    def _note(self, conn, cursor, statement, *args):
        self._fold(statement)

    def _fold(self, statement):
        self.statements.append(' '.join(statement.split()))


class SQLiteStatements(fixtures.Fixture):
    """Every statement SQLite runs for fault_persist's engine.

    Below SQLAlchemy, unlike :class:`SQLStatements`: what SQLAlchemy runs,
    what a DB-API cursor runs (:func:`fault_persist.db.engine.read_rows`)
    and what the driver runs of itself (an implicit ``BEGIN``, the
    ``ROLLBACK`` of the pool's reset at check-in), from each check-out
    (after oslo.db's pre-ping) to its check-in. SQLite only.

    ``statements``: each statement's text, whitespace folded, in order.
    """

    def _setUp(self):
        self.statements = []
        engine = db_engine.get_engine()
        for name, listener in (('checkout', self._trace),
                               ('checkin', self._untrace)):
            sa.event.listen(engine, name, listener)
            self.addCleanup(sa.event.remove, engine, name, listener)

    def _trace(self, dbapi_connection, record, proxy):
        dbapi_connection.set_trace_callback(self._note)

    def _untrace(self, dbapi_connection, record):
        if dbapi_connection is not None:
            dbapi_connection.set_trace_callback(None)

    def _note(self, statement):
        self.statements.append(' '.join(statement.split()))


class TimeOverride(fixtures.Fixture):
    """Freeze ``oslo_utils.timeutils.utcnow()`` at ``when`` (naive UTC)."""

    def __init__(self, when):
        super().__init__()
        self.when = when

    def _setUp(self):
        timeutils.set_time_override(self.when)
        self.addCleanup(timeutils.clear_time_override)


class UnreachableDatabase(fixtures.Fixture):
    """fault_persist's engine pointed at a port where nothing listens."""

    URL = 'mysql+pymysql://nobody:nothing@127.0.0.1:9/faults'

    def _setUp(self):
        facade = enginefacade.transaction_context()
        facade.configure(connection=self.URL, max_retries=0)
        self.addCleanup(db_engine.context_manager.patch_factory(facade))
