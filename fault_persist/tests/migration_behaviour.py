"""Behaviour of the migrations that must hold on every database backend.

Mixed into a SQLite test case (unit) and into the SQLite, PostgreSQL and
MariaDB migration test cases (functional); needs ``self.engine``, an
empty database.
"""

import datetime

from oslo_db import exception as db_exc
import sqlalchemy as sa

from fault_persist.db import migration

#: Identifiers that differ from ``msg-a`` only by case, accent or a
#: trailing space: a case- and accent-insensitive or PAD SPACE collation
#: takes each for ``msg-a``.
LOOK_ALIKES = ('msg-a', 'MSG-A', 'msg-\u00e1', 'msg-a ')


class MigrationBehaviour:
    """Tests of walking the migrations up over stored rows."""

    def _insert_fault(self, connection, fault_id, created):
        connection.execute(sa.text(
            "INSERT INTO instance_faults (id, instance_id, message, details, "
            "created, updated, deleted, message_id) VALUES (:id, 'i-1', "
            "'Build failed', '', :created, :created, :deleted, :id)"),
            {'id': fault_id, 'created': created, 'deleted': False})

    def _upgrade_over_a_fault(self, before, after):
        """Walk up to ``before``, store fault ``f-1``, walk up to ``after``.

        :returns: when the fault was created.
        """
        migration.upgrade(before, engine=self.engine)
        when = datetime.datetime(2026, 1, 2, 3, 4, 5)
        with self.engine.begin() as connection:
            self._insert_fault(connection, 'f-1', when)
        migration.upgrade(after, engine=self.engine)
        self.assertEqual(after, migration.version(engine=self.engine))
        return when

    def test_0003_keeps_stored_faults_as_unresolved_instance_faults(self):
        when = self._upgrade_over_a_fault('0002', '0003')
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

    def _insert_task_and_entry(self, connection, key, created):
        connection.execute(sa.text(
            "INSERT INTO request_log_tasks (correlation_id, action, app, "
            "target, status, project_id) VALUES (:key, 'instance.create', "
            "'nova', 't', 1000, :key)"), {'key': key})
        task_id = connection.execute(sa.text(
            "SELECT max(id) FROM request_log_tasks")).scalar()
        connection.execute(sa.text(
            "INSERT INTO request_log (message_id, task_id, created, req, "
            "status, app, msg_code, target, message, project_id) VALUES "
            "(:key, :task_id, :created, 'TASK', 1000, 'nova', 'FPTASK1000I', "
            "'t', 'Started', :key)"),
            {'key': key, 'task_id': task_id, 'created': created})

    def test_0004_keeps_stored_rows_and_compares_identifiers_exactly(self):
        migration.upgrade('0003', engine=self.engine)
        when = datetime.datetime(2026, 1, 2, 3, 4, 5)
        with self.engine.begin() as connection:
            self._insert_fault(connection, 'msg-a', when)
            self._insert_task_and_entry(connection, 'msg-a', when)
        migration.upgrade('0004', engine=self.engine)
        self.assertEqual('0004', migration.version(engine=self.engine))
        with self.engine.begin() as connection:
            self.assertEqual(
                [('msg-a', 'i-1', 'instance')],
                [tuple(row) for row in connection.execute(sa.text(
                    'SELECT message_id, instance_id, resource_type '
                    'FROM instance_faults'))])
            self.assertEqual([('msg-a', 'instance.create', 'msg-a')], [
                tuple(row) for row in connection.execute(sa.text(
                    'SELECT correlation_id, action, project_id '
                    'FROM request_log_tasks'))])
            self.assertEqual(['msg-a'], list(connection.execute(sa.text(
                'SELECT message_id FROM request_log')).scalars()))
            # Each look-alike is a row of its own, found only by itself.
            for key in LOOK_ALIKES[1:]:
                self._insert_fault(connection, key, when)
                self._insert_task_and_entry(connection, key, when)
            for table, column in (('instance_faults', 'message_id'),
                                  ('request_log_tasks', 'correlation_id'),
                                  ('request_log', 'project_id')):
                for key in LOOK_ALIKES:
                    self.assertEqual([key], list(connection.execute(sa.text(
                        'SELECT %s FROM %s WHERE %s = :key'
                        % (column, table, column)), {'key': key}).scalars()),
                        (table, key))
        # The unique key still holds, exactly.
        with self.engine.connect() as connection:
            self.assertRaises(
                (sa.exc.IntegrityError, db_exc.DBDuplicateEntry),
                connection.execute, sa.text(
                    "INSERT INTO instance_faults (id, instance_id, message, "
                    "details, created, updated, deleted, message_id) VALUES "
                    "('f-new', 'i-1', 'm', '', :created, :created, :deleted, "
                    "'MSG-A')"), {'created': when, 'deleted': False})
        inspector = sa.inspect(self.engine)
        self.assertIn(
            'instance_faults_instance_id_deleted_resolved_at_created_idx',
            {index['name']
             for index in inspector.get_indexes('instance_faults')})
        self.assertEqual(['id'], inspector.get_pk_constraint(
            'instance_faults')['constrained_columns'])

    def test_0005_ends_the_show_view_index_with_the_id(self):
        self._upgrade_over_a_fault('0004', '0005')
        indexes = {index['name']: index['column_names']
                   for index in sa.inspect(self.engine).get_indexes(
                       'instance_faults')}
        self.assertEqual(
            ['instance_id', 'deleted', 'resolved_at', 'created', 'id'],
            indexes['instance_faults_instance_id_deleted_resolved_at_'
                    'created_id_idx'])
        self.assertNotIn(
            'instance_faults_instance_id_deleted_resolved_at_created_idx',
            indexes)
        with self.engine.connect() as connection:
            self.assertEqual(['f-1'], list(connection.execute(sa.text(
                "SELECT id FROM instance_faults WHERE instance_id = 'i-1' "
                "AND resolved_at IS NULL")).scalars()))
