"""fault-persist, run as the real console script on a known database."""

import datetime
import json
import os

import fixtures
from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
import testtools

import fault_persist
from fault_persist import config
from fault_persist.db import api as db_api
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests.unit.cmd import test_manage

INSTANCE = '73cfc462-dd59-4dc1-9d32-95954171775f'
OTHER = '178b0921-8f85-4257-88b6-2e743b5a975c'


class CliTestCase(testtools.TestCase):
    """A SQLite database with known faults, and the CLI to read it."""

    def setUp(self):
        super().setUp()
        self.state = self.useFixture(fixtures.TempDir()).path
        self.config_file = os.path.join(self.state, 'fp.conf')
        with open(self.config_file, 'w') as stream:
            stream.write('[fault_persist]\nstate_path = %s\n'
                         'auto_migrate = true\n' % self.state)
        self.seed()

    def seed(self):
        """Record the known faults through the public API."""
        conf = cfg.ConfigOpts()
        conf(['--config-file', self.config_file], project='fault_persist')
        config.reset()
        self.addCleanup(config.reset)
        days = [datetime.datetime(2026, 3, day, 12, 0, 0)
                for day in (1, 2, 3)]
        with _OwnEngine():
            fault_persist.init(conf)
            for day, (instance, project, message) in zip(days, [
                    (INSTANCE, 'project-a', 'First failure'),
                    (INSTANCE, 'project-a', 'A guest error occurred'),
                    (OTHER, 'project-b', 'Disk too small')]):
                with fp_fixtures.TimeOverride(day):
                    fault_persist.save_fault(
                        {'project_id': project}, instance, message,
                        details='Traceback: ' + message)

    def cli(self, *args):
        return test_manage.run('fault-persist', '--config-file',
                               self.config_file, *args)


class _OwnEngine(fixtures.Fixture):
    """Let init() configure a fresh engine, then restore the test one."""

    def _setUp(self):
        fresh = enginefacade.transaction_context()
        self.addCleanup(db_api.context_manager.patch_factory(fresh))
        self.addCleanup(fresh.dispose_pool)


class TestShow(CliTestCase):

    def test_admin_sees_property_value_table_with_details(self):
        code, out, err = self.cli('show', INSTANCE)
        self.assertEqual(0, code, err)
        lines = out.splitlines()
        self.assertRegex(lines[1], r'^\| Property +\| Value +\|$')
        self.assertRegex(out, r'\| fault_date +\| 2026-03-02T12:00:00Z')
        self.assertRegex(out, r'\| fault_message +\| A guest error occurred')
        self.assertRegex(out, r'\| fault_details +\| Traceback: A guest')

    def test_project_member_sees_no_details(self):
        code, out, err = self.cli('show', INSTANCE, '--project', 'project-a',
                                  '-f', 'json')
        self.assertEqual(0, code, err)
        self.assertEqual(
            [{'Property': 'fault_date', 'Value': '2026-03-02T12:00:00Z'},
             {'Property': 'fault_message',
              'Value': 'A guest error occurred'}],
            json.loads(out))

    def test_other_project_sees_nothing(self):
        code, out, err = self.cli('show', INSTANCE, '--project', 'project-b')
        self.assertEqual(1, code)
        self.assertIn('No fault is recorded for instance %s' % INSTANCE, err)
        self.assertNotIn('Traceback (most recent call last)', err)

    def test_unknown_instance(self):
        code, out, err = self.cli('show', 'no-such-instance')
        self.assertEqual(1, code)
        self.assertEqual(
            ['No fault is recorded for instance no-such-instance (or none '
             'this caller may see).'], err.strip().splitlines())

    def test_admin_and_project_are_exclusive(self):
        code, out, err = self.cli('show', INSTANCE, '--admin', '--project',
                                  'p')
        self.assertEqual(2, code)
        self.assertIn('not allowed with argument', err)


class TestFaultList(CliTestCase):

    def test_json_lists_every_fault_newest_first(self):
        code, out, err = self.cli('fault', 'list', '-f', 'json')
        self.assertEqual(0, code, err)
        faults = json.loads(out)
        self.assertEqual(['Disk too small', 'A guest error occurred',
                          'First failure'],
                         [fault['message'] for fault in faults])
        self.assertEqual({'id', 'instance_id', 'project_id', 'created',
                          'code', 'message'}, set(faults[0]))

    def test_filters_and_pages(self):
        code, out, err = self.cli('fault', 'list', '--instance', INSTANCE,
                                  '--limit', '1', '-f', 'json')
        self.assertEqual(0, code, err)
        first = json.loads(out)
        self.assertEqual(['A guest error occurred'],
                         [fault['message'] for fault in first])
        code, out, err = self.cli('fault', 'list', '--instance', INSTANCE,
                                  '--marker', first[0]['id'], '-f', 'json')
        self.assertEqual(['First failure'],
                         [fault['message'] for fault in json.loads(out)])

    def test_time_range_and_project(self):
        code, out, err = self.cli(
            'fault', 'list', '--since', '2026-03-02T00:00:00Z', '--before',
            '2026-03-03', '--project', 'project-a', '-f', 'value', '-c',
            'message')
        self.assertEqual(0, code, err)
        self.assertEqual('A guest error occurred\n', out)

    def test_long_adds_details(self):
        code, out, err = self.cli('fault', 'list', '--long', '-f', 'json')
        self.assertEqual('Traceback: Disk too small',
                         json.loads(out)[0]['details'])

    def test_bad_date_is_one_clear_line(self):
        code, out, err = self.cli('fault', 'list', '--since', 'yesterday')
        self.assertEqual(1, code)
        self.assertEqual(["Invalid time 'yesterday': Unable to parse date "
                          "string 'yesterday'."], err.strip().splitlines())

    def test_bad_marker_is_one_clear_line(self):
        code, out, err = self.cli('fault', 'list', '--marker', 'nope')
        self.assertEqual(1, code)
        self.assertIn('Marker nope does not name a record', err)

    def test_unreachable_database(self):
        with open(self.config_file, 'w') as stream:
            stream.write('[fault_persist]\nconnection = '
                         'mysql+pymysql://u:p@127.0.0.1:9/x\n')
        code, out, err = self.cli('fault', 'list')
        self.assertEqual(1, code)
        self.assertIn('The fault_persist database is unavailable', err)
        self.assertNotIn('Traceback', err)
