"""fault-persist, run as the real console script on a known database."""

import datetime
import io
import json
import os

import fixtures
from oslo_config import cfg
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
import testtools

import fault_persist
from fault_persist.cmd import cli as cli_app
from fault_persist import config
from fault_persist.db import engine as db_engine
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests.unit.cmd import test_manage

INSTANCE = '73cfc462-dd59-4dc1-9d32-95954171775f'
OTHER = '178b0921-8f85-4257-88b6-2e743b5a975c'
ADMIN = {'project_id': 'admin', 'roles': ['admin']}


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
        self.addCleanup(db_engine.context_manager.patch_factory(fresh))
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

    def test_several_instances_are_listed(self):
        code, out, err = self.cli('show', INSTANCE, 'no-such-instance',
                                  INSTANCE, '--project', 'project-a',
                                  '-f', 'json')
        self.assertEqual(0, code, err)
        self.assertEqual(
            [{'instance_id': INSTANCE, 'fault_date': '2026-03-02T12:00:00Z',
              'fault_message': 'A guest error occurred'}], json.loads(out))

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
        self.assertEqual({'id', 'instance_id', 'resource_type', 'project_id',
                          'created', 'code', 'message', 'resolved_at'},
                         set(faults[0]))
        self.assertEqual({('instance', None)},
                         {(fault['resource_type'], fault['resolved_at'])
                          for fault in faults})

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
        self.assertEqual(["Invalid time 'yesterday': since: Unable to parse "
                          "date string 'yesterday'."],
                         err.strip().splitlines())

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


class TestFaultListOfResources(CliTestCase):
    """Faults of other kinds of resources, of a host, and resolved ones."""

    def seed(self):
        super().seed()
        conf = cfg.ConfigOpts()
        conf(['--config-file', self.config_file], project='fault_persist')
        config.reset()
        with _OwnEngine():
            fault_persist.init(conf)
            for day, call in (
                    (4, lambda: fault_persist.save_fault(
                        {'project_id': 'project-a'}, 'vol-1',
                        'Attach failed', resource_type='volume')),
                    (5, lambda: fault_persist.save_fault(
                        None, 'compute-1', 'Libvirt is down',
                        resource_type='host')),
                    (6, lambda: fault_persist.resolve_faults(ADMIN,
                                                             INSTANCE))):
                with fp_fixtures.TimeOverride(
                        datetime.datetime(2026, 3, day, 12, 0, 0)):
                    call()

    def listed(self, *args):
        code, out, err = self.cli('fault', 'list', '-f', 'json', *args)
        self.assertEqual(0, code, err)
        return [(fault['instance_id'], fault['resource_type'],
                 fault['resolved_at']) for fault in json.loads(out)]

    def test_resource_type_and_resolved_at_columns(self):
        self.assertEqual([
            ('compute-1', 'host', None),
            ('vol-1', 'volume', None),
            (OTHER, 'instance', None),
            (INSTANCE, 'instance', '2026-03-06T12:00:00Z'),
            (INSTANCE, 'instance', '2026-03-06T12:00:00Z')], self.listed())

    def test_resource_type_filter(self):
        self.assertEqual([('vol-1', 'volume', None)],
                         self.listed('--resource-type', 'volume'))
        self.assertEqual([('compute-1', 'host', None)],
                         self.listed('--resource-type', 'host'))

    def test_unresolved_leaves_resolved_faults_out(self):
        self.assertEqual([('compute-1', 'host', None),
                          ('vol-1', 'volume', None),
                          (OTHER, 'instance', None)],
                         self.listed('--unresolved'))

    def test_table_has_the_new_columns(self):
        code, out, err = self.cli('fault', 'list', '--resource-type',
                                  'volume')
        self.assertEqual(0, code, err)
        self.assertRegex(out.splitlines()[1],
                         r'\| resource_type \|.*\| resolved_at \|')

    def test_bad_resource_type_is_one_clear_line(self):
        code, out, err = self.cli('fault', 'list', '--resource-type', 'Vol')
        self.assertEqual(1, code)
        self.assertEqual(1, len(err.strip().splitlines()), err)
        self.assertIn('resource_type', err)

    def test_show_skips_resolved_and_host_faults(self):
        for resource in (INSTANCE, 'compute-1'):
            code, out, err = self.cli('show', resource)
            self.assertEqual(1, code, out)
        code, out, err = self.cli('show', 'vol-1')
        self.assertEqual(0, code, err)
        self.assertRegex(out, r'\| fault_message +\| Attach failed')


