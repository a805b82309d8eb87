"""The migrations on a SQLite file, walked up over stored rows."""

import os

import fixtures
import sqlalchemy as sa
import testtools

from fault_persist.tests import migration_behaviour


class TestMigrationsOnSQLite(migration_behaviour.MigrationBehaviour,
                             testtools.TestCase):

    def setUp(self):
        super().setUp()
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'fp.sqlite')
        self.engine = sa.create_engine('sqlite:///' + path)
        self.addCleanup(self.engine.dispose)
