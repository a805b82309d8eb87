"""Migrations walk up on every backend and match the models."""

from oslo_db.sqlalchemy import test_fixtures
from oslo_db.sqlalchemy import test_migrations
from oslotest import base as oslo_base
import sqlalchemy as sa

from fault_persist.db import migration
from fault_persist.db import models
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import migration_behaviour


class _ModelsMigrationsSync(migration_behaviour.MigrationBehaviour,
                            test_migrations.ModelsMigrationsSync):

    SKIP_ON_UNAVAILABLE_DB = not fp_fixtures.IN_CI

    def setUp(self):
        super().setUp()
        self.engine = self._get_default_provisioned_db().engine

    def db_sync(self, engine):
        migration.upgrade(engine=engine)

    def get_engine(self):
        return self.engine

    def get_metadata(self):
        return models.Base.metadata

    def include_object(self, object_, name, type_, reflected, compare_to):
        # Our alembic version table is not a model.
        return not (type_ == 'table' and name == migration.VERSION_TABLE)

    def test_walk_up_and_version(self):
        self.assertIsNone(migration.version(engine=self.engine))
        migration.upgrade(engine=self.engine)
        head = migration.version(engine=self.engine)
        self.assertEqual('0005', head)
        # A second sync is a no-op, not an error.
        migration.upgrade(engine=self.engine)
        self.assertEqual(head, migration.version(engine=self.engine))
        tables = set(sa.inspect(self.engine).get_table_names())
        self.assertIn('instance_faults', tables)
        self.assertIn('request_log', tables)
        self.assertIn('request_log_tasks', tables)
        self.assertIn(migration.VERSION_TABLE, tables)
        self.assertNotIn('alembic_version', tables)

    def test_host_alembic_history_is_left_alone(self):
        with self.engine.begin() as connection:
            connection.execute(sa.text(
                'CREATE TABLE alembic_version '
                '(version_num VARCHAR(32) NOT NULL)'))
            connection.execute(sa.text(
                "INSERT INTO alembic_version VALUES ('host_head')"))
        migration.upgrade(engine=self.engine)
        with self.engine.connect() as connection:
            host_version = connection.execute(sa.text(
                'SELECT version_num FROM alembic_version')).scalar()
        self.assertEqual('host_head', host_version)
        self.assertEqual('0005', migration.version(engine=self.engine))


class TestMigrationsSQLite(_ModelsMigrationsSync,
                           test_fixtures.OpportunisticDBTestMixin,
                           oslo_base.BaseTestCase):
    pass


class TestMigrationsMySQL(_ModelsMigrationsSync,
                          test_fixtures.OpportunisticDBTestMixin,
                          oslo_base.BaseTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture

    def test_tables_are_utf8mb4_innodb(self):
        migration.upgrade(engine=self.engine)
        for table in ('instance_faults', 'request_log_tasks', 'request_log'):
            with self.engine.connect() as connection:
                row = connection.execute(sa.text(
                    "SELECT engine, table_collation FROM information_schema."
                    "tables WHERE table_schema = DATABASE() AND "
                    "table_name = :table"), {'table': table}).one()
            self.assertEqual('InnoDB', row[0], table)
            self.assertTrue(row[1].startswith('utf8mb4'), (table, row[1]))

    def test_identifiers_are_exact_as_the_models_declare(self):
        # ModelsMigrationsSync compares collations only when both sides
        # name one: a column the migrations left case-insensitive would
        # pass it.
        migration.upgrade(engine=self.engine)
        exact = models.exact_collation(self.engine.dialect)
        self.assertEqual('utf8mb4_nopad_bin' if self.engine.dialect.is_mariadb
                         else 'utf8mb4_0900_bin', exact)
        declared = {
            (table.name, column.name): (
                exact if isinstance(column.type, models.Identifier)
                else None)
            for table in models.Base.metadata.sorted_tables
            for column in table.columns
            if isinstance(column.type, (sa.String, models.Identifier))}
        with self.engine.connect() as connection:
            stored = {(row[0], row[1]): row[2] for row in connection.execute(
                sa.text("SELECT table_name, column_name, collation_name "
                        "FROM information_schema.columns WHERE "
                        "table_schema = DATABASE() AND collation_name IS "
                        "NOT NULL AND table_name IN ('instance_faults', "
                        "'request_log_tasks', 'request_log')"))}
        self.assertEqual(set(declared), set(stored))
        for key, collation in declared.items():
            if collation:
                self.assertEqual(collation, stored[key], key)
            else:
                self.assertNotIn('bin', stored[key], key)
        with self.engine.connect() as connection:
            self.assertEqual((1, 0, 0, 0), tuple(connection.execute(sa.text(
                "SELECT 'a' = 'a ' COLLATE utf8mb4_bin, "
                "'a' = 'a ' COLLATE {0}, 'a' = 'A' COLLATE {0}, "
                "'e' = _utf8mb4'\u00e9' COLLATE {0}".format(exact))).one()))


class TestMigrationsPostgreSQL(_ModelsMigrationsSync,
                               test_fixtures.OpportunisticDBTestMixin,
                               oslo_base.BaseTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
