"""Schema migrations of the fault_persist tables, through alembic.

fault_persist's alembic history is kept in its own version table,
:data:`VERSION_TABLE`, so the tables can live in a host service's database
beside the host's own alembic history without either seeing the other's.
"""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

from fault_persist.db import engine as db_engine

VERSION_TABLE = 'fault_persist_alembic_version'
_SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), 'alembic')


def _config(connection):
    config = alembic_config.Config()
    config.set_main_option('script_location', _SCRIPT_LOCATION)
    config.attributes['connection'] = connection
    return config


def upgrade(revision='head', engine=None):
    """Upgrade the schema to ``revision``.

    :param revision: an alembic revision, ``head`` by default.
    :param engine: the engine to migrate; fault_persist's own by default.
    """
    engine = engine or db_engine.get_engine()
    with engine.begin() as connection:
        alembic_command.upgrade(_config(connection), revision)


def version(engine=None):
    """The schema's current revision, or ``None`` before the first sync.

    :param engine: the engine to inspect; fault_persist's own by default.
    """
    engine = engine or db_engine.get_engine()
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={'version_table': VERSION_TABLE})
        return context.get_current_revision()
