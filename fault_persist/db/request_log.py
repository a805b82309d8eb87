"""Storage of the request log: entries, their tasks, windows and purge.

Read and written through connections, not ORM sessions: the queries are
Core statements over two tables, and the listing queries run often. An
entry's task is opened or advanced in the entry's own transaction
(:mod:`fault_persist.db.task_upsert`).
"""

import functools

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from fault_persist.db import dbapi_writes
from fault_persist.db import engine as db_engine
from fault_persist.db import models
from fault_persist.db import prepared
from fault_persist.db import recordset
from fault_persist.db import resolution
from fault_persist.db import task_upsert
from fault_persist import request_log_text as text

_LOG = models.RequestLogEntry.__table__
_TASKS = models.Task.__table__
_INSERT_ENTRIES = sa.insert(_LOG)
_STORED_ENTRY_TASKS = sa.select(_LOG.c.message_id, _LOG.c.task_id).where(
    _LOG.c.message_id.in_(sa.bindparam('message_ids', expanding=True)))

#: The columns of an entry a caller gives :func:`add_task_entries`.
ENTRY_COLUMNS = tuple(name for name in _LOG.c.keys()
                      if name not in ('id', 'task_id', 'message'))
#: The columns an entry may be filtered on by equality.
ENTRY_FILTERS = frozenset(('app', 'user_id', 'ip', 'req', 'status',
                           'task_id', 'instance_id', 'request_id',
                           'project_id'))
#: The columns a task may be filtered on by equality.
TASK_FILTERS = frozenset(('app', 'status', 'instance_id', 'request_id',
                          'project_id', 'user_id', 'action'))


def _insert_new_entries():
    """PostgreSQL: insert a batch of entry rows not stored yet, at once.

    As :func:`fault_persist.db.faults._insert_new_faults` does faults:
    the rows as one parameter, a stored ``message_id`` left out. Returns
    the ``message_id`` and ``task_id`` of every row inserted.
    """
    names = ENTRY_COLUMNS + ('task_id', 'message')
    rows = recordset.of(*[_LOG.c[name] for name in names])
    return postgresql.insert(_LOG).from_select(
        names, sa.select(*[rows.c[name] for name in names])
    ).on_conflict_do_nothing(index_elements=['message_id']).returning(
        _LOG.c.message_id, _LOG.c.task_id)


_INSERT_NEW_ENTRIES = prepared.prepare(_insert_new_entries())


@oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.05,
                           inc_retry_interval=True, max_retry_interval=1,
                           retry_on_deadlock=True,
                           exception_checker=db_engine.settle_again)
def add_task_entries(entries, resolve=True):
    """Store request-log entries once each and open or advance their tasks.

    Idempotent on ``message_id``: an entry already stored is neither
    stored again nor counted again in its task. Entries of one task are
    found by ``(correlation_id, action)``; the first entry of a task
    creates it, and every entry advances it (see
    :mod:`~fault_persist.db.task_upsert`), in the same transaction as the
    entry itself.

    :param entries: dicts with the keys :data:`ENTRY_COLUMNS` and the
        task's key, ``correlation_id`` and ``action``.
    :param resolve: resolve the faults that an entry of a completed task
        comes after (see
        :func:`~fault_persist.db.resolution.resolve_stored_faults`).
    :returns: ``(stored, task_ids)``: how many entries were stored by this
        call, and ``{message_id: task_id}`` of every entry given.
    :raises: oslo.db exceptions when the database fails; a second call
        with the same entries is then harmless.
    """
    with dbapi_writes.write_connection() as connection:
        return add_task_entries_on(connection, entries, resolve=resolve)


