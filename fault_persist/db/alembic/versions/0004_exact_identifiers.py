"""Compare identifiers exactly on MariaDB and MySQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

fault_persist finds rows by identifiers: a fault or an entry by its
``message_id`` (unique: a redelivery is stored once), a task by its
correlation key ``(correlation_id, action)``, what a caller may read by
its ``project_id``, and lists by equality filters. PostgreSQL (with a
deterministic collation, its default) and SQLite compare strings exactly.
MariaDB and MySQL compare by the column's collation; the tables' default,
``utf8mb4_general_ci`` (``utf8mb4_0900_ai_ci`` on MySQL 8), ignores case,
accents and trailing spaces. There, message ids differing only by case or
accent collided as duplicates (the second fault was never stored, and
a batch holding both was refused whole: the spool could not be replayed,
the listener requeued it for ever), request ids differing by case were
one task to the database but two to the writer (``KeyError``), and a
caller of project ``PROJ-B`` or ``'proj-b '`` read project ``proj-b``'s
records.

This migration gives those columns the exact collation of the server.
``utf8mb4_bin`` is not exact: it is PAD SPACE, as a check on MariaDB
10.11.19 shows::

    SELECT 'a' = 'a ' COLLATE utf8mb4_bin,         -- 1
           'a' = 'A'  COLLATE utf8mb4_bin,         -- 0
           'a' = 'a ' COLLATE utf8mb4_nopad_bin,   -- 0
           'a' = 'A'  COLLATE utf8mb4_nopad_bin,   -- 0
           'e' = 'é'  COLLATE utf8mb4_nopad_bin;   -- 0

and a unique key on a ``utf8mb4_bin`` column refuses ``'a '`` beside
``'a'`` ("Duplicate entry"), where one on ``utf8mb4_nopad_bin`` stores
``'a'``, ``'A'``, ``'a '`` and ``'á'`` side by side. So: MariaDB
``utf8mb4_nopad_bin`` (binary, NO PAD, since 10.2); MySQL
``utf8mb4_0900_bin`` (binary, NO PAD, since 8.0.17; MySQL's
``utf8mb4_bin`` is PAD SPACE too). ``VARBINARY`` would be exact as well,
but hands Python bytes, counts its length in bytes and shows operators
hex.

Making a collation finer never makes two stored values equal, so no
unique key can refuse the stored rows; ``MODIFY`` keeps the columns'
nullability, default, the primary key and every index (rebuilt under the
new collation). One ``ALTER TABLE`` per table: the table is copied once,
not once per column. Other backends are left as they are.
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

#: The server's exact collation, MariaDB's or MySQL's; as models.py has it
#: today, frozen here.
_EXACT = {True: 'utf8mb4_nopad_bin', False: 'utf8mb4_0900_bin'}

#: ``{table: [(column, length, nullable, default), ...]}``: every column
#: compared by equality (keys, project scopes, filters) and the ids of
#: requests, resources and users.
_IDENTIFIERS = {
    'instance_faults': [
        ('id', 64, False, None),
        ('instance_id', 64, False, None),
        ('message_id', 64, False, None),
        ('project_id', 64, True, None),
        ('user_id', 64, True, None),
        ('request_id', 64, True, None),
        ('resource_type', 32, False, 'instance'),
    ],
    'request_log_tasks': [
        ('correlation_id', 64, False, None),
        ('action', 255, False, None),
        ('app', 64, False, None),
        ('request_id', 64, True, None),
        ('instance_id', 64, True, None),
        ('project_id', 64, True, None),
        ('user_id', 64, True, None),
    ],
    'request_log': [
        ('message_id', 64, False, None),
        ('req', 16, False, None),
        ('app', 64, False, None),
        ('user_id', 64, True, None),
        ('ip', 64, True, None),
        ('request_id', 64, True, None),
        ('instance_id', 64, True, None),
        ('project_id', 64, True, None),
    ],
}


def _modify(column, length, nullable, default, collation):
    clause = 'MODIFY %s VARCHAR(%d) CHARACTER SET utf8mb4 COLLATE %s %s' % (
        column, length, collation, 'NULL' if nullable else 'NOT NULL')
    if default is not None:
        clause += " DEFAULT '%s'" % default
    return clause


def upgrade():
    dialect = op.get_bind().dialect
    if dialect.name not in ('mysql', 'mariadb'):
        return
    collation = _EXACT[bool(dialect.is_mariadb)]
    for table, columns in _IDENTIFIERS.items():
        op.execute('ALTER TABLE %s %s' % (table, ', '.join(
            _modify(*column, collation=collation) for column in columns)))
