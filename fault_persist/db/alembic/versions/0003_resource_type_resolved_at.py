"""Add instance_faults.resource_type and instance_faults.resolved_at.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')


def upgrade():
    # Every fault stored before was a fault of an instance.
    op.add_column('instance_faults',
                  sa.Column('resource_type', sa.String(32), nullable=False,
                            server_default='instance'))
    op.add_column('instance_faults',
                  sa.Column('resolved_at', Timestamp, nullable=True))
    # The show view now asks for the newest fault of a resource that is
    # not resolved: "instance_id = ? AND deleted = ? AND resolved_at IS
    # NULL ORDER BY created DESC LIMIT 1". With resolved_at between deleted
    # and created, the IS NULL is one more equality (PostgreSQL, MySQL and
    # SQLite all seek a btree on IS NULL) and the answer is still the first
    # row of one index range, however many resolved faults the resource
    # has. The old index is replaced, not kept beside: the only other
    # reader of (instance_id, deleted, created) is the history of one
    # resource, a short list sorted after an equality seek on the new
    # index, not worth a fourth index on every insert.
    op.drop_index('instance_faults_instance_id_deleted_created_idx',
                  table_name='instance_faults')
    op.create_index(
        'instance_faults_instance_id_deleted_resolved_at_created_idx',
        'instance_faults',
        ['instance_id', 'deleted', 'resolved_at', 'created'])
