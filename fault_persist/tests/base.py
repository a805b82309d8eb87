"""Base test case of the fault_persist test suite."""

from oslo_context import context as o_context
from oslotest import base

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


def admin_context(project_id='admin-project'):
    """A context that the default policy treats as an admin."""
    return o_context.RequestContext(project_id=project_id, user_id='admin',
                                    roles=['admin', 'member', 'reader'])


def user_context(project_id='project-a', user_id='user-a'):
    """A context of an ordinary project member."""
    return o_context.RequestContext(project_id=project_id, user_id=user_id,
                                    roles=['member', 'reader'])
