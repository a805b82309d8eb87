"""Storage of faults: insert, show view, history, resolve, delete, purge.

Idempotent inserts on ``message_id``; the show view's statements are Core
and built once; the history pages through ``(created, id)``. Who may see
what is the caller's decision (:mod:`fault_persist.faults`).
"""

import collections
import json

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import utils as db_utils
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from fault_persist.db import dbapi_writes
from fault_persist.db import engine as db_engine
from fault_persist.db import models
from fault_persist.db import prepared
from fault_persist.db import recordset
from fault_persist.db import resolution

#: The resource type of a fault that names no resource; never resolved by
#: a task, never in a show view.
HOST = resolution.HOST

_FAULTS = models.InstanceFault.__table__
# Built once: a capture runs these for every batch, and SQLAlchemy then
# finds them in its compiled cache without working out their cache keys.
_INSERT_FAULTS = sa.insert(_FAULTS)
_STORED_FAULT_IDS = sa.select(_FAULTS.c.message_id, _FAULTS.c.id).where(
    _FAULTS.c.message_id.in_(sa.bindparam('message_ids', expanding=True)))


_GIVEN = [column for column in _FAULTS.c if column.name != 'resolved_at']


def _inserted_values(given, resource_type, resolve):
    """``{column name: expression}`` of a fault row as it is inserted.

    :param given: ``{column name: expression}`` of the row's given
        columns (all but ``resolved_at``).
    :param resource_type: the row's ``resource_type``, defaulted.
    :param resolve: give the row its ``resolved_at`` in the statement
        (see :func:`~fault_persist.db.resolution.resolved_at_of`); else
        leave it unresolved.
    """
    values = dict(given)
    # What an executemany fills in for a row without it, as the column's
    # default.
    values['deleted'] = sa.func.coalesce(values['deleted'], sa.false())
    values['resource_type'] = resource_type
    values['resolved_at'] = (
        resolution.resolved_at_of(values['instance_id'], values['created'],
                                  resource_type)
        if resolve else sa.null())
    return values


def _insert_new_faults(resolve):
    """PostgreSQL: insert a batch of rows not stored yet, in one statement.

    The rows come as one parameter (:mod:`~fault_persist.db.recordset`);
    a row whose ``message_id`` is stored is left out (``ON CONFLICT DO
    NOTHING``, which also waits for a writer storing it meanwhile), and
    each row gets its ``resolved_at`` in the same statement (see
    :func:`~fault_persist.db.resolution.resolved_at_of`). Returns the
    ``message_id`` and ``id`` of every row inserted.
    """
    rows = recordset.of(*_GIVEN)
    given = {column.name: rows.c[column.name] for column in _GIVEN}
    values = _inserted_values(given, sa.func.coalesce(
        given['resource_type'], resolution.DEFAULT_RESOURCE_TYPE), resolve)
    return postgresql.insert(_FAULTS).from_select(
        list(values), sa.select(*values.values())).on_conflict_do_nothing(
        index_elements=['message_id']).returning(
        _FAULTS.c.message_id, _FAULTS.c.id)


def _insert_resolved_faults(resolve):
    """SQLite: insert fault rows, each given its ``resolved_at`` in SQL.

    What :func:`~fault_persist.db.resolution.resolve_new_faults` works out
    in a look-up of its own, as part of the insert: one statement per
    batch instead of two. A row's missing columns read as NULL (the
    defaults as they are filled in elsewhere); a missing or empty
    ``resource_type`` is ``instance``.

    Not on MySQL or MariaDB: InnoDB reads what a data-changing statement
    selects (an ``INSERT ... SELECT``, a subquery) with shared next-key
    locks, not from the transaction's snapshot as the look-up does, and
    another writer's entries of those resources would wait for them, or
    deadlock.
    """
    given = {column.name: sa.bindparam(column.name, None, type_=column.type,
                                       required=False)
             for column in _GIVEN}
    values = _inserted_values(given, sa.func.coalesce(
        sa.func.nullif(given['resource_type'], ''),
        resolution.DEFAULT_RESOURCE_TYPE), resolve)
    return sa.insert(_FAULTS).values(values)


