"""Test cases on real databases, through oslo.db's opportunistic fixtures.

oslo.db provisions a fresh database per backend as the
``openstack_citest`` user (see ``tools/test-setup.sh``), migrates it once
and empties the tables between tests.
"""

import sqlalchemy as sa

from oslo_db.sqlalchemy import test_fixtures
from oslotest import base as oslo_base

from fault_persist.db import engine as db_engine
from fault_persist.db import migration
from fault_persist.db import models
from fault_persist.tests import fixtures as fp_fixtures

fp_fixtures.ensure_default_engine()


class _MigratedDatabase(test_fixtures.DeletesFromSchema,
                        test_fixtures.GeneratesSchemaFromMigrations):
    """A database built by our migrations and emptied after each test."""

    def get_enginefacade(self):
        return db_engine.context_manager

    def generate_schema_migrations(self, engine):
        migration.upgrade(engine=engine)

    def delete_from_schema(self, engine):
        with engine.begin() as connection:
            for table in reversed(models.Base.metadata.sorted_tables):
                connection.execute(sa.delete(table))


class MigratedMySQL(_MigratedDatabase,
                    test_fixtures.MySQLOpportunisticFixture):
    pass


class MigratedPostgreSQL(_MigratedDatabase,
                         test_fixtures.PostgresqlOpportunisticFixture):
    pass


class BackendTestCase(test_fixtures.OpportunisticDBTestMixin,
                      oslo_base.BaseTestCase):
    """A test with fault_persist's engine on a real, migrated database."""

    # In CI a backend that cannot be provisioned fails the test.
    SKIP_ON_UNAVAILABLE_DB = not fp_fixtures.IN_CI

    def setUp(self):
        super().setUp()
        self.fault_persist = self.useFixture(fp_fixtures.FaultPersist())
        self.conf = self.fault_persist.conf

    def flags(self, **overrides):
        self.fault_persist.config.config(group='fault_persist', **overrides)