class CloneError(Exception):
    """A failure with a message code, as Kimchi's errors have."""

    code = 'KCHVM0001E'


class RequestLogCliTestCase(CliTestCase):
    """Known tasks: one failed clone, one successful start, shown in BRT."""

    def seed(self):
        with open(self.config_file, 'a') as stream:
            stream.write('log_timezone = BRT=-03:00\n')
        conf = cfg.ConfigOpts()
        conf(['--config-file', self.config_file], project='fault_persist')
        config.reset()
        self.addCleanup(config.reset)
        user = {'project_id': 'project-a', 'user_id': 'alice'}
        start = datetime.datetime(2016, 8, 12, 14, 49, 50)
        with _OwnEngine():
            fault_persist.init(conf)
            with fp_fixtures.TimeOverride(start):
                try:
                    with fault_persist.track_task(
                            user, 'kimchi', '/plugins/kimchi/vms/name/clone'):
                        timeutils.advance_time_seconds(5)
                        raise CloneError("failed to clone vm 'name'")
                except CloneError:
                    pass
            with fp_fixtures.TimeOverride(datetime.datetime(
                    2016, 8, 12, 15, 0, 0)):
                with fault_persist.track_task(user, 'kimchi',
                                              '/plugins/kimchi/vms/b/start'):
                    pass


class TestTaskCommands(RequestLogCliTestCase):

    def test_task_list(self):
        code, out, err = self.cli('task', 'list', '-f', 'json')
        self.assertEqual(0, code, err)
        tasks = json.loads(out)
        self.assertEqual([(2, 1001, '/plugins/kimchi/vms/b/start'),
                          (1, 1002, '/plugins/kimchi/vms/name/clone')],
                         [(t['task_id'], t['status'], t['target'])
                          for t in tasks])
        self.assertEqual(5.0, tasks[1]['duration'])

    def test_task_list_filters(self):
        code, out, err = self.cli('task', 'list', '--status', '1002',
                                  '-f', 'value', '-c', 'task_id')
        self.assertEqual((0, '1\n'), (code, out), err)

    def test_task_show_has_duration_and_entries_between(self):
        code, out, err = self.cli('task', 'show', '1', '-f', 'json')
        self.assertEqual(0, code, err)
        task = json.loads(out)
        self.assertEqual(('2016-08-12T14:49:50Z', '2016-08-12T14:49:55Z',
                          1002, 5.0, False),
                         (task['started'], task['ended'], task['status'],
                          task['duration'], task['running']))
        between = task['entries_between'].splitlines()
        self.assertEqual(2, len(between), between)
        # Oldest first: what happened, in order.
        self.assertIn('Started Kimchi task ID 1', between[0])

    def test_unknown_task(self):
        code, out, err = self.cli('task', 'show', '99')
        self.assertEqual(1, code)
        self.assertIn('Task 99 is not in the request log', err)
        self.assertEqual(1, len(err.strip().splitlines()))

    def test_task_id_must_be_a_number(self):
        code, out, err = self.cli('task', 'show', 'abc')
        self.assertEqual(1, code)
        self.assertEqual(["Invalid value 'abc' for task_id: not a whole "
                          "number."], err.strip().splitlines())


class TestLogCommand(RequestLogCliTestCase):

    EXAMPLE = ("[2016-08-12 11:49:55 BRT] TASK  1002 kimchi alice  Failure "
               "on Kimchi task ID 1: /plugins/kimchi/vms/name/clone "
               "(KCHVM0001E failed to clone vm 'name')")

    def test_text_lines_in_display_zone(self):
        code, out, err = self.cli('log', '--text', '--status', '1002')
        self.assertEqual(0, code, err)
        self.assertEqual(self.EXAMPLE + '\n', out)

    def test_text_lines_to_a_file(self):
        path = os.path.join(self.state, 'requests.log')
        code, out, err = self.cli('log', '--text', '--output', path)
        self.assertEqual((0, ''), (code, out), err)
        with open(path) as stream:
            lines = stream.read().splitlines()
        self.assertEqual(4, len(lines))
        self.assertEqual(self.EXAMPLE, lines[2])

    def test_table_newest_first_with_filters(self):
        code, out, err = self.cli('log', '--app', 'kimchi', '--since',
                                  '2016-08-12T14:49:55Z', '-f', 'json')
        self.assertEqual(0, code, err)
        entries = json.loads(out)
        self.assertEqual([1001, 1000, 1002],
                         [entry['status'] for entry in entries])
        self.assertEqual({'alice'}, {entry['user'] for entry in entries})

    def test_pages(self):
        seen, marker = [], None
        while True:
            args = ['log', '--limit', '3', '-f', 'json']
            if marker:
                args += ['--marker', str(marker)]
            code, out, err = self.cli(*args)
            self.assertEqual(0, code, err)
            page = json.loads(out)
            if not page:
                break
            seen.extend(entry['id'] for entry in page)
            marker = page[-1]['id']
        self.assertEqual(4, len(seen))
        self.assertEqual(len(seen), len(set(seen)))

    def test_output_without_text_is_a_clear_error(self):
        code, out, err = self.cli('log', '--output', 'x.log')
        self.assertEqual(1, code)
        self.assertIn('--output', err)
        self.assertIn('it goes with --text', err)

    def test_bad_date(self):
        code, out, err = self.cli('log', '--before', 'tomorrow')
        self.assertEqual(1, code)
        self.assertIn("Invalid time 'tomorrow'", err)