#: The databases whose fault insert resolves its rows itself, one
#: parameter per column (see :func:`_insert_resolved_faults`).
_RESOLVED_IN_INSERT = frozenset(['sqlite'])
_INSERT_RESOLVED_FAULTS = {resolve: _insert_resolved_faults(resolve)
                           for resolve in (True, False)}
_INSERT_NEW_FAULTS = {resolve: prepared.prepare(_insert_new_faults(resolve))
                      for resolve in (True, False)}


@oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.01,
                           inc_retry_interval=True, max_retry_interval=0.5,
                           exception_checker=db_engine.sqlite_busy)
def add_faults(rows, resolve=True):
    """Insert fault rows, once each, whatever was stored before.

    Idempotent on ``message_id``: a row whose ``message_id`` is already
    stored is not inserted again, and its stored id is returned instead.

    :param rows: a list of dicts of :class:`~models.InstanceFault` columns,
        each with ``id`` and ``message_id``.
    :param resolve: store a row resolved when its resource completed a
        task after it (see
        :func:`~fault_persist.db.resolution.resolve_new_faults`).
    :returns: the stored id of each row, in order.
    """
    if not rows:
        return []
    try:
        return _add_faults_once(rows, resolve)
    except db_exc.DBDuplicateEntry:
        # Another writer stored one of these between our look-up and our
        # insert: settle each row on its own.
        return [_add_faults_once([row], resolve)[0] for row in rows]


def _add_faults_once(rows, resolve):
    with dbapi_writes.write_connection() as connection:
        return add_faults_on(connection, rows, resolve=resolve)


def add_faults_on(connection, rows, look_up=True, resolve=True):
    """Insert the rows not stored yet; the stored id of each row.

    As :func:`add_faults`, in the transaction of ``connection`` (see
    :func:`fault_persist.db.captured.add_captured`).

    :param connection: a connection in the writer's transaction.
    :param rows: as :func:`add_faults` takes them.
    :param look_up: look for rows stored before; without, a row stored
        before makes the insert fail with ``DBDuplicateEntry``. On
        PostgreSQL the insert leaves such rows out and only they are
        looked up, either way.
    :param resolve: as :func:`add_faults` takes it.
    """
    if not rows:
        return []
    if recordset.supported(connection.dialect):
        return _add_new_faults_on(connection, rows, resolve)
    stored = {}
    if look_up:
        stored = dict(connection.execute(_STORED_FAULT_IDS, {
            'message_ids': list({row['message_id'] for row in rows})}).all())
    fresh = []
    for row in rows:
        if row['message_id'] not in stored:
            stored[row['message_id']] = row['id']
            fresh.append(row)
    if fresh:
        _insert_fresh_faults(connection, fresh, resolve)
    return [stored[row['message_id']] for row in rows]


def _insert_fresh_faults(connection, rows, resolve):
    """Insert ``rows``, none of them stored, resolved as they are."""
    if connection.dialect.name in _RESOLVED_IN_INSERT:
        connection.execute(_INSERT_RESOLVED_FAULTS[bool(resolve)], rows)
    else:
        connection.execute(_INSERT_FAULTS, resolution.resolve_new_faults(
            connection, rows, resolve))


def _add_new_faults_on(connection, rows, resolve):
    """:func:`add_faults_on` on PostgreSQL: one statement, no look-up.

    Only rows found stored (a redelivery, a replay) are looked up, for
    their stored ids.
    """
    fresh = {}
    for row in rows:
        # The first of a message id in the batch is the one stored.
        fresh.setdefault(row['message_id'], row)
    stored = dict(connection.execute(
        _INSERT_NEW_FAULTS[bool(resolve)],
        recordset.parameters(list(fresh.values()))).all())
    if len(stored) < len(fresh):
        stored.update(connection.execute(_STORED_FAULT_IDS, {
            'message_ids': [message_id for message_id in fresh
                            if message_id not in stored]}).all())
    return [stored[row['message_id']] for row in rows]


def _visible(query, project_id, hosts=True):
    fault = models.InstanceFault
    # "= false", not "IS false": MySQL and MariaDB seek an index on an
    # equality only, and the show view's index has deleted second.
    query = query.where(fault.deleted == sa.false())
    if project_id is not None:
        query = query.where(fault.project_id == project_id)
    if not hosts:
        query = query.where(fault.resource_type != HOST)
    return query


