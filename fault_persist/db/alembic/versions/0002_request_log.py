"""Create the request log: request_log_tasks and request_log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')
EntryId = sa.BigInteger().with_variant(sa.Integer, 'sqlite')


def upgrade():
    op.create_table(
        'request_log_tasks',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('correlation_id', sa.String(64), nullable=False),
        sa.Column('action', sa.String(255), nullable=False),
        sa.Column('app', sa.String(64), nullable=False),
        sa.Column('target', sa.String(255), nullable=False),
        sa.Column('status', sa.SmallInteger, nullable=False),
        sa.Column('started_at', Timestamp, nullable=True),
        sa.Column('ended_at', Timestamp, nullable=True),
        sa.Column('request_id', sa.String(64), nullable=True),
        sa.Column('instance_id', sa.String(64), nullable=True),
        sa.Column('project_id', sa.String(64), nullable=True),
        sa.Column('user_id', sa.String(64), nullable=True),
        sa.UniqueConstraint(
            'correlation_id', 'action',
            name='uniq_request_log_tasks0correlation_id0action'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
        sqlite_autoincrement=True,
    )
    op.create_index('request_log_tasks_project_id_id_idx',
                    'request_log_tasks', ['project_id', 'id'])
    op.create_index('request_log_tasks_instance_id_id_idx',
                    'request_log_tasks', ['instance_id', 'id'])
    op.create_index('request_log_tasks_request_id_idx',
                    'request_log_tasks', ['request_id'])

    op.create_table(
        'request_log',
        sa.Column('id', EntryId, primary_key=True, autoincrement=True),
        sa.Column('message_id', sa.String(64), nullable=False),
        sa.Column('task_id', sa.Integer,
                  sa.ForeignKey('request_log_tasks.id',
                                name='request_log_task_id_fkey'),
                  nullable=False),
        sa.Column('created', Timestamp, nullable=False),
        sa.Column('req', sa.String(16), nullable=False),
        sa.Column('status', sa.SmallInteger, nullable=False),
        sa.Column('app', sa.String(64), nullable=False),
        sa.Column('user_id', sa.String(64), nullable=True),
        sa.Column('ip', sa.String(64), nullable=True),
        sa.Column('msg_code', sa.String(16), nullable=False),
        sa.Column('detail_code', sa.String(64), nullable=True),
        sa.Column('detail_message', sa.String(255), nullable=True),
        sa.Column('target', sa.String(255), nullable=False),
        sa.Column('message', sa.String(1024), nullable=False),
        sa.Column('event_type', sa.String(255), nullable=True),
        sa.Column('request_id', sa.String(64), nullable=True),
        sa.Column('instance_id', sa.String(64), nullable=True),
        sa.Column('project_id', sa.String(64), nullable=True),
        sa.UniqueConstraint('message_id', name='uniq_request_log0message_id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
        sqlite_autoincrement=True,
    )
    op.create_index('request_log_created_id_idx', 'request_log',
                    ['created', 'id'])
    op.create_index('request_log_project_id_created_id_idx', 'request_log',
                    ['project_id', 'created', 'id'])
    op.create_index('request_log_task_id_created_idx', 'request_log',
                    ['task_id', 'created'])
    op.create_index('request_log_instance_id_created_idx', 'request_log',
                    ['instance_id', 'created'])
    op.create_index('request_log_request_id_idx', 'request_log',
                    ['request_id'])
