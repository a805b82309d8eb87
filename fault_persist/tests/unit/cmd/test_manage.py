"""fault-persist-manage, run as the real console script."""

import datetime
import os
import subprocess
import sys

import fixtures
import sqlalchemy as sa
import testtools

from fault_persist.capture import spool as capture_spool
from fault_persist.db import migration
from fault_persist import extract
from fault_persist import recognise
from fault_persist.tests import samples

BIN = os.path.dirname(sys.executable)


def run(*args):
    """Run a console script of ours; returns (exit code, stdout, stderr)."""
    result = subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]),
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


class TestManage(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.state = self.useFixture(fixtures.TempDir()).path
        self.config_file = os.path.join(self.state, 'fp.conf')
        self.write_config()

    def write_config(self, extra=''):
        with open(self.config_file, 'w') as stream:
            stream.write('[fault_persist]\nstate_path = %s\n%s'
                         % (self.state, extra))

    def manage(self, *args):
        return run('fault-persist-manage', '--config-file', self.config_file,
                   *args)

    def engine(self):
        engine = sa.create_engine('sqlite:///' + os.path.join(
            self.state, 'fault_persist.sqlite'))
        self.addCleanup(engine.dispose)
        return engine

    def count_faults(self):
        with self.engine().connect() as connection:
            return connection.execute(sa.text(
                'SELECT count(*) FROM instance_faults')).scalar()

    def test_db_sync_and_version(self):
        code, out, err = self.manage('db', 'version')
        self.assertEqual(0, code, err)
        self.assertIn('None', out)
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(0, code, err)
        head = migration.version(engine=self.engine())
        self.assertIsNotNone(head)
        self.assertIn(head, out)
        code, out, err = self.manage('db', 'version')
        self.assertEqual((0, head), (code, out.strip()))

    def test_purge_older_than(self):
        self.assertEqual(0, self.manage('db', 'sync')[0])
        now = datetime.datetime.utcnow()
        with self.engine().begin() as connection:
            for number, age in enumerate((40, 31, 29, 1)):
                when = now - datetime.timedelta(days=age)
                connection.execute(sa.text(
                    "INSERT INTO instance_faults (id, instance_id, message, "
                    "details, created, updated, deleted, message_id) VALUES "
                    "(:id, 'i-1', 'm', '', :when, :when, 0, :id)"),
                    {'id': 'f-%d' % number, 'when': when})
        code, out, err = self.manage('purge', '--older-than', '30')
        self.assertEqual(0, code, err)
        self.assertIn('Purged 2 faults', out)
        self.assertEqual(2, self.count_faults())

    def test_purge_refuses_ages_that_are_no_ages(self):
        self.manage('db', 'sync')
        for age in ('inf', 'nan', '-1', '1e400', '1e9'):
            code, out, err = self.manage('purge', '--older-than', age)
            self.assertEqual(1, code, (age, err))
            self.assertNotIn('Traceback', err)
            self.assertEqual(1, len(err.strip().splitlines()), err)
            self.assertIn('--older-than', err)

    def test_purge_uses_retention_option(self):
        self.write_config('fault_retention_days = 0\n')
        self.assertEqual(0, self.manage('db', 'sync')[0])
        code, out, err = self.manage('purge')
        self.assertEqual(0, code, err)
        self.assertIn('kept for ever', out)

    def test_purge_deletes_old_request_log_entries(self):
        self.write_config('request_log_retention_days = 30\n')
        self.assertEqual(0, self.manage('db', 'sync')[0])
        now = datetime.datetime.utcnow()
        with self.engine().begin() as connection:
            for task_id, age in ((1, 40), (2, 1)):
                connection.execute(sa.text(
                    "INSERT INTO request_log_tasks (id, correlation_id, "
                    "action, app, target, status) VALUES "
                    "(:id, :id, 'a', 'trove', 't', 1000)"), {'id': task_id})
                connection.execute(sa.text(
                    "INSERT INTO request_log (message_id, task_id, created, "
                    "req, status, app, msg_code, target, message) VALUES "
                    "(:id, :id, :when, 'TASK', 1000, 'trove', 'FPTASK1000I', "
                    "'t', 'm')"),
                    {'id': task_id,
                     'when': now - datetime.timedelta(days=age)})
        code, out, err = self.manage('purge')
        self.assertEqual(0, code, err)
        self.assertIn('Purged 1 request-log entries older than 30 days', out)
        with self.engine().connect() as connection:
            self.assertEqual([2], list(connection.execute(sa.text(
                'SELECT task_id FROM request_log')).scalars()))
            self.assertEqual([2], list(connection.execute(sa.text(
                'SELECT id FROM request_log_tasks')).scalars()))

    def test_spool_replay_stores_spooled_events(self):
        self.write_config('track_tasks = false\n')
        self.assertEqual(0, self.manage('db', 'sync')[0])
        definitions = extract.Definitions.load()
        events = [definitions.extract({}, samples.variant(
            name, message_id='m-%d' % number), recognise.ERROR)
            for number, name in enumerate(
                ['trove/dbaas-instance_create-error',
                 'nova/instance-reboot-error'])]
        spool = capture_spool.Spool(os.path.join(self.state, 'spool'))
        spool.append(events)
        # The service that spooled them has stopped: its file is free.
        spool.close()
        code, out, err = self.manage('spool', 'replay')
        self.assertEqual(0, code, err)
        self.assertIn('Replayed 2 spooled events', out)
        self.assertEqual(2, self.count_faults())
        self.assertEqual([], spool.files())
        # Replaying again (nothing left) changes nothing.
        self.assertEqual(0, self.manage('spool', 'replay')[0])
        self.assertEqual(2, self.count_faults())

    def test_unreachable_database_is_one_clear_line(self):
        self.write_config('connection = mysql+pymysql://u:p@127.0.0.1:9/x\n')
        code, out, err = self.manage('db', 'sync')
        self.assertEqual(1, code)
        self.assertIn('cannot reach the database', err)
        self.assertNotIn('Traceback', err)
        self.assertEqual(1, len(err.strip().splitlines()), err)

    def test_no_command_is_a_usage_error(self):
        code, out, err = self.manage()
        self.assertNotEqual(0, code)
        self.assertNotIn('Traceback', err)


class TestGenerators(testtools.TestCase):

    def test_config_generator_lists_our_options(self):
        code, out, err = run('oslo-config-generator', '--namespace',
                             'fault_persist')
        self.assertEqual(0, code, err)
        self.assertIn('[fault_persist]', out)
        for option in ('connection', 'state_path', 'error_priorities',
                       'error_event_types', 'definitions_file', 'spool_dir',
                       'details_max_bytes', 'driver_write_timeout'):
            self.assertIn('#%s = ' % option, out)
        self.assertIn('[fault_persist_listener]', out)
        self.assertIn('#pool = ', out)

    def test_policy_generator_lists_our_rules(self):
        code, out, err = run('oslopolicy-sample-generator', '--namespace',
                             'fault_persist')
        self.assertEqual(0, code, err)
        self.assertIn('"fault_persist:fault:details": "role:admin"', out)
        self.assertIn('"fault_persist:fault:all_projects": "role:admin"',
                      out)