#: The databases that need ``resolved_at`` in the order of the show view
#: to read its index in that order (see :func:`_newest_first`).
_ORDERED_FROM_RESOLVED_AT = frozenset(['postgresql'])


def _newest_first(fault, dialect_name):
    """The order of a show view's candidates, newest first, on ``fault``.

    The show view's index, ``(instance_id, deleted, resolved_at, created,
    id)``, holds a resource's candidates in this order: the first row of
    its range is the answer, with no sort. PostgreSQL takes ``resolved_at
    IS NULL`` for a filter, not for one value, and finds the index in the
    order asked only with ``resolved_at`` first in it (NULL in every
    candidate: the order is the same); without it, each look-up read
    and sorted all its candidates. MariaDB, the other way round, sorts
    the rows (a filesort) when ``resolved_at`` is there; SQLite reads the
    index in order either way.

    :param fault: the columns of the candidates.
    :param dialect_name: the database's dialect name.
    """
    order = (fault.created.desc(), fault.id.desc())
    if dialect_name in _ORDERED_FROM_RESOLVED_AT:
        return (fault.resolved_at.desc(),) + order
    return order


def _shown_faults(dialect_name):
    """The faults a show view may return, newest first: Core, no ORM.

    Only the view's columns; each statement is built once, so SQLAlchemy
    finds it compiled in its cache on every call.
    """
    fault = _FAULTS.c
    # A range of instance_faults_instance_id_deleted_resolved_at_created_
    # id_idx, newest first. "= false", not "IS false": see _visible.
    return sa.select(fault.created, fault.message, fault.details,
                     fault.project_id).where(
        fault.instance_id == sa.bindparam('instance_id'),
        fault.deleted == sa.false(),
        fault.resolved_at.is_(None),
        fault.resource_type != HOST).order_by(
        *_newest_first(fault, dialect_name))


#: The show view's statements of a dialect, built once: ``latest``, the
#: newest fault of a resource, and ``of_project``, its faults of a
#: project, newest first.
_ShowQuery = collections.namedtuple('_ShowQuery', ('latest', 'of_project'))

#: The show view's statements of each dialect whose order differs;
#: ``None``: the others' (see :func:`_newest_first`).
_SHOW_QUERIES = {
    dialect_name: _ShowQuery(
        _shown_faults(dialect_name).limit(1),
        _shown_faults(dialect_name).where(
            _FAULTS.c.project_id == sa.bindparam('project_id')))
    for dialect_name in (*_ORDERED_FROM_RESOLVED_AT, None)}


def _show_query(dialect):
    """The :class:`_ShowQuery` of ``dialect``."""
    return _SHOW_QUERIES.get(dialect.name, _SHOW_QUERIES[None])


def get_latest_fault(instance_id, project_id=None):
    """The newest fault of a resource that shows, or ``None``.

    A fault shows while it is neither deleted nor resolved; a host's fault
    never shows.

    :param instance_id: the resource's id.
    :param project_id: when given, only that project's faults count.
    :returns: a row with ``created``, ``message``, ``details`` and
        ``project_id``, or ``None``.
    """
    latest, of_project = _show_query(db_engine.get_engine().dialect)
    # One statement, no transaction: see db_engine.read_rows.
    if project_id is None:
        rows = db_engine.read_rows(latest, {'instance_id': instance_id})
        return rows[0] if rows else None
    # The first of the project's, compared exactly (see
    # db_engine.exactly_of).
    for row in db_engine.read_rows(of_project, {
            'instance_id': instance_id, 'project_id': project_id}):
        if row.project_id == project_id:
            return row
    return None


#: The most ids one statement of :func:`get_latest_faults` binds.
LATEST_FAULTS_CHUNK = 1000

#: A fault as :func:`get_latest_faults` gives it when its row holds two.
_LatestFault = collections.namedtuple(
    '_LatestFault', ('created', 'message', 'details', 'project_id'))


def _details_of(columns, details):
    """``columns.details``, or a NULL in its place when not ``details``.

    A page read without details sends none of them (a traceback is
    about 1 to 3 KB a fault): a caller who may not see them (a member,
    by the default rules) costs the database and the driver the rows'
    few short columns only.
    """
    return columns.details if details else sa.null().label('details')


