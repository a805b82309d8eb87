"""fault-persist-manage on real PostgreSQL and MariaDB."""

import os

import fixtures
from oslo_utils import uuidutils
import sqlalchemy as sa

from fault_persist.capture import spool as capture_spool
from fault_persist.tests.functional.db import base
from fault_persist.tests import task_events
from fault_persist.tests.unit.cmd import test_manage


class ManageBehaviour:

    def setUp(self):
        super().setUp()
        self.engine = self._get_default_provisioned_db().engine
        self.state = self.useFixture(fixtures.TempDir()).path
        self.config_file = os.path.join(self.state, 'fp.conf')
        with open(self.config_file, 'w') as stream:
            stream.write('[fault_persist]\nstate_path = %s\nconnection = %s\n'
                         % (self.state, self.engine.url.render_as_string(
                             hide_password=False)))

    def manage(self, *args):
        return test_manage.run('fault-persist-manage', '--config-file',
                               self.config_file, *args)

    def test_a_spool_of_look_alike_message_ids_replays_completely(self):
        # On MariaDB before migration 0004 these collided as duplicates:
        # the replay exited 1 and left every event spooled.
        base_id = 'msg-a-' + uuidutils.generate_uuid()
        message_ids = [base_id, base_id.upper(),
                       base_id.replace('msg-a', 'msg-\u00e1')]
        events = [task_events.trove_event(
            'error', 'req-' + uuidutils.generate_uuid(),
            payload={'instance_id': uuidutils.generate_uuid()},
            message_id=message_id) for message_id in message_ids]
        spool = capture_spool.Spool(os.path.join(self.state, 'spool'))
        spool.append(events)
        # A live writer holds its spool file: this one is done with it.
        spool.close()
        code, out, err = self.manage('spool', 'replay')
        self.assertEqual(0, code, err)
        self.assertIn('Replayed 3 spooled events', out)
        self.assertEqual([], spool.files())
        with self.engine.connect() as connection:
            for table in ('instance_faults', 'request_log'):
                self.assertEqual(sorted(message_ids), sorted(
                    connection.execute(sa.text(
                        'SELECT message_id FROM %s' % table)).scalars()),
                    table)


class TestManageOnMySQL(ManageBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestManageOnPostgreSQL(ManageBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
