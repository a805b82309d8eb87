"""Base test case of the fault_persist test suite."""

import time

from oslo_context import context as o_context
from oslotest import base

from fault_persist.capture import spool as capture_spool
from fault_persist.tests import fixtures as fp_fixtures

fp_fixtures.ensure_default_engine()


class TestCase(base.BaseTestCase):
    """A test case with fault_persist initialised on SQLite."""

    #: Whether setUp gives the test a migrated SQLite database.
    USES_SQLITE = True

    def setUp(self):
        super().setUp()
        if self.USES_SQLITE:
            self.database = self.useFixture(fp_fixtures.SQLiteDatabase())
        self.fault_persist = self.useFixture(fp_fixtures.FaultPersist())
        self.conf = self.fault_persist.conf

    def flags(self, **overrides):
        """Override ``[fault_persist]`` options for this test."""
        self.fault_persist.config.config(group='fault_persist', **overrides)

    def spool_files(self):
        """The spool files of this test's ``[fault_persist] spool_dir``."""
        return capture_spool.Spool(self.conf.fault_persist.spool_dir).files()

    def wait_for(self, predicate, timeout=15):
        """Poll ``predicate`` until it holds; fail after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail('condition not met within %s s' % timeout)
            time.sleep(0.05)


def admin_context(project_id='admin-project'):
    """A context that the default policy treats as an admin."""
    return o_context.RequestContext(project_id=project_id, user_id='admin',
                                    roles=['admin', 'member', 'reader'])


def user_context(project_id='project-a', user_id='user-a'):
    """A context of an ordinary project member."""
    return o_context.RequestContext(project_id=project_id, user_id=user_id,
                                    roles=['member', 'reader'])