def _own_columns(columns, details):
    """The ``own_`` columns of a page query: the caller's project's newest.

    :param columns: the ``c`` of the look-up of that fault.
    :param details: whether the rows carry their details (see
        :func:`_details_of`).
    """
    return [(_details_of(columns, details) if name == 'details'
             else columns[name]).label('own_' + name)
            for name in _LatestFault._fields]


def _shows(fault):
    """The conditions of a fault that shows, on columns ``fault``."""
    # A range of instance_faults_instance_id_deleted_resolved_at_created_
    # id_idx. "= false", not "IS false": see _visible.
    return (fault.deleted == sa.false(), fault.resolved_at.is_(None),
            fault.resource_type != HOST)


def _rowid(table):
    # SQLite's own key of a row: one search of the table, where ``id`` is
    # a search of its unique index and then one of the table.
    return sa.literal_column('%s.rowid' % table.name)


def _newest_rowid(name, instance_id, project_id=None):
    """SQLite: the rowid of the newest fault that shows of a resource.

    A scalar subquery, correlated on ``instance_id``: one search of the
    show view's index, in its order (see :func:`_newest_first`), and of
    the table for the newest (its ``resource_type``).
    With ``project_id``, the newest of that project.
    """
    candidate = _FAULTS.alias(name)
    fault = candidate.c
    criteria = _shows(fault)
    if project_id is not None:
        criteria += (fault.project_id == project_id,)
    return sa.select(_rowid(candidate)).where(
        fault.instance_id == instance_id, *criteria).order_by(
        *_newest_first(fault, 'sqlite')).limit(1).scalar_subquery()


def _looked_up_statement(of_project, details):
    """SQLite: the page query as one indexed look-up per id asked.

    The ids come as one JSON array (``json_each``), not as an ``IN`` list
    of binds; for each, a subquery picks the rowid of its newest fault,
    and only that row's columns are read. With ``of_project``, the
    newest of the caller's project too (``own_`` columns), looked up only
    where the newest is another project's. ``ROW_NUMBER()`` would sort
    every unresolved candidate, with its ``message`` and ``details``, in
    two window passes: twice the time on SQLite (see the admin guide).
    Without ``details``, a NULL in their place (see :func:`_details_of`).
    """
    # The text of the array (JSON), as the page query binds it.
    asked = sa.func.json_each(sa.bindparam('instance_ids')).table_valued(
        'value', name='asked')
    newest = _FAULTS.alias('newest')
    columns = [asked.c.value.label('instance_id'), newest.c.created,
               newest.c.message, _details_of(newest.c, details),
               newest.c.project_id]
    joined = asked.join(newest, _rowid(newest) == _newest_rowid(
        'candidate', asked.c.value))
    if of_project:
        own = _FAULTS.alias('own')
        project_id = sa.bindparam('project_id')
        columns += _own_columns(own.c, details)
        joined = joined.outerjoin(own, _rowid(own) == sa.case(
            (newest.c.project_id == project_id, sa.null()),
            else_=_newest_rowid('own_candidate', asked.c.value,
                                project_id)))
    return sa.select(*columns).select_from(joined)


def _newest_lateral(name, instance_id, details, project_id=None,
                    unless=None):
    """PostgreSQL: the newest fault that shows of a resource, ``LATERAL``.

    Correlated on ``instance_id``: one search of the show view's index
    per id, in its order (see :func:`_newest_first`), and of the table
    for the newest (its ``resource_type``, its columns); only the
    winner's ``message`` and ``details`` (unless not ``details``) leave
    the subquery. With ``project_id``, the newest of that project;
    ``unless``, a condition on the outer rows alone, skips the search
    where it is false.
    """
    candidate = _FAULTS.alias(name + '_candidate')
    fault = candidate.c
    criteria = _shows(fault)
    if project_id is not None:
        criteria += (fault.project_id == project_id,)
    if unless is not None:
        criteria += (unless,)
    columns = [fault.created, fault.message, fault.project_id]
    if details:
        columns.append(fault.details)
    return sa.select(*columns).where(
        fault.instance_id == instance_id, *criteria).order_by(
        *_newest_first(fault, 'postgresql')).limit(1).lateral(name)


