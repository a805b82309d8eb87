"""The HTTP API on real PostgreSQL and MariaDB: the SQLite unit tests'
behaviour suite, against each backend."""

from fault_persist.tests import api_behaviour
from fault_persist.tests.functional.db import base


class TestApiOnMySQL(api_behaviour.ApiBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestApiOnPostgreSQL(api_behaviour.ApiBehaviour,
                          base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
