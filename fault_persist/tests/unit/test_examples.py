"""The examples the README and the integration guide show, run for real."""

import importlib.util
import io
import os
import subprocess
import sys

import fixtures
from oslo_db.sqlalchemy import enginefacade
import testtools

from fault_persist import config
from fault_persist.db import engine as db_engine

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                        os.pardir, 'examples')


def _load(name):
    """Import an example module by file name."""
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(EXAMPLES, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestIntegrationGuideExample(testtools.TestCase):
    """examples/trove_like_service.py, as the integration guide shows it."""

    def setUp(self):
        super().setUp()
        if not os.path.isdir(EXAMPLES):
            self.skipTest('not run from a source tree')
        # The example configures its own engine (a SQLite file).
        fresh = enginefacade.transaction_context()
        self.addCleanup(db_engine.context_manager.patch_factory(fresh))
        self.addCleanup(fresh.dispose_pool)
        config.reset()
        self.addCleanup(config.reset)
        state = self.useFixture(fixtures.TempDir()).path
        self.seen = _load('trove_like_service').run(state, out=io.StringIO())

    def test_owner_sees_message_without_details(self):
        fault = self.seen['user']['fault']
        self.assertEqual('A guest error occurred', fault['message'])
        self.assertNotIn('details', fault)

    def test_admin_sees_traceback(self):
        details = self.seen['admin']['fault']['details']
        self.assertTrue(details.startswith('Traceback'))
        self.assertTrue(details.endswith('GuestError: A guest error occurred'))

    def test_direct_call_fault_is_shown(self):
        self.assertEqual('Volume of db-2 cannot grow to 500 GB',
                         self.seen['resized']['fault']['message'])

    def test_request_log_has_each_task_lifecycle(self):
        log = self.seen['log']
        self.assertEqual(1, sum('Failure on Trove task' in line
                                and 'dbaas.instance_create db-1' in line
                                for line in log), log)
        self.assertEqual(1, sum('Successfully completed Trove task' in line
                                and 'dbaas.instance_create db-2' in line
                                for line in log), log)
        self.assertEqual(1, sum('Failure on Trove task' in line
                                and 'resize_volume db-2 (ValueError quota '
                                    'exceeded: 500 GB)' in line
                                for line in log), log)
        self.assertEqual(3, sum(' TASK  1000 ' in line for line in log), log)
        # Three requests, three tasks.
        task_ids = {line.split(' task ID ')[1].split(':')[0] for line in log}
        self.assertEqual(3, len(task_ids), log)

    def test_deleted_instance_has_no_fault(self):
        self.assertIsNone(self.seen['deleted'])


class TestMainJob(testtools.TestCase):
    """examples/notify_and_show.py, the README's first command."""

    def test_prints_show_tables(self):
        if not os.path.isdir(EXAMPLES):
            self.skipTest('not run from a source tree')
        state = self.useFixture(fixtures.TempDir()).path
        result = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, 'notify_and_show.py'),
             state], capture_output=True, text=True, timeout=120)
        self.assertEqual(0, result.returncode, result.stderr)
        out = result.stdout
        self.assertEqual(4, out.count('| fault_date    |'))
        self.assertEqual(2, out.count('| fault_details |'))
        self.assertIn('| fault_message | A guest error occurred', out)
        self.assertIn("| fault_message | The created instance's disk would "
                      "be too small.", out)
        self.assertIn('RuntimeError: A guest error occurred', out)
