"""The fault store's behaviour on real PostgreSQL and MariaDB."""

from fault_persist.tests import fault_store_behaviour
from fault_persist.tests.functional.db import base


class TestFaultStoreOnMySQL(
        fault_store_behaviour.FaultStoreBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestFaultStoreOnPostgreSQL(
        fault_store_behaviour.FaultStoreBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
