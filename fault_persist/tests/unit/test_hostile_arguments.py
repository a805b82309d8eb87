"""Hostile arguments on SQLite."""

from fault_persist.tests import base
from fault_persist.tests import hostile_arguments


class TestHostileArgumentsOnSQLite(
        hostile_arguments.HostileArgumentBehaviour,
        hostile_arguments.HypothesisArgumentBehaviour, base.TestCase):
    """Every public function, every argument, on SQLite."""
