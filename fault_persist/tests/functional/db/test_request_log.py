"""The request log's behaviour on real PostgreSQL and MariaDB."""

import fixtures

from fault_persist.db import engine as db_engine
from fault_persist.tests.functional.db import base
from fault_persist.tests import request_log_behaviour


class TestRequestLogOnMySQL(
        request_log_behaviour.RequestLogBehaviour,
        request_log_behaviour.ConcurrentArrivalBehaviour,
        base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestRequestLogOnMySQLWithoutReturning(TestRequestLogOnMySQL):
    """As on MySQL, which has no ``INSERT ... RETURNING`` (MariaDB has).

    Task ids are then read back with a locking look-up.
    """

    def setUp(self):
        super().setUp()
        dialect = db_engine.get_engine().dialect
        self.assertTrue(dialect.insert_returning)
        self.useFixture(fixtures.MockPatchObject(dialect, 'insert_returning',
                                                 False))


class TestRequestLogOnPostgreSQL(
        request_log_behaviour.RequestLogBehaviour,
        request_log_behaviour.ConcurrentArrivalBehaviour,
        base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
