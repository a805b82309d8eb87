"""The engine's connection handling on real PostgreSQL and MariaDB pools."""

from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist import faults
from fault_persist.tests.functional.db import base


class ForgetInheritedConnectionsBehaviour:

    def test_pool_is_emptied_and_the_old_connection_left_open(self):
        engine = db_engine.get_engine()
        with engine.connect() as connection:
            inherited = connection.connection.dbapi_connection
        # A background writer of an earlier test in this process may have
        # pooled a connection of its own.
        self.assertGreaterEqual(engine.pool.checkedin(), 1)

        db_engine.forget_inherited_connections()

        self.assertEqual(0, engine.pool.checkedin())
        # Still the parent's to use: not closed under it.
        cursor = inherited.cursor()
        cursor.execute('SELECT 1')
        self.assertEqual(1, cursor.fetchone()[0])
        inherited.close()
        # This process opens a connection of its own.
        db_faults.add_faults([faults.fault_record('i-1', 'Boom')])
        self.assertEqual(1, len(db_faults.list_faults()))


class TestForgetInheritedConnectionsOnMySQL(
        ForgetInheritedConnectionsBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestForgetInheritedConnectionsOnPostgreSQL(
        ForgetInheritedConnectionsBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
