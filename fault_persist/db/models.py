"""SQLAlchemy models of the fault_persist tables.

Declarative and dumb: no behaviour lives here. Column names and types of
``instance_faults`` follow the specification exactly; the extra columns
serve idempotency (``message_id``), scoping (``project_id``, ``user_id``)
and correlation (``request_id``, ``event_type``).
"""

from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy.dialects import mysql
from sqlalchemy import Index
from sqlalchemy import orm
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint

# MySQL's DATETIME keeps whole seconds unless told otherwise; faults of one
# instance within a second must still sort in the order they happened.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


class Base(orm.DeclarativeBase):
    """Base of every fault_persist model."""


class InstanceFault(Base):
    """One fault an instance suffered; the latest is shown by ``show``."""

    __tablename__ = 'instance_faults'
    __table_args__ = (
        UniqueConstraint('message_id', name='uniq_instance_faults0message_id'),
        # "the latest fault of an instance": equality, equality, range.
        Index('instance_faults_instance_id_deleted_created_idx',
              'instance_id', 'deleted', 'created'),
        # "the faults of a project since T".
        Index('instance_faults_project_id_created_idx',
              'project_id', 'created'),
        # purge by age.
        Index('instance_faults_created_idx', 'created'),
        TABLE_ARGS,
    )

    id = Column(String(64), primary_key=True)
    instance_id = Column(String(64), nullable=False)
    message = Column(String(255), nullable=False)
    details = Column(Text, nullable=False)
    created = Column(Timestamp, nullable=False)
    updated = Column(Timestamp, nullable=False)
    deleted = Column(Boolean, nullable=False, default=False)
    deleted_at = Column(Timestamp, nullable=True)

    message_id = Column(String(64), nullable=False)
    project_id = Column(String(64), nullable=True)
    user_id = Column(String(64), nullable=True)
    request_id = Column(String(64), nullable=True)
    event_type = Column(String(255), nullable=True)
    publisher_id = Column(String(255), nullable=True)
    host = Column(String(255), nullable=True)
    priority = Column(String(16), nullable=True)
    code = Column(String(64), nullable=True)
