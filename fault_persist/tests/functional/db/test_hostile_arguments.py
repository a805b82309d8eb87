"""Hostile arguments on real PostgreSQL (NUL) and MariaDB (limits)."""

from fault_persist.tests.functional.db import base
from fault_persist.tests import hostile_arguments


class TestHostileArgumentsOnMySQL(
        hostile_arguments.HostileArgumentBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestHostileArgumentsOnPostgreSQL(
        hostile_arguments.HostileArgumentBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