def add_task_entries_on(connection, entries, look_up=True, resolve=True):
    """As :func:`add_task_entries`, in the transaction of ``connection``.

    :param connection: a connection in the writer's transaction.
    :param look_up: look for entries stored before, as
        :func:`~fault_persist.db.faults.add_faults_on` does (on PostgreSQL
        only those the insert left out are looked up, either way).
    """
    if not entries:
        return 0, {}
    if recordset.supported(connection.dialect):
        return _add_new_entries_on(connection, entries, resolve)
    known = {}
    if look_up:
        known = dict(connection.execute(_STORED_ENTRY_TASKS, {
            'message_ids': list({entry['message_id']
                                 for entry in entries})}).all())
    fresh = {}
    for entry in entries:
        if entry['message_id'] not in known:
            fresh.setdefault(entry['message_id'], entry)
    if not fresh:
        return 0, known
    rows = _rows_of(connection, fresh.values())
    known.update((row['message_id'], row['task_id']) for row in rows)
    connection.execute(_INSERT_ENTRIES, rows)
    if resolve:
        resolution.resolve_stored_faults(connection, rows)
    return len(rows), known


def _rows_of(connection, entries):
    """The rows of ``entries``, their tasks opened or advanced."""
    by_task = {}
    for entry in entries:
        by_task.setdefault((entry['correlation_id'], entry['action']),
                           []).append(entry)
    task_ids = task_upsert.fold_entries(connection, by_task)
    rows = []
    for entry in entries:
        row = dict(zip(ENTRY_COLUMNS, map(entry.get, ENTRY_COLUMNS)))
        row['task_id'] = task_ids[(entry['correlation_id'],
                                   entry['action'])]
        row['message'] = text.entry_message(row)
        rows.append(row)
    return rows


def _add_new_entries_on(connection, entries, resolve):
    """:func:`add_task_entries_on` on PostgreSQL: no look-up first.

    Every entry's task is opened or advanced, an entry stored before too:
    folding an entry into its task twice changes nothing. Then the rows
    not stored yet are inserted, and only those found stored (a
    redelivery, a replay) are looked up, for their tasks.
    """
    fresh = {}
    for entry in entries:
        fresh.setdefault(entry['message_id'], entry)
    rows = _rows_of(connection, fresh.values())
    known = dict(connection.execute(
        _INSERT_NEW_ENTRIES, recordset.parameters(rows)).all())
    stored = len(known)
    if stored < len(rows):
        # Resolution follows the entries inserted now, as elsewhere.
        rows = [row for row in rows if row['message_id'] in known]
        known.update(connection.execute(_STORED_ENTRY_TASKS, {
            'message_ids': [message_id for message_id in fresh
                            if message_id not in known]}).all())
    if resolve:
        resolution.resolve_stored_faults(connection, rows)
    return stored, known


def _visible_tasks(query, project_id):
    if project_id is not None:
        query = query.where(_TASKS.c.project_id == project_id)
    return query


def get_task(task_id, project_id=None):
    """One task of the request log, or ``None``.

    :param task_id: the task's id.
    :param project_id: when given, only a task of this project is found.
    :returns: a row of ``request_log_tasks`` (with ``._mapping``).
    """
    with db_engine.read_connection() as connection:
        row = connection.execute(_visible_tasks(
            sa.select(_TASKS), project_id).where(
            _TASKS.c.id == task_id)).first()
    return next(iter(db_engine.exactly_of(project_id,
                                          [row] if row else [])), None)


def _checked_filters(filters, allowed):
    """``filters`` (``{column: value}``), each column one of ``allowed``."""
    filters = filters or {}
    unknown = sorted(set(filters) - allowed)
    if unknown:
        raise ValueError('not a filter: %s (filters: %s)' % (
            ', '.join(unknown), ', '.join(sorted(allowed))))
    return filters


