"""Open or advance the request-log tasks of a batch in bulk.

A batch of request-log entries touches many tasks: some new, most already
stored (an end arrives in a later batch than its start). Each task's
entries are summarised first (one row per task); this module writes
those rows with ``INSERT ... ON CONFLICT DO UPDATE`` (PostgreSQL, SQLite)
or ``INSERT ... ON DUPLICATE KEY UPDATE`` (MySQL, MariaDB), the form each
database offers for "insert, or fold into the stored row": one statement
for the tasks found stored, named by id, and one for the others. On
PostgreSQL and SQLite one statement does all, each row finding its stored
task itself (on PostgreSQL the rows come as one parameter).

The fold only moves a task forward, whatever the order in which its
entries arrive, and is computed from the row as the database holds it
once the row is locked, so concurrent writers of one task need no lock of
their own and a row folded twice reads the same as folded once:

* the highest status wins (failed over completed over started);
* the task spans from its earliest start to its latest end;
* the first known request, instance, project and user are kept;
* the longest target (the most specific) wins, the greater on a tie.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from fault_persist.db import models
from fault_persist.db import prepared
from fault_persist.db import recordset
from fault_persist import request_log_text as text

_TASKS = models.Task.__table__

#: The columns a summary row carries besides the task's key.
SUMMARY_COLUMNS = ('app', 'status', 'started_at', 'ended_at', 'target',
                   'request_id', 'instance_id', 'project_id', 'user_id')
_KEPT_FIRST = ('request_id', 'instance_id', 'project_id', 'user_id')

# "ON CONFLICT (...)" needs the columns of a unique index; "ON DUPLICATE
# KEY" takes whichever unique key the row collides with.
BY_ID = ('id',)
BY_KEY = ('correlation_id', 'action')

_TERMINAL = (text.COMPLETED, text.FAILED)
_INSERTS = {'postgresql': postgresql.insert, 'sqlite': sqlite.insert}


def summary(entries):
    """The summary row of a batch of entries of one task.

    Folded by the rules above, so that folding the summary into the stored
    task gives what folding each entry would.

    :param entries: request-log entries of one task, at least one.
    :returns: ``{column: value}`` of :data:`SUMMARY_COLUMNS`.
    """
    if len(entries) == 1:
        return _summary_of_one(entries[0])
    row = {
        'app': entries[0]['app'],
        'status': max(entry['status'] for entry in entries),
        'started_at': min((entry['created'] for entry in entries
                           if entry['status'] == text.STARTED),
                          default=None),
        'ended_at': max((entry['created'] for entry in entries
                         if entry['status'] in _TERMINAL), default=None),
        'target': max((entry['target'] for entry in entries),
                      key=lambda target: (len(target), target)),
    }
    for name in _KEPT_FIRST:
        row[name] = next((entry[name] for entry in entries
                          if entry.get(name)), None)
    return row


def _summary_of_one(entry):
    """:func:`summary` of one entry: each error of a storm is a task."""
    status = entry['status']
    row = {
        'app': entry['app'],
        'status': status,
        'started_at': entry['created'] if status == text.STARTED else None,
        'ended_at': entry['created'] if status in _TERMINAL else None,
        'target': entry['target'],
    }
    for name in _KEPT_FIRST:
        row[name] = entry.get(name) or None
    return row


def _earliest(stored, new):
    return sa.case((sa.and_(new.isnot(None),
                            sa.or_(stored.is_(None), stored > new)), new),
                   else_=stored)


def _latest(stored, new):
    return sa.case((sa.and_(new.isnot(None),
                            sa.or_(stored.is_(None), stored < new)), new),
                   else_=stored)


def _more_specific(stored, new):
    longer = sa.or_(
        sa.func.length(stored) < sa.func.length(new),
        sa.and_(sa.func.length(stored) == sa.func.length(new),
                stored < new))
    return sa.case((longer, new), else_=stored)


def _folded(new):
    """``{column: expression}``: the stored task with ``new`` folded in.

    :param new: the proposed row's columns (``excluded`` or ``inserted``).
    """
    task = _TASKS.c
    # Each expression reads only its own column: MySQL evaluates the
    # assignments in order, and a later one sees what an earlier one set.
    values = {
        'status': sa.case((task.status < new.status, new.status),
                          else_=task.status),
        'started_at': _earliest(task.started_at, new.started_at),
        'ended_at': _latest(task.ended_at, new.ended_at),
        'target': _more_specific(task.target, new.target),
    }
    for name in _KEPT_FIRST:
        values[name] = sa.func.coalesce(task[name], new[name])
    return values


def statement(dialect, conflict):
    """The insert-or-fold statement of ``request_log_tasks``.

    :param dialect: the connection's dialect.
    :param conflict: :data:`BY_ID` for rows that carry the ``id`` of a
        stored task, :data:`BY_KEY` for rows of tasks not found.
    :returns: an INSERT taking rows of ``correlation_id``, ``action``,
        :data:`SUMMARY_COLUMNS` (and ``id`` with :data:`BY_ID`). Where the
        database can (PostgreSQL, SQLite, MariaDB), it returns
        ``correlation_id``, ``action`` and ``id`` of every row, inserted
        or folded; it also lets SQLAlchemy send all rows in one statement.
    """
    if dialect.name in ('mysql', 'mariadb'):
        insert = mysql.insert(_TASKS)
        insert = insert.on_duplicate_key_update(_folded(insert.inserted))
    else:
        insert = _INSERTS[dialect.name](_TASKS)
        insert = insert.on_conflict_do_update(index_elements=list(conflict),
                                              set_=_folded(insert.excluded))
    if dialect.insert_returning:
        task = _TASKS.c
        insert = insert.returning(task.correlation_id, task.action, task.id)
    return insert


_STATEMENTS = {}


def fold(connection, rows, conflict):
    """Insert ``rows`` as tasks, or fold each into its stored task.

    :param connection: a connection in the writer's transaction.
    :param rows: summary rows (see :func:`statement`), all with the same
        keys, sorted the same way by every writer so that two writers
        lock shared tasks in the same order.
    :param conflict: :data:`BY_ID` or :data:`BY_KEY`.
    :returns: ``{(correlation_id, action): id}`` of the rows, or ``None``
        when the database cannot say (MySQL).
    """
    dialect = connection.dialect
    key = (dialect.name, dialect.insert_returning, conflict)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = statement(dialect, conflict)
    result = connection.execute(_STATEMENTS[key], rows)
    if not dialect.insert_returning:
        return None
    return {(row[0], row[1]): row[2] for row in result}


_TASK_IDS = sa.select(
    _TASKS.c.correlation_id, _TASKS.c.action, _TASKS.c.id).where(
        _TASKS.c.correlation_id.in_(sa.bindparam('correlation_ids',
                                                 expanding=True)))
_LOCKED_TASK_IDS = _TASK_IDS.with_for_update()


def task_ids(connection, keys, latest=False):
    """``{(correlation_id, action): id}`` of the stored tasks of ``keys``.

    :param latest: read the rows as last committed, not as the
        transaction's snapshot shows them (InnoDB's repeatable read hides
        a task another writer opened, even once this one has folded into
        it), locking them; they are locked by then anyway.
    """
    rows = connection.execute(_LOCKED_TASK_IDS if latest else _TASK_IDS, {
        'correlation_ids': list({key[0] for key in keys})})
    wanted = set(keys)
    return {(row[0], row[1]): row[2] for row in rows
            if (row[0], row[1]) in wanted}


#: PostgreSQL's sequence of task ids, that of the ``SERIAL`` column
#: ``request_log_tasks.id`` (migration 0002).
ID_SEQUENCE = 'request_log_tasks_id_seq'


def _fold_batch_statement():
    """PostgreSQL: open or advance the tasks of a batch in one statement.

    The summary rows come as one parameter
    (:mod:`~fault_persist.db.recordset`). A row of a stored task takes the
    stored id, a new one the next of :data:`ID_SEQUENCE` (``COALESCE``
    evaluates only what it needs), so folding into a stored task takes no
    id; a task another writer opened since the statement began is folded
    into by ``ON CONFLICT`` all the same. Rows are folded in the order of
    their keys, so two writers lock shared tasks in the same order.
    Returns ``correlation_id``, ``action`` and ``id`` of every row.
    """
    names = BY_KEY + SUMMARY_COLUMNS
    rows = recordset.of(*[_TASKS.c[name] for name in names])
    # A look-up of the unique key per row, whatever the table's
    # statistics say (a join may scan the whole table).
    task = _TASKS.c
    stored_id = sa.select(task.id).where(
        task.correlation_id == rows.c.correlation_id,
        task.action == rows.c.action).scalar_subquery()
    task_id = sa.func.coalesce(stored_id, sa.func.nextval(ID_SEQUENCE))
    insert = postgresql.insert(_TASKS)
    insert = insert.from_select(
        ('id',) + names,
        sa.select(task_id, *[rows.c[name] for name in names]).order_by(
            rows.c.correlation_id, rows.c.action))
    return insert.on_conflict_do_update(
        index_elements=list(BY_KEY), set_=_folded(insert.excluded)).returning(
        task.correlation_id, task.action, task.id)


_FOLD_BATCH = prepared.prepare(_fold_batch_statement())


def _fold_naming_stored_statement():
    """SQLite: open or advance tasks, each row naming its stored id itself.

    ``request_log_tasks.id`` is an ``AUTOINCREMENT`` key on SQLite
    (migration 0002: ids of purged tasks are never reused), and SQLite
    counts a new id for every row an ``INSERT`` proposes without one,
    folded into a stored task or not. So each row's ``id`` is the stored
    task's, found by a look-up of the unique key in the row itself, and
    ``NULL`` (the next id) for a new task: folding into a stored task
    takes no id, and one statement does what a look-up and an upsert did.
    SQLite checks the conflict target (the key) first, so a stored task
    is folded into, not refused for its id. Rows go as SQLAlchemy's
    "insertmanyvalues": one statement per batch. Returns
    ``correlation_id``, ``action`` and ``id`` of every row.
    """
    given = {name: sa.bindparam(name, type_=_TASKS.c[name].type)
             for name in BY_KEY + SUMMARY_COLUMNS}
    task = _TASKS.c
    stored_id = sa.select(task.id).where(
        task.correlation_id == given['correlation_id'],
        task.action == given['action']).scalar_subquery()
    insert = sqlite.insert(_TASKS).values(id=stored_id, **given)
    return insert.on_conflict_do_update(
        index_elements=list(BY_KEY), set_=_folded(insert.excluded)).returning(
        task.correlation_id, task.action, task.id)


_FOLD_NAMING_STORED = _fold_naming_stored_statement()


def _names_stored_ids(dialect):
    """Whether :func:`_fold_naming_stored_statement` runs on ``dialect``.

    SQLite 3.35 and later (``RETURNING``).
    """
    return dialect.name == 'sqlite' and dialect.insert_returning


def fold_entries(connection, by_task):
    """Open or advance the task of each key with its entries.

    One statement on PostgreSQL (see :func:`_fold_batch_statement`) and
    SQLite (see :func:`_fold_naming_stored_statement`); elsewhere a
    look-up of the stored tasks, then a statement for those and one for
    the others.

    :param connection: a connection in the writer's transaction.
    :param by_task: ``{(correlation_id, action): [entry, ...]}``.
    :returns: ``{(correlation_id, action): task id}`` of every key.
    """
    if recordset.supported(connection.dialect):
        rows = [dict(summary(entries), correlation_id=key[0], action=key[1])
                for key, entries in by_task.items()]
        return {(row[0], row[1]): row[2] for row in connection.execute(
            _FOLD_BATCH, recordset.parameters(rows))}
    if _names_stored_ids(connection.dialect):
        rows = [dict(summary(by_task[key]), correlation_id=key[0],
                     action=key[1]) for key in sorted(by_task)]
        return {(row[0], row[1]): row[2] for row in connection.execute(
            _FOLD_NAMING_STORED, rows)}
    ids = task_ids(connection, by_task)
    # Stored tasks are named by id, so folding into them takes no new id
    # from a sequence; every writer goes through them in the same order.
    stored = sorted(ids, key=ids.get)
    if stored:
        fold(connection, [
            dict(summary(by_task[key]), id=ids[key], correlation_id=key[0],
                 action=key[1]) for key in stored], BY_ID)
    missing = sorted(set(by_task) - set(ids))
    if missing:
        # A task another writer opened since the look-up is folded into.
        opened = fold(connection, [
            dict(summary(by_task[key]), correlation_id=key[0],
                 action=key[1]) for key in missing], BY_KEY)
        ids.update(opened if opened is not None
                   else task_ids(connection, missing, latest=True))
    return ids