#: Hostile command-line values: each gives one clear line, never a
#: traceback or "database is unavailable".
HOSTILE_ARGS = [
    '', ' ', '\x01', 'a\nb', '²', '٣', '-1', '0', '1.5', 'inf', 'nan',
    '9' * 19, '9' * 40, str(2 ** 63), str(2 ** 31), '0x10', 'x' * 65,
    'x' * 5000, '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00',
    '2026-13-01', 'yesterday', '\ud800', 'proj-a\udfff', "' OR 1=1 --",
    'PROJECT-A', 'project-a ', '%s%(x)s', '\u202e', '1000', '1002',
]
HOSTILE_COMMANDS = [
    ('fault', 'list', '--instance'), ('fault', 'list', '--project'),
    ('fault', 'list', '--since'), ('fault', 'list', '--before'),
    ('fault', 'list', '--limit'), ('fault', 'list', '--marker'),
    ('fault', 'list', '--resource-type'), ('show',),
    ('show', INSTANCE, '--project'), ('task', 'list', '--app'),
    ('task', 'list', '--limit'), ('task', 'list', '--marker'),
    ('task', 'list', '--project'), ('task', 'list', '--user'),
    ('task', 'show'), ('log', '--since'), ('log', '--limit'),
    ('log', '--marker'), ('log', '--task'), ('log', '--user'),
    ('log', '--text', '--limit'), ('log', '--text', '--since'),
]


class TestHostileArguments(CliTestCase):
    """Every command and option with hostile values, in process."""

    def cli_in_process(self, *args):
        out, err = io.StringIO(), io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', out))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        config.reset()
        with _OwnEngine():
            code = cli_app.main(['--config-file', self.config_file]
                                + list(args))
        config.reset()
        return code, out.getvalue(), err.getvalue()

    def test_one_clear_line_per_hostile_value(self):
        calls = 0
        for command in HOSTILE_COMMANDS:
            for value in HOSTILE_ARGS:
                args = command + (value,)
                code, out, err = self.cli_in_process(*args)
                calls += 1
                self.assertIn(code, (0, 1, 2), args)
                self.assertNotIn('Traceback', err, args)
                self.assertNotIn('unavailable', err, args)
                if code == 1:
                    self.assertEqual(1, len(err.strip().splitlines()),
                                     (args, err))
        self.assertGreater(calls, 600)

    def test_limit_beyond_max_limit_is_reduced(self):
        with open(self.config_file, 'a') as stream:
            stream.write('[api]\nmax_limit = 2\n')
        code, out, err = self.cli_in_process(
            'fault', 'list', '-f', 'json', '--limit', str(2 ** 64))
        self.assertEqual(0, code, err)
        self.assertEqual(2, len(json.loads(out)))
        self.assertIn('for the next page pass --marker', err)
        code, out, err = self.cli_in_process('fault', 'list', '-f', 'json')
        self.assertEqual(2, len(json.loads(out)))

    def test_member_cannot_show_another_projects_fault(self):
        for project in ('project-b', 'PROJECT-A', 'project-a '):
            code, out, err = self.cli_in_process('show', INSTANCE,
                                                 '--project', project)
            self.assertEqual(1, code)
            self.assertIn('No fault is recorded', err)
        code, out, err = self.cli_in_process('show', INSTANCE, '--project',
                                             'project-a')
        self.assertEqual(0, code, err)
