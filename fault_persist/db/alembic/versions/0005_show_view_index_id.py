"""End the show view's index with the fault's id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12

The show view asks for the newest fault of a resource that shows:
``instance_id = ? AND deleted = false AND resolved_at IS NULL ... ORDER
BY created DESC, id DESC LIMIT 1``. ``id`` breaks ties between faults
of one instant, but was not in the index (``instance_id, deleted,
resolved_at, created``): for each resource, SQLite and PostgreSQL read
every unresolved candidate from the table and sorted them (SQLite "USE
TEMP B-TREE FOR RIGHT PART OF ORDER BY", PostgreSQL a Sort under the
Limit), where the first row of the index, in its order, is the answer.
With ``id`` as the last key column, a look-up reads one row of the table,
the newest, and no sort (on PostgreSQL in the order the show view asks
for there, see ``fault_persist.db.faults._newest_first``); a page of
``get_faults`` makes 1,000 of them.
MariaDB and MySQL (InnoDB) keep the primary key at the end of every
secondary index already: there the index is the same, under a name that
says so.

The new index is built before the old one is dropped, so the show view
never goes without one.
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'instance_faults_instance_id_deleted_resolved_at_created_id_idx',
        'instance_faults',
        ['instance_id', 'deleted', 'resolved_at', 'created', 'id'])
    op.drop_index(
        'instance_faults_instance_id_deleted_resolved_at_created_idx',
        table_name='instance_faults')