def _lateral_statement(of_project, details):
    """PostgreSQL: the page query as one indexed look-up per id asked.

    The ids come as the text of one array (``unnest``, see
    :func:`_array_text`); for each, a ``LATERAL`` subquery with ``LIMIT
    1`` reads its newest fault. With ``of_project``, the newest of the
    caller's project too (``own_`` columns), looked up only where the
    newest is another project's (or of none). ``ROW_NUMBER()`` sorted
    and ranked every unresolved candidate with its ``details``, and the
    planner weighed each of the array's ids: a third more time on the
    server (see the admin guide). Without ``details``, a NULL in their
    place (see :func:`_details_of`).
    """
    asked = sa.func.unnest(sa.cast(
        sa.bindparam('instance_ids', type_=sa.Text()),
        # Of no length: a cast to VARCHAR(64) would cut a longer id short.
        postgresql.ARRAY(sa.String()))).table_valued(
        sa.column('instance_id', sa.String())).render_derived(name='asked')
    newest = _newest_lateral('newest', asked.c.instance_id, details)
    columns = [asked.c.instance_id, newest.c.created, newest.c.message,
               _details_of(newest.c, details), newest.c.project_id]
    joined = asked.join(newest, sa.true())
    if of_project:
        project_id = sa.bindparam('project_id')
        own = _newest_lateral(
            'own', asked.c.instance_id, details, project_id,
            unless=newest.c.project_id.is_distinct_from(project_id))
        columns += _own_columns(own.c, details)
        joined = joined.outerjoin(own, sa.true())
    return sa.select(*columns).select_from(joined)


def _array_text(values):
    """PostgreSQL: the text of an array of ``values``, ``{"a","b"}``.

    One value to bind, which the server reads as an array; a list binds
    as ``ARRAY['a', 'b', ...]``, 1,000 literals for the driver to quote
    and the server to parse: 0.7 ms more for a page of 1,000 ids.
    """
    return '{%s}' % ','.join([
        '"%s"' % (value.replace('\\', '\\\\').replace('"', '\\"')
                  if '"' in value or '\\' in value else value)
        for value in values])


def _ranked_statement(of_project, details):
    """The page query with ``ROW_NUMBER()``: MariaDB, MySQL.

    The index gives each resource's few unresolved faults; the window
    ranks them per resource (and per resource and project, with
    ``of_project``), sorting their ids only, and the rows ranked first
    are read again by id: MariaDB's sort of rows with their ``details``
    costs more than the second read. Without ``details``, a NULL in
    their place (see :func:`_details_of`).
    """
    fault = _FAULTS.c
    order = (fault.created.desc(), fault.id.desc())
    ranks = [sa.func.row_number().over(
        partition_by=fault.instance_id, order_by=order).label('newest')]
    if of_project:
        ranks.append(sa.func.row_number().over(
            partition_by=(fault.instance_id, fault.project_id),
            order_by=order).label('newest_of_project'))
    asked = fault.instance_id.in_(
        sa.bindparam('instance_ids', expanding=True))
    ranked = sa.select(fault.id, fault.project_id, *ranks).where(
        asked, *_shows(fault)).subquery('ranked')
    shown = _FAULTS.alias('shown')
    first = sa.select(shown.c.instance_id, shown.c.created,
                      shown.c.message, _details_of(shown.c, details),
                      shown.c.project_id, ranked.c.newest).join_from(
        ranked, shown, shown.c.id == ranked.c.id)
    if not of_project:
        return first.where(ranked.c.newest == 1)
    return first.where(sa.or_(ranked.c.newest == 1, sa.and_(
        ranked.c.newest_of_project == 1,
        ranked.c.project_id == sa.bindparam('project_id'))))


def _read_looked_up(rows, project_id, latest):
    for row in rows:
        own = None
        if project_id:
            if row.project_id == project_id:
                own = row
            elif row.own_project_id == project_id:
                own = _LatestFault(row.own_created, row.own_message,
                                   row.own_details, row.own_project_id)
        latest[row.instance_id] = (row, own)


