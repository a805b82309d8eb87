"""SQLAlchemy models of the fault_persist tables.

Declarative and dumb: no behaviour lives here. Column names and types of
``instance_faults`` follow the specification exactly; the extra columns
serve idempotency (``message_id``), scoping (``project_id``, ``user_id``)
and correlation (``request_id``, ``event_type``). Every column rows are
looked up or filtered by is an :class:`Identifier`, compared exactly on
every backend.
"""

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy.dialects import mysql
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import orm
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import types
from sqlalchemy import UniqueConstraint

# MySQL's DATETIME keeps whole seconds unless told otherwise; faults of one
# instance within a second must still sort in the order they happened.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

#: The binary, NO PAD collation of utf8mb4 on MariaDB and on MySQL: a
#: value equals only itself, as it does on PostgreSQL and SQLite
#: (migration 0004 says why, and what the others do).
EXACT_COLLATIONS = {True: 'utf8mb4_nopad_bin', False: 'utf8mb4_0900_bin'}


def exact_collation(dialect):
    """The exact collation of a MySQL ``dialect``'s server.

    :param dialect: a connected MySQL or MariaDB dialect.
    """
    return EXACT_COLLATIONS[bool(dialect.is_mariadb)]


class Identifier(types.TypeDecorator):
    """A string compared exactly, bytes for bytes, on every backend.

    For the columns rows are looked up by: keys (``message_id``, the task's
    correlation key), scopes (``project_id``) and filters. PostgreSQL and
    SQLite compare strings exactly already; MariaDB and MySQL compare by
    the column's collation, so these columns get the server's exact one.

    :param length: the largest number of characters.
    """

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ('mysql', 'mariadb'):
            return dialect.type_descriptor(mysql.VARCHAR(
                self.impl_instance.length, charset='utf8mb4',
                collation=exact_collation(dialect)))
        return dialect.type_descriptor(self.impl_instance)


class Base(orm.DeclarativeBase):
    """Base of every fault_persist model."""


class InstanceFault(Base):
    """One fault a resource suffered.

    ``instance_id`` is the id of the failed resource, of kind
    ``resource_type`` (``instance``, ``volume``, ...; ``host`` for an error
    that names no resource, ``instance_id`` then holds the host name). The
    latest fault of a resource not ``resolved_at`` (by a later successful
    task on it) is shown by ``show``.
    """

    __tablename__ = 'instance_faults'
    __table_args__ = (
        UniqueConstraint('message_id', name='uniq_instance_faults0message_id'),
        # "the latest unresolved fault of a resource" (the show view):
        # equality, equality, IS NULL (an equality to a btree), range; the
        # newest is the first row of the range, in the order asked
        # (created, then id for faults of one instant): no sort, one row
        # of the table read.
        Index('instance_faults_instance_id_deleted_resolved_at_created_id_'
              'idx', 'instance_id', 'deleted', 'resolved_at', 'created',
              'id'),
        # "the faults of a project since T".
        Index('instance_faults_project_id_created_idx',
              'project_id', 'created'),
        # purge by age.
        Index('instance_faults_created_idx', 'created'),
        TABLE_ARGS,
    )

    id = Column(Identifier(64), primary_key=True)
    instance_id = Column(Identifier(64), nullable=False)
    message = Column(String(255), nullable=False)
    details = Column(Text, nullable=False)
    created = Column(Timestamp, nullable=False)
    updated = Column(Timestamp, nullable=False)
    deleted = Column(Boolean, nullable=False, default=False)
    deleted_at = Column(Timestamp, nullable=True)

    message_id = Column(Identifier(64), nullable=False)
    project_id = Column(Identifier(64), nullable=True)
    user_id = Column(Identifier(64), nullable=True)
    request_id = Column(Identifier(64), nullable=True)
    event_type = Column(String(255), nullable=True)
    publisher_id = Column(String(255), nullable=True)
    host = Column(String(255), nullable=True)
    priority = Column(String(16), nullable=True)
    code = Column(String(64), nullable=True)
    resource_type = Column(Identifier(32), nullable=False,
                           server_default='instance')
    resolved_at = Column(Timestamp, nullable=True)


