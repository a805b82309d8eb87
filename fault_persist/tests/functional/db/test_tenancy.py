"""Isolation of projects on real PostgreSQL and MariaDB."""

from fault_persist.tests.functional.db import base
from fault_persist.tests import tenancy_behaviour


class TestTenancyOnMySQL(tenancy_behaviour.TenancyBehaviour,
                         base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestTenancyOnPostgreSQL(tenancy_behaviour.TenancyBehaviour,
                              base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