def list_tasks(filters=None, project_id=None, limit=None, marker=None):
    """Tasks, newest (highest id) first, a page at a time.

    :param filters: ``{column: value}`` equalities, columns from
        :data:`TASK_FILTERS`.
    :param project_id: only this project's tasks.
    :param limit: the largest number of tasks returned.
    :param marker: the id of the last task of the previous page.
    :returns: a list of rows of ``request_log_tasks``.
    :raises: :class:`ValueError` for a filter not in :data:`TASK_FILTERS`.
    """
    task = _TASKS.c
    query = _visible_tasks(sa.select(_TASKS), project_id)
    for name, value in _checked_filters(filters, TASK_FILTERS).items():
        query = query.where(task[name] == value)
    if marker is not None:
        query = query.where(task.id < marker)
    query = query.order_by(task.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with db_engine.read_connection() as connection:
        if marker is not None and not db_engine.exactly_of(
                project_id, connection.execute(_visible_tasks(
                    sa.select(task.project_id), project_id).where(
                    task.id == marker)).all()):
            raise LookupError(marker)
        return db_engine.exactly_of(project_id, connection.execute(query))


def _visible_entries(query, project_id):
    if project_id is not None:
        query = query.where(_LOG.c.project_id == project_id)
    return query


def _marker_time(connection, marker, project_id):
    found = db_engine.exactly_of(project_id, connection.execute(
        _visible_entries(sa.select(_LOG.c.created, _LOG.c.project_id),
                         project_id).where(_LOG.c.id == marker)).all())
    if not found:
        raise LookupError(marker)
    return found[0].created


#: The most shapes of :func:`list_request_log`'s statement kept built
#: (and compiled, by :func:`~fault_persist.db.engine.read_rows`): one per
#: set of conditions a caller combines. A shape dropped from the cache is
#: built again when it comes back.
ENTRY_STATEMENTS_KEPT = 64


@functools.lru_cache(maxsize=ENTRY_STATEMENTS_KEPT)
def _entries_statement(filter_names, project, since, before, limit, marker):
    """The SELECT of a page of entries with these conditions, built once.

    Every value is a bind parameter: ``project_id``, ``since``,
    ``before``, ``limit``, ``marker_created`` and ``marker_id``, and
    ``filter_<column>`` for each column of ``filter_names``.
    """
    log = _LOG.c
    query = sa.select(_LOG)
    if project:
        query = query.where(log.project_id == sa.bindparam('project_id'))
    for name in filter_names:
        query = query.where(log[name] == sa.bindparam('filter_' + name))
    if since:
        query = query.where(log.created >= sa.bindparam('since'))
    if before:
        query = query.where(log.created < sa.bindparam('before'))
    if marker:
        created = sa.bindparam('marker_created', type_=log.created.type)
        # The first condition bounds the index range; the second drops
        # what the previous page showed at the marker's time.
        query = query.where(log.created <= created, sa.or_(
            log.created < created,
            log.id < sa.bindparam('marker_id', type_=log.id.type)))
    query = query.order_by(log.created.desc(), log.id.desc())
    if limit:
        query = query.limit(sa.bindparam('limit', type_=sa.Integer))
    return query


_MARKER_ENTRY = sa.select(_LOG.c.created, _LOG.c.project_id).where(
    _LOG.c.id == sa.bindparam('marker_id'))
_MARKER_ENTRY_OF_PROJECT = _MARKER_ENTRY.where(
    _LOG.c.project_id == sa.bindparam('project_id'))


def _marker_created(marker, project_id):
    if project_id is None:
        found = db_engine.read_rows(_MARKER_ENTRY, {'marker_id': marker})
    else:
        found = db_engine.exactly_of(project_id, db_engine.read_rows(
            _MARKER_ENTRY_OF_PROJECT,
            {'marker_id': marker, 'project_id': project_id}))
    if not found:
        raise LookupError(marker)
    return found[0].created


def list_request_log(filters=None, project_id=None, since=None, before=None,
                     limit=None, marker=None):
    """Request-log entries, newest first, a page at a time.

    Ordered by ``(created, id)`` descending, which the index
    ``request_log_created_id_idx`` (or, for one project,
    ``request_log_project_id_created_id_idx``) yields without sorting; a
    page after a marker is a range of that index.

    Read as the show view reads (:func:`~fault_persist.db.engine.read_rows`):
    each statement on its own, without a transaction, from a statement
    built once per combination of conditions. A page after a marker reads
    the marker's time first, then the page: entries are never changed
    once stored, so that is the page one transaction would read.

    :param filters: ``{column: value}`` equalities, columns from
        :data:`ENTRY_FILTERS`.
    :param project_id: only this project's entries.
    :param since: only entries created at or after this naive UTC time.
    :param before: only entries created before this naive UTC time.
    :param limit: the largest number of entries returned.
    :param marker: the id of the last entry of the previous page.
    :returns: a list of named tuples, one per entry, of the columns of
        ``request_log``.
    :raises: :class:`LookupError` when ``marker`` is not a visible entry;
        :class:`ValueError` for a filter not in :data:`ENTRY_FILTERS`.
    """
    filters = _checked_filters(filters, ENTRY_FILTERS)
    names = tuple(sorted(filters))
    parameters = {'filter_' + name: filters[name] for name in names}
    if project_id is not None:
        parameters['project_id'] = project_id
    if since is not None:
        parameters['since'] = since
    if before is not None:
        parameters['before'] = before
    if limit is not None:
        parameters['limit'] = limit
    if marker is not None:
        parameters['marker_created'] = _marker_created(marker, project_id)
        parameters['marker_id'] = marker
    statement = _entries_statement(
        names, project_id is not None, since is not None,
        before is not None, limit is not None, marker is not None)
    return db_engine.exactly_of(project_id,
                                db_engine.read_rows(statement, parameters))


def task_window(task_id, now, project_id=None, limit=None, marker=None):
    """A task and the entries created while it ran, in one transaction.

    The window runs from the task's start (its end when the start was
    never seen) to its end, or to ``now`` while it runs: a range of
    ``request_log_created_id_idx`` (of
    ``request_log_project_id_created_id_idx`` for one project), oldest
    first.

    :param task_id: the task's id.
    :param now: naive UTC "now", the end of a running task's window.
    :param project_id: when given, only a task and entries of this project.
    :param limit: the largest number of entries returned.
    :param marker: the id of the last entry of the previous page.
    :returns: ``(task, entries)``: a row of ``request_log_tasks`` and a
        list of rows of ``request_log``; ``(None, [])`` without the task.
    :raises: :class:`LookupError` when ``marker`` is not a visible entry.
    """
    log = _LOG.c
    with db_engine.read_connection() as connection:
        task = connection.execute(_visible_tasks(
            sa.select(_TASKS), project_id).where(
            _TASKS.c.id == task_id)).first()
        if task is None or db_engine.exactly_of(project_id, [task]) == []:
            return None, []
        query = _visible_entries(sa.select(_LOG), project_id).where(
            log.created >= (task.started_at or task.ended_at),
            log.created <= (task.ended_at or now)).order_by(
            log.created, log.id)
        if limit is not None:
            query = query.limit(limit)
        if marker is not None:
            created = _marker_time(connection, marker, project_id)
            query = query.where(log.created >= created, sa.or_(
                log.created > created, log.id > marker))
        return task, db_engine.exactly_of(project_id,
                                          connection.execute(query))


def purge_request_log(cutoff, batch_size=1000):
    """Delete, for good, the entries created before ``cutoff``.

    Deletes in batches, like
    :func:`~fault_persist.db.faults.purge_faults`. A task goes with its
    last entry; a task that gains an entry meanwhile stays.

    :param cutoff: a naive UTC datetime.
    :param batch_size: how many entries one transaction deletes.
    :returns: ``(entries, tasks)``: how many of each were deleted.
    """
    log, task = _LOG.c, _TASKS.c
    entries = tasks = 0
    while True:
        with db_engine.write_connection() as connection:
            rows = connection.execute(
                sa.select(log.id, log.task_id).where(log.created < cutoff)
                .limit(batch_size)).all()
            if not rows:
                return entries, tasks
            connection.execute(sa.delete(_LOG).where(
                log.id.in_([row[0] for row in rows])))
        entries += len(rows)
        try:
            with db_engine.write_connection() as connection:
                tasks += connection.execute(sa.delete(_TASKS).where(
                    task.id.in_({row[1] for row in rows}),
                    ~sa.exists().where(log.task_id == task.id))).rowcount
        except db_exc.DBReferenceError:
            # An entry of one of them arrived meanwhile: keep them all.
            pass