def _read_ranked(rows, project_id, latest):
    for row in rows:
        newest, own = latest.get(row.instance_id, (None, None))
        if row.newest == 1:
            newest = row
        if project_id and row.project_id == project_id and (
                own is None or row.newest == 1):
            own = row
        latest[row.instance_id] = (newest, own)


class _PageQuery(collections.namedtuple(
        '_PageQuery', ('statements', 'bind', 'read'))):
    """The page query of a dialect, built once.

    ``statements``: by whether a project is asked too and whether the
    rows have their details, ``(of_project, details)``; ``bind``: the
    value a list of ids binds as; ``read``: how its rows read.
    """

    @classmethod
    def built(cls, build, bind, read):
        return cls({(of_project, details): build(of_project, details)
                    for of_project in (False, True)
                    for details in (False, True)}, bind, read)


#: The page query of each dialect, built once.
_LATEST_FAULTS = {
    'sqlite': _PageQuery.built(_looked_up_statement, json.dumps,
                               _read_looked_up),
    'postgresql': _PageQuery.built(_lateral_statement, _array_text,
                                   _read_looked_up),
    # MariaDB, MySQL.
    None: _PageQuery.built(_ranked_statement, list, _read_ranked),
}


def _page_query(dialect):
    """The :class:`_PageQuery` of ``dialect``."""
    return _LATEST_FAULTS.get(dialect.name, _LATEST_FAULTS[None])


def get_latest_faults(instance_ids, project_id=None, details=True):
    """The newest fault that shows of each of many resources: a page.

    One statement per :data:`LATEST_FAULTS_CHUNK` ids, of the dialect's
    shape: on SQLite and PostgreSQL an indexed look-up per id (SQLite:
    ``json_each``, the JSON1 functions, built in since 3.38; PostgreSQL:
    ``unnest`` and ``LATERAL``); on MariaDB 10.2+ and MySQL 8
    ``ROW_NUMBER()`` over each resource's unresolved faults.

    :param instance_ids: the resources' ids, each once.
    :param project_id: the caller's project, or ``None``: then only the
        newest of each resource is read, and no project's.
    :returns: ``{instance_id: (newest, newest_of_project)}`` for the
        resources with a fault that shows: ``newest`` the newest row (with
        ``created``, ``message``, ``details``, ``project_id``), and
        ``newest_of_project`` the newest of ``project_id`` (compared
        exactly), or ``None``.
    :param details: read each row's ``details``; else ``details`` is
        ``None`` (see :func:`_details_of`).
    """
    latest = {}
    instance_ids = list(instance_ids)
    if not instance_ids:
        return latest
    statements, bind, read = _page_query(db_engine.get_engine().dialect)
    statement = statements[bool(project_id), bool(details)]
    for start in range(0, len(instance_ids), LATEST_FAULTS_CHUNK):
        # One statement, no transaction: see db_engine.read_rows.
        read(db_engine.read_rows(statement, {
            'instance_ids': bind(
                instance_ids[start:start + LATEST_FAULTS_CHUNK]),
            'project_id': project_id}), project_id, latest)
    return latest


def list_faults(instance_id=None, project_id=None, since=None, before=None,
                limit=None, marker=None, resource_type=None, unresolved=False,
                hosts=True, code=None, event_type=None):
    """Non-deleted faults, newest first, a page at a time.

    :param instance_id: only this resource's faults.
    :param project_id: only this project's faults.
    :param since: only faults created at or after this naive UTC datetime.
    :param before: only faults created before this naive UTC datetime.
    :param limit: the largest number of faults returned.
    :param marker: the id of the last fault of the previous page.
    :param resource_type: only faults of resources of this kind.
    :param unresolved: only faults not resolved.
    :param hosts: whether host faults (``resource_type`` ``host``) are
        listed.
    :param code: only faults with this code.
    :param event_type: only faults of this event type.
    :returns: a list of :class:`~models.InstanceFault`.
    :raises: :class:`LookupError` when ``marker`` is not a visible fault.
    """
    fault = models.InstanceFault
    with db_engine.reader() as session:
        query = _visible(sa.select(fault), project_id, hosts)
        if instance_id is not None:
            query = query.where(fault.instance_id == instance_id)
        if resource_type is not None:
            query = query.where(fault.resource_type == resource_type)
        if unresolved:
            query = query.where(fault.resolved_at.is_(None))
        if code is not None:
            query = query.where(fault.code == code)
        if event_type is not None:
            query = query.where(fault.event_type == event_type)
        if since is not None:
            query = query.where(fault.created >= since)
        if before is not None:
            query = query.where(fault.created < before)
        marker_row = None
        if marker is not None:
            marker_row = session.execute(
                _visible(sa.select(fault), project_id, hosts).where(
                    fault.id == marker)).scalars().first()
            if marker_row is None or not db_engine.exactly_of(
                    project_id, [marker_row]):
                raise LookupError(marker)
        query = db_utils.paginate_query(
            query, fault, limit, ['created', 'id'], marker=marker_row,
            sort_dir='desc')
        return db_engine.exactly_of(project_id,
                                    session.execute(query).scalars())


