"""alembic environment of fault_persist: migrate the given connection."""

from alembic import context

from fault_persist.db import migration
from fault_persist.db import models


def run_migrations():
    connection = context.config.attributes['connection']
    context.configure(
        connection=connection,
        target_metadata=models.Base.metadata,
        version_table=migration.VERSION_TABLE,
        render_as_batch=connection.dialect.name == 'sqlite')
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