# SQLite gives auto-increment ids only to an INTEGER PRIMARY KEY.
EntryId = BigInteger().with_variant(Integer, 'sqlite')
# Never reuse the id of a purged row on SQLite either: ids are markers and
# task ids are what users quote.
LOG_TABLE_ARGS = dict(TABLE_ARGS, sqlite_autoincrement=True)


class Task(Base):
    """One asynchronous task of the request log.

    A task is found again by its correlation key, ``(correlation_id,
    action)``: the request id and the action's base event type of the
    events that report on it. ``id`` is the small number users quote
    ("task ID 100"). ``status``, ``started_at`` and ``ended_at`` summarise
    the task's entries and only ever move forward, whatever the order in
    which the entries arrive.
    """

    __tablename__ = 'request_log_tasks'
    __table_args__ = (
        UniqueConstraint('correlation_id', 'action',
                         name='uniq_request_log_tasks0correlation_id0action'),
        # "the tasks of a project", newest first.
        Index('request_log_tasks_project_id_id_idx', 'project_id', 'id'),
        # "the tasks of an instance", newest first.
        Index('request_log_tasks_instance_id_id_idx', 'instance_id', 'id'),
        Index('request_log_tasks_request_id_idx', 'request_id'),
        LOG_TABLE_ARGS,
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    correlation_id = Column(Identifier(64), nullable=False)
    action = Column(Identifier(255), nullable=False)
    app = Column(Identifier(64), nullable=False)
    target = Column(String(255), nullable=False)
    status = Column(SmallInteger, nullable=False)
    started_at = Column(Timestamp, nullable=True)
    ended_at = Column(Timestamp, nullable=True)
    request_id = Column(Identifier(64), nullable=True)
    instance_id = Column(Identifier(64), nullable=True)
    project_id = Column(Identifier(64), nullable=True)
    user_id = Column(Identifier(64), nullable=True)


class RequestLogEntry(Base):
    """One entry of the request log: a task started, completed or failed."""

    __tablename__ = 'request_log'
    __table_args__ = (
        UniqueConstraint('message_id', name='uniq_request_log0message_id'),
        # "the newest page" and "the entries between two times".
        Index('request_log_created_id_idx', 'created', 'id'),
        # the same, for a caller confined to its project.
        Index('request_log_project_id_created_id_idx',
              'project_id', 'created', 'id'),
        # "the entries of a task".
        Index('request_log_task_id_created_idx', 'task_id', 'created'),
        Index('request_log_instance_id_created_idx',
              'instance_id', 'created'),
        Index('request_log_request_id_idx', 'request_id'),
        LOG_TABLE_ARGS,
    )

    id = Column(EntryId, primary_key=True, autoincrement=True)
    message_id = Column(Identifier(64), nullable=False)
    task_id = Column(Integer,
                     ForeignKey('request_log_tasks.id',
                                name='request_log_task_id_fkey'),
                     nullable=False)
    created = Column(Timestamp, nullable=False)
    req = Column(Identifier(16), nullable=False)
    status = Column(SmallInteger, nullable=False)
    app = Column(Identifier(64), nullable=False)
    user_id = Column(Identifier(64), nullable=True)
    ip = Column(Identifier(64), nullable=True)
    msg_code = Column(String(16), nullable=False)
    detail_code = Column(String(64), nullable=True)
    detail_message = Column(String(255), nullable=True)
    target = Column(String(255), nullable=False)
    message = Column(String(1024), nullable=False)
    event_type = Column(String(255), nullable=True)
    request_id = Column(Identifier(64), nullable=True)
    instance_id = Column(Identifier(64), nullable=True)
    project_id = Column(Identifier(64), nullable=True)
