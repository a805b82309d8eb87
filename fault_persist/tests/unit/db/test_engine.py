"""The engine's URL and connection settings, without a database."""

import fixtures
from oslo_config import cfg
from oslo_db import options as db_options
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa
import testtools

import fault_persist.conf
from fault_persist.db import engine as db_engine


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
