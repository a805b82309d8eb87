"""Isolation of projects on SQLite."""

from fault_persist.tests import base
from fault_persist.tests import tenancy_behaviour


class TestTenancyOnSQLite(tenancy_behaviour.TenancyBehaviour, base.TestCase):
    """Project isolation on the embedded default, SQLite."""