def get_fault_by_id(fault_id):
    """One non-deleted fault by its id, or ``None``.

    Who may see it is the caller's decision (see ``faults``).

    :param fault_id: the fault's ``id``.
    :returns: an :class:`~models.InstanceFault` or ``None``.
    """
    fault = models.InstanceFault
    with db_engine.reader() as session:
        return session.execute(
            _visible(sa.select(fault), None).where(
                fault.id == fault_id)).scalars().first()


def fault_projects(instance_id):
    """The projects of the non-deleted faults of a resource.

    :param instance_id: the resource's id.
    :returns: a set of project ids (``None`` for faults of no project).
    """
    fault = models.InstanceFault
    with db_engine.reader() as session:
        return set(session.execute(
            sa.select(fault.project_id).distinct().where(
                fault.instance_id == instance_id,
                fault.deleted == sa.false())).scalars())


def _of_projects(query, project_ids):
    if project_ids is None:
        return query
    column = models.InstanceFault.project_id
    named = [project for project in project_ids if project is not None]
    clauses = [column.in_(named)] if named else []
    if None in project_ids:
        clauses.append(column.is_(None))
    return query.where(sa.or_(*clauses) if clauses else sa.false())


def resolve_faults(instance_id, resolved_at, project_ids=None):
    """Mark every unresolved, non-deleted fault of a resource resolved.

    :param instance_id: the resource's id.
    :param resolved_at: the naive UTC time of the resolution.
    :param project_ids: only the faults of these projects (``None`` in it
        for faults of no project); every fault when ``None``.
    :returns: how many faults were marked.
    """
    fault = models.InstanceFault
    with db_engine.writer() as session:
        return session.execute(_of_projects(
            sa.update(fault)
            .where(fault.instance_id == instance_id,
                   fault.deleted == sa.false(),
                   fault.resolved_at.is_(None)), project_ids)
            .values(resolved_at=resolved_at)).rowcount


def soft_delete_faults(instance_id, deleted_at, project_ids=None):
    """Mark every fault of an instance deleted.

    :param instance_id: the instance's id.
    :param deleted_at: the naive UTC time of the deletion.
    :param project_ids: as :func:`resolve_faults` takes them.
    :returns: how many faults were marked.
    """
    fault = models.InstanceFault
    with db_engine.writer() as session:
        result = session.execute(_of_projects(
            sa.update(fault)
            .where(fault.instance_id == instance_id,
                   fault.deleted == sa.false()), project_ids)
            .values(deleted=True, deleted_at=deleted_at, updated=deleted_at))
        return result.rowcount


def purge_faults(cutoff, batch_size=1000):
    """Delete, for good, every fault created before ``cutoff``.

    Deletes in batches so that no transaction holds locks on the whole
    table while a service keeps writing.

    :param cutoff: a naive UTC datetime.
    :param batch_size: how many rows one transaction deletes.
    :returns: how many faults were deleted.
    """
    fault = models.InstanceFault
    total = 0
    while True:
        with db_engine.writer() as session:
            ids = list(session.execute(
                sa.select(fault.id).where(fault.created < cutoff)
                .limit(batch_size)).scalars())
            if not ids:
                return total
            session.execute(sa.delete(fault).where(fault.id.in_(ids)))
        total += len(ids)
