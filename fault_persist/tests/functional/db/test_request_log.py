"""The request log's behaviour on real PostgreSQL and MariaDB."""

from fault_persist.tests.functional.db import base
from fault_persist.tests import request_log_behaviour


class TestRequestLogOnMySQL(
        request_log_behaviour.RequestLogBehaviour,
        request_log_behaviour.ConcurrentArrivalBehaviour,
        base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestRequestLogOnPostgreSQL(
        request_log_behaviour.RequestLogBehaviour,
        request_log_behaviour.ConcurrentArrivalBehaviour,
        base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
