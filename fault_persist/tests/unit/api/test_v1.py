"""The HTTP API on SQLite; the same tests run on PostgreSQL and MariaDB
in ``tests/functional/api``."""

from fault_persist.tests import api_behaviour
from fault_persist.tests import base


class TestApiOnSQLite(api_behaviour.ApiBehaviour, base.TestCase):
    pass
