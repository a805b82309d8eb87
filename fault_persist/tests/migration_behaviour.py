"""Behaviour of the migrations that must hold on every database backend.

Mixed into a SQLite test case (unit) and into the SQLite, PostgreSQL and
MariaDB migration test cases (functional); needs ``self.engine``, an
empty database.
"""

import datetime

import sqlalchemy as sa

from fault_persist.db import migration


class MigrationBehaviour:
    """Tests of walking the migrations up over stored rows."""

    def _insert_fault(self, connection, fault_id, created):
        connection.execute(sa.text(
            "INSERT INTO instance_faults (id, instance_id, message, details, "
            "created, updated, deleted, message_id) VALUES (:id, 'i-1', "
            "'Build failed', '', :created, :created, :deleted, :id)"),
            {'id': fault_id, 'created': created, 'deleted': False})

    def test_0003_keeps_stored_faults_as_unresolved_instance_faults(self):
        migration.upgrade('0002', engine=self.engine)
        when = datetime.datetime(2026, 1, 2, 3, 4, 5)
        with self.engine.begin() as connection:
            self._insert_fault(connection, 'f-1', when)
        migration.upgrade('0003', engine=self.engine)
        self.assertEqual('0003', migration.version(engine=self.engine))
        with self.engine.connect() as connection:
            row = connection.execute(sa.text(
                'SELECT id, resource_type, resolved_at FROM instance_faults'
            )).one()
            self.assertEqual(('f-1', 'instance', None), tuple(row))
            # A row inserted as before 0003 still gets the default.
            self._insert_fault(connection, 'f-2', when)
            self.assertEqual('instance', connection.execute(sa.text(
                "SELECT resource_type FROM instance_faults "
                "WHERE id = 'f-2'")).scalar())
        indexes = {index['name']: index['column_names']
                   for index in sa.inspect(self.engine).get_indexes(
                       'instance_faults')}
        self.assertEqual(
            ['instance_id', 'deleted', 'resolved_at', 'created'],
            indexes['instance_faults_instance_id_deleted_resolved_at_'
                    'created_idx'])
        self.assertNotIn('instance_faults_instance_id_deleted_created_idx',
                         indexes)
