"""Create instance_faults.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')


def upgrade():
    op.create_table(
        'instance_faults',
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('instance_id', sa.String(64), nullable=False),
        sa.Column('message', sa.String(255), nullable=False),
        sa.Column('details', sa.Text, nullable=False),
        sa.Column('created', Timestamp, nullable=False),
        sa.Column('updated', Timestamp, nullable=False),
        sa.Column('deleted', sa.Boolean, nullable=False),
        sa.Column('deleted_at', Timestamp, nullable=True),
        sa.Column('message_id', sa.String(64), nullable=False),
        sa.Column('project_id', sa.String(64), nullable=True),
        sa.Column('user_id', sa.String(64), nullable=True),
        sa.Column('request_id', sa.String(64), nullable=True),
        sa.Column('event_type', sa.String(255), nullable=True),
        sa.Column('publisher_id', sa.String(255), nullable=True),
        sa.Column('host', sa.String(255), nullable=True),
        sa.Column('priority', sa.String(16), nullable=True),
        sa.Column('code', sa.String(64), nullable=True),
        sa.UniqueConstraint('message_id',
                            name='uniq_instance_faults0message_id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
    )
    op.create_index('instance_faults_instance_id_deleted_created_idx',
                    'instance_faults', ['instance_id', 'deleted', 'created'])
    op.create_index('instance_faults_project_id_created_idx',
                    'instance_faults', ['project_id', 'created'])
    op.create_index('instance_faults_created_idx', 'instance_faults',
                    ['created'])
