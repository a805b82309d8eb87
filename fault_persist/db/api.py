"""Queries of the fault_persist tables, scoped by oslo.db's enginefacade.

fault_persist keeps its *own* transaction context manager,
:data:`context_manager`, so its sessions never join a transaction of the
host service even when both live in one database. Callers pass no session:
each function here opens its transaction with ``writer``/``reader`` on a
private scope object.
"""

import bisect
import os

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db import options as db_options
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as db_utils
import sqlalchemy as sa

from fault_persist.db import models
from fault_persist.db import task_upsert
from fault_persist import request_log_text as text

SQLITE_FILE_NAME = 'fault_persist.sqlite'
#: What a database failure raises: oslo.db's exceptions, and the
#: OperationalError oslo.db passes on untranslated (e.g. SQLite's "database
#: is locked"). Callers that must not fail catch these.
DATABASE_ERRORS = (db_exc.DBError, sa.exc.OperationalError)


def error_reason(exc):
    """One line saying why the database failed, for an operator.

    :param exc: one of :data:`DATABASE_ERRORS`.
    """
    inner = getattr(exc, 'inner_exception', None) or exc
    # SQLAlchemy appends a "Background on this error" link line.
    return str(inner).strip().splitlines()[0]


#: The transaction context manager of every fault_persist query.
context_manager = enginefacade.transaction_context()


@enginefacade.transaction_context_provider
class _Scope:
    """A private holder of transaction state; never the host's context."""


def connection_url(conf):
    """The database URL fault_persist uses with ``conf``.

    :param conf: an oslo.config ``ConfigOpts`` with our options registered.
    :returns: ``[fault_persist] connection``, else ``[database] connection``,
        else a SQLite file under ``[fault_persist] state_path``.
    """
    if conf.fault_persist.connection:
        return conf.fault_persist.connection
    db_options.set_defaults(conf)
    if conf.database.connection:
        return conf.database.connection
    path = os.path.join(conf.fault_persist.state_path, SQLITE_FILE_NAME)
    return 'sqlite:///' + path


def _engine_url(url, connect_timeout, statement_timeout=0):
    """``url`` with what our engine needs on top of the configured one.

    On MySQL our engine speaks utf8mb4 even when the host's URL asks for
    the three-byte ``utf8``: our tables are utf8mb4, and a message may
    carry any character. On MySQL and PostgreSQL a connection attempt is
    bounded by ``connect_timeout`` unless the URL sets its own, and, with
    a ``statement_timeout`` (seconds), a statement or a lock wait is
    bounded too unless the URL sets its own options: PostgreSQL's
    ``statement_timeout`` and ``lock_timeout``, MySQL's
    ``innodb_lock_wait_timeout`` and the client's ``read_timeout`` and
    ``write_timeout`` (a server that stops answering). The host's own
    engine is not affected.
    """
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    extra = {}
    if backend in ('mysql', 'mariadb', 'postgresql'):
        if 'connect_timeout' not in parsed.query:
            extra['connect_timeout'] = str(connect_timeout)
    if statement_timeout and backend == 'postgresql' and (
            'options' not in parsed.query):
        milliseconds = statement_timeout * 1000
        extra['options'] = '-c statement_timeout=%d -c lock_timeout=%d' % (
            milliseconds, milliseconds)
    if statement_timeout and backend in ('mysql', 'mariadb'):
        for name in ('read_timeout', 'write_timeout'):
            if name not in parsed.query:
                extra[name] = str(statement_timeout)
        if 'init_command' not in parsed.query:
            extra['init_command'] = (
                'SET SESSION innodb_lock_wait_timeout=%d' % statement_timeout)
    if backend in ('mysql', 'mariadb') and (
            parsed.query.get('charset', 'utf8') in ('utf8', 'utf8mb3')):
        extra['charset'] = 'utf8mb4'
    if not extra:
        return url
    parsed = parsed.update_query_dict(extra)
    return parsed.render_as_string(hide_password=False)


def configure(conf):
    """Point :data:`context_manager` at the configured database.

    A second call, or a call once the engine has started (as when a test
    fixture has replaced the engine), leaves the engine as it is.

    :param conf: an oslo.config ``ConfigOpts`` with our options registered.
    """
    if context_manager.is_started:
        return
    url = connection_url(conf)
    if url.startswith('sqlite:///') and url != 'sqlite:///:memory:':
        directory = os.path.dirname(url[len('sqlite:///'):])
        if directory:
            os.makedirs(directory, exist_ok=True)
    configure_facade(context_manager, url,
                     conf.fault_persist.db_connect_timeout,
                     conf.fault_persist.db_statement_timeout,
                     conf.fault_persist.db_max_retries)


def configure_facade(facade, url, connect_timeout=5, statement_timeout=0,
                     max_retries=0):
    """Configure an enginefacade ``facade`` as fault_persist's own.

    :func:`configure` does it for :data:`context_manager`; benchmarks and
    tools do it for a facade they patch in.

    :param facade: an unstarted ``enginefacade.transaction_context()``.
    :param url: the database's SQLAlchemy URL.
    """
    facade.configure(
        connection=_engine_url(url, connect_timeout, statement_timeout),
        max_retries=max_retries,
        sqlite_fk=True,
        # oslo.db's sleep(0) at every check-in lets other (green) threads
        # run; our transactions are one or two short statements, and the
        # yield cost a show view more than its query (a scheduler round
        # on a busy host). The host's own engine keeps its setting.
        thread_checkin=False)
    facade.append_on_engine_create(_keep_sqlite_connections)


def _keep_sqlite_connections(engine):
    """Keep connections to a SQLite file open between transactions.

    oslo.db gives a SQLite file a ``NullPool``: every transaction opens
    the file again, and SQLite parses the schema again at its first
    statement, several times the cost of a show view's query. A
    ``QueuePool`` keeps them, as SQLAlchemy 2 does for a file by default
    (its pysqlite dialect turns ``check_same_thread`` off for files);
    pooled connections hold no lock between transactions, and
    :func:`forget_inherited_connections` still empties the pool after a
    fork. Other backends pool already.
    """
    pool = engine.pool
    if engine.dialect.name != 'sqlite' or not isinstance(
            pool, sa.pool.NullPool) or not engine.url.database or (
            engine.url.database == ':memory:'):
        return
    # As Pool.recreate() does, keeping the listeners oslo.db set up.
    engine.pool = sa.pool.QueuePool(
        pool._creator, pool_size=5, max_overflow=10,
        recycle=pool._recycle, echo=pool.echo,
        logging_name=pool._orig_logging_name,
        reset_on_return=pool._reset_on_return, pre_ping=pool._pre_ping,
        _dispatch=pool.dispatch, dialect=pool._dialect)
    pool.dispose()


def get_engine():
    """The writer engine, started on first use."""
    return context_manager.writer.get_engine()


def forget_inherited_connections():
    """In a forked process: leave the parent's pooled connections alone.

    A connection is one socket; two processes talking on it corrupt both
    conversations. ``dispose(close=False)`` empties this process's pool
    without closing the parent's connections, and it opens its own.
    """
    if context_manager.is_started:
        get_engine().dispose(close=False)


def _writer():
    return context_manager.writer.using(_Scope())


def _reader():
    return context_manager.reader.using(_Scope())


def _sqlite_busy(exc):
    """Whether SQLite refused a write because another one holds the lock.

    Two SQLite transactions that both read before they write (every insert
    here first looks for what is stored already) cannot both upgrade to
    the write lock: one gets "database is locked" at once, whatever the
    busy timeout. It succeeds when tried again after the other commits.
    The notifier's writer thread and a direct call may write together.
    """
    # oslo.db hands OperationalError on as it is.
    return (isinstance(exc, sa.exc.OperationalError)
            and 'database is locked' in str(exc.orig))


_FAULTS = models.InstanceFault.__table__
#: The resource type of a fault that names no resource; never resolved by
#: a task, never in a show view.
HOST = 'host'
# Built once: a capture runs these for every batch, and SQLAlchemy then
# finds them in its compiled cache without working out their cache keys.
_INSERT_FAULTS = sa.insert(_FAULTS)
_STORED_FAULT_IDS = sa.select(_FAULTS.c.message_id, _FAULTS.c.id).where(
    _FAULTS.c.message_id.in_(sa.bindparam('message_ids', expanding=True)))


@oslo_db_api.wrap_db_retry(max_retries=10, retry_interval=0.01,
                           inc_retry_interval=True, max_retry_interval=0.5,
                           exception_checker=_sqlite_busy)
def add_faults(rows, resolve=True):
    """Insert fault rows, once each, whatever was stored before.

    Idempotent on ``message_id``: a row whose ``message_id`` is already
    stored is not inserted again, and its stored id is returned instead.

    :param rows: a list of dicts of :class:`~models.InstanceFault` columns,
        each with ``id`` and ``message_id``.
    :param resolve: store a row resolved when its resource completed a
        task after it (see :func:`_resolve_new_faults`).
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
    with _write_connection() as connection:
        return _add_faults_on(connection, rows, resolve=resolve)


def _add_faults_on(connection, rows, look_up=True, resolve=True):
    """Insert the rows not stored yet; the stored id of each row.

    :param look_up: look for rows stored before; without, a row stored
        before makes the insert fail with ``DBDuplicateEntry``.
    :param resolve: as :func:`add_faults` takes it.
    """
    if not rows:
        return []
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
        connection.execute(_INSERT_FAULTS,
                           _resolve_new_faults(connection, fresh, resolve))
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


def _shown_faults():
    """The faults a show view may return, newest first: Core, no ORM.

    Only the view's columns; each statement is built once, so SQLAlchemy
    finds it compiled in its cache on every call.
    """
    fault = _FAULTS.c
    # A range of instance_faults_instance_id_deleted_resolved_at_created_
    # idx, newest first. "= false", not "IS false": see _visible.
    return sa.select(fault.created, fault.message, fault.details,
                     fault.project_id).where(
        fault.instance_id == sa.bindparam('instance_id'),
        fault.deleted == sa.false(),
        fault.resolved_at.is_(None),
        fault.resource_type != HOST).order_by(
        fault.created.desc(), fault.id.desc())


_LATEST_FAULT = _shown_faults().limit(1)
_LATEST_FAULTS_OF_PROJECT = _shown_faults().where(
    _FAULTS.c.project_id == sa.bindparam('project_id'))


def get_latest_fault(instance_id, project_id=None):
    """The newest fault of a resource that shows, or ``None``.

    A fault shows while it is neither deleted nor resolved; a host's fault
    never shows.

    :param instance_id: the resource's id.
    :param project_id: when given, only that project's faults count.
    :returns: a row with ``created``, ``message``, ``details`` and
        ``project_id``, or ``None``.
    """
    with _read_connection() as connection:
        if project_id is None:
            return connection.execute(_LATEST_FAULT, {
                'instance_id': instance_id}).first()
        # The first of the project's, compared exactly (see exactly_of).
        for row in connection.execute(_LATEST_FAULTS_OF_PROJECT, {
                'instance_id': instance_id, 'project_id': project_id}):
            if row.project_id == project_id:
                return row
        return None


#: The most ids one statement of :func:`get_latest_faults` binds.
LATEST_FAULTS_CHUNK = 1000


def _latest_faults_statement():
    fault = _FAULTS.c
    order = (fault.created.desc(), fault.id.desc())
    ranked = sa.select(
        fault.instance_id, fault.created, fault.message, fault.details,
        fault.project_id,
        sa.func.row_number().over(partition_by=fault.instance_id,
                                  order_by=order).label('newest'),
        sa.func.row_number().over(
            partition_by=(fault.instance_id, fault.project_id),
            order_by=order).label('newest_of_project')).where(
        fault.instance_id.in_(sa.bindparam('instance_ids', expanding=True)),
        fault.deleted == sa.false(),
        fault.resolved_at.is_(None),
        fault.resource_type != HOST).subquery('ranked')
    return sa.select(
        ranked.c.instance_id, ranked.c.created, ranked.c.message,
        ranked.c.details, ranked.c.project_id, ranked.c.newest).where(
        sa.or_(ranked.c.newest == 1, sa.and_(
            ranked.c.newest_of_project == 1,
            ranked.c.project_id == sa.bindparam('project_id'))))


_LATEST_FAULTS = _latest_faults_statement()


def get_latest_faults(instance_ids, project_id=None):
    """The newest fault that shows of each of many resources: a page.

    One statement per :data:`LATEST_FAULTS_CHUNK` ids: the index
    ``instance_faults_instance_id_deleted_resolved_at_created_idx`` gives
    each resource's few unresolved faults, and ``ROW_NUMBER()`` ranks
    them, per resource and per resource and project, in that one pass
    (SQLite 3.25+, PostgreSQL, MariaDB 10.2+).

    :param instance_ids: the resources' ids, each once.
    :param project_id: the caller's project, or ``None``.
    :returns: ``{instance_id: (newest, newest_of_project)}`` for the
        resources with a fault that shows: ``newest`` the newest row (with
        ``created``, ``message``, ``details``, ``project_id``), and
        ``newest_of_project`` the newest of ``project_id`` (compared
        exactly), or ``None``.
    """
    latest = {}
    instance_ids = list(instance_ids)
    with _read_connection() as connection:
        for start in range(0, len(instance_ids), LATEST_FAULTS_CHUNK):
            rows = connection.execute(_LATEST_FAULTS, {
                'instance_ids': instance_ids[
                    start:start + LATEST_FAULTS_CHUNK],
                'project_id': project_id or ''})
            for row in rows:
                newest, own = latest.get(row.instance_id, (None, None))
                if row.newest == 1:
                    newest = row
                if project_id and row.project_id == project_id and (
                        own is None or row.newest == 1):
                    own = row
                latest[row.instance_id] = (newest, own)
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
    with _reader() as session:
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
            if marker_row is None or not exactly_of(project_id,
                                                    [marker_row]):
                raise LookupError(marker)
        query = db_utils.paginate_query(
            query, fault, limit, ['created', 'id'], marker=marker_row,
            sort_dir='desc')
        return exactly_of(project_id, session.execute(query).scalars())


def get_fault_by_id(fault_id):
    """One non-deleted fault by its id, or ``None``.

    Who may see it is the caller's decision (see ``faults``).

    :param fault_id: the fault's ``id``.
    :returns: an :class:`~models.InstanceFault` or ``None``.
    """
    fault = models.InstanceFault
    with _reader() as session:
        return session.execute(
            _visible(sa.select(fault), None).where(
                fault.id == fault_id)).scalars().first()


def exactly_of(project_id, rows):
    """The rows whose ``project_id`` is exactly ``project_id``.

    A project's records are compared exactly: a database collation that
    folds case or ignores trailing spaces (MariaDB's default) must not let
    ``'PROJ-B'`` or ``'proj-b '`` read project ``proj-b``.

    :param project_id: the project, or ``None`` for rows of any project.
    :param rows: rows with a ``project_id``.
    :returns: a list of the rows kept, in order.
    """
    if project_id is None:
        return list(rows)
    return [row for row in rows if row.project_id == project_id]


def fault_projects(instance_id):
    """The projects of the non-deleted faults of a resource.

    :param instance_id: the resource's id.
    :returns: a set of project ids (``None`` for faults of no project).
    """
    fault = models.InstanceFault
    with _reader() as session:
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
    with _writer() as session:
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
    with _writer() as session:
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
        with _writer() as session:
            ids = list(session.execute(
                sa.select(fault.id).where(fault.created < cutoff)
                .limit(batch_size)).scalars())
            if not ids:
                return total
            session.execute(sa.delete(fault).where(fault.id.in_(ids)))
        total += len(ids)


# The request log ---------------------------------------------------------
#
# Read and written through connections, not ORM sessions: the queries are
# Core statements over two tables, and the listing queries run often.

_LOG = models.RequestLogEntry.__table__
_TASKS = models.Task.__table__
_INSERT_ENTRIES = sa.insert(_LOG)
_STORED_ENTRY_TASKS = sa.select(_LOG.c.message_id, _LOG.c.task_id).where(
    _LOG.c.message_id.in_(sa.bindparam('message_ids', expanding=True)))

# Resolution ---------------------------------------------------------------
#
# A fault is resolved at the earliest "completed" request-log entry of its
# resource created after it, whichever of the two is stored first: each
# side looks for the other when it is stored. Times are the events' own,
# so arrival order does not matter.

_COMPLETED_AFTER = sa.select(_LOG.c.instance_id, _LOG.c.created).where(
    _LOG.c.instance_id.in_(sa.bindparam('instance_ids', expanding=True)),
    _LOG.c.status == text.COMPLETED,
    _LOG.c.created > sa.bindparam('earliest')).order_by(
    _LOG.c.instance_id, _LOG.c.created)


def _resolve_new_faults(connection, rows, resolve):
    """``rows`` as they are inserted: each with its ``resolved_at``.

    One look-up (a range of ``request_log_instance_id_created_idx`` per
    resource) finds the completed entries of the rows' resources created
    after the earliest row; a row is resolved by the first one after it.

    :param rows: fault rows not stored yet.
    :param resolve: ``False`` leaves every row unresolved.
    :returns: copies of ``rows`` with ``resolved_at`` (and
        ``resource_type``, ``instance`` when missing).
    """
    rows = [dict(row, resolved_at=None,
                 resource_type=row.get('resource_type') or 'instance')
            for row in rows]
    candidates = [row for row in rows if row['resource_type'] != HOST]
    if not (resolve and candidates):
        return rows
    completed = {}
    for instance_id, created in connection.execute(_COMPLETED_AFTER, {
            'instance_ids': list({row['instance_id'] for row in candidates}),
            'earliest': min(row['created'] for row in candidates)}):
        completed.setdefault(instance_id, []).append(created)
    for row in candidates:
        times = completed.get(row['instance_id'], ())
        later = bisect.bisect_right(times, row['created'])
        if later < len(times):
            row['resolved_at'] = times[later]
    return rows


def _resolve_stored_faults(connection, entries):
    """Resolve the stored faults that ``entries`` complete a task after.

    One UPDATE per batch. It touches the faults of the batch's resources
    that a completed entry of the batch may resolve (created before the
    latest of them, not resolved before the earliest), and gives each the
    earliest completed entry of its resource after it, unless it was
    resolved earlier (e.g. by :func:`resolve_faults`). Stored entries
    count too, so the result is that of the definition whatever the order
    of arrival, and storing the batch again changes nothing.

    :param entries: the entries just inserted, in this transaction.
    """
    done = [entry for entry in entries
            if entry['status'] == text.COMPLETED and entry['instance_id']]
    if done:
        connection.execute(_RESOLVE_STORED_FAULTS, {
            'instance_ids': list({entry['instance_id'] for entry in done}),
            'latest': max(entry['created'] for entry in done),
            'earliest': min(entry['created'] for entry in done)})


def _resolve_stored_faults_statement():
    fault, log = _FAULTS.c, _LOG.c
    earliest_completion = sa.select(sa.func.min(log.created)).where(
        log.instance_id == fault.instance_id,
        log.status == text.COMPLETED,
        log.created > fault.created,
        sa.or_(fault.resolved_at.is_(None),
               log.created < fault.resolved_at)).scalar_subquery()
    return sa.update(_FAULTS).where(
        fault.instance_id.in_(sa.bindparam('instance_ids', expanding=True)),
        fault.resource_type != HOST,
        fault.created < sa.bindparam('latest'),
        sa.or_(fault.resolved_at.is_(None),
               fault.resolved_at > sa.bindparam('earliest'))).values(
        resolved_at=sa.func.coalesce(earliest_completion, fault.resolved_at))


_RESOLVE_STORED_FAULTS = _resolve_stored_faults_statement()


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


def _read_connection():
    return context_manager.reader.connection.using(_Scope())


def _write_connection():
    return context_manager.writer.connection.using(_Scope())


def _settle_again(exc):
    # Another writer stored one of our entries or tasks first, or purged a
    # task we were adding to: a second pass sees what it did.
    return isinstance(exc, (db_exc.DBDuplicateEntry,
                            db_exc.DBReferenceError)) or _sqlite_busy(exc)


@oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.05,
                           inc_retry_interval=True, max_retry_interval=1,
                           retry_on_deadlock=True,
                           exception_checker=_settle_again)
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
        comes after (see :func:`_resolve_stored_faults`).
    :returns: ``(stored, task_ids)``: how many entries were stored by this
        call, and ``{message_id: task_id}`` of every entry given.
    :raises: oslo.db exceptions when the database fails; a second call
        with the same entries is then harmless.
    """
    with _write_connection() as connection:
        return _add_task_entries_on(connection, entries, resolve=resolve)


def _add_task_entries_on(connection, entries, look_up=True, resolve=True):
    """As :func:`add_task_entries`, in the transaction of ``connection``.

    :param look_up: as :func:`_add_faults_on` takes it.
    """
    if not entries:
        return 0, {}
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
    by_task = {}
    for entry in fresh.values():
        by_task.setdefault((entry['correlation_id'], entry['action']),
                           []).append(entry)
    task_ids = task_upsert.fold_entries(connection, by_task)
    rows = []
    for entry in fresh.values():
        row = {name: entry.get(name) for name in ENTRY_COLUMNS}
        row['task_id'] = task_ids[(entry['correlation_id'],
                                   entry['action'])]
        row['message'] = text.entry_message(row)
        rows.append(row)
        known[row['message_id']] = row['task_id']
    connection.execute(_INSERT_ENTRIES, rows)
    if resolve:
        _resolve_stored_faults(connection, rows)
    return len(rows), known


def add_captured(fault_rows, entries, resolve=True):
    """Store what a capture made of a batch, in one transaction.

    The faults and the request-log entries of a batch of notifications
    commit together: one round trip to commit instead of two, and never a
    fault without its request-log entry. Idempotent on ``message_id`` as
    :func:`add_faults` and :func:`add_task_entries` are.

    Most batches hold only notifications never stored, so the rows are
    first inserted without looking for them; when the database refuses
    one as stored before (a redelivery, a replay) or another writer gets
    in the way, the whole transaction is tried again, looking first.

    :param fault_rows: as :func:`add_faults` takes them.
    :param entries: as :func:`add_task_entries` takes them.
    :param resolve: as :func:`add_faults` and :func:`add_task_entries`
        take it.
    :returns: ``(fault_ids, entries_stored)``: the stored id of each fault
        row, and how many entries this call stored.
    :raises: oslo.db exceptions when the database fails; a second call
        with the same rows and entries is then harmless.
    """
    try:
        return _add_captured_once(fault_rows, entries, resolve,
                                  look_up=False)
    except DATABASE_ERRORS as exc:
        if not (_settle_again(exc) or isinstance(exc, db_exc.DBDeadlock)):
            raise
    return _add_captured_settling(fault_rows, entries, resolve)


def _add_captured_once(fault_rows, entries, resolve, look_up):
    with _write_connection() as connection:
        # Faults first: a completed entry of the batch then resolves the
        # faults of the batch it comes after too.
        fault_ids = _add_faults_on(connection, fault_rows, look_up, resolve)
        stored, _task_ids = _add_task_entries_on(connection, entries,
                                                 look_up, resolve)
    return fault_ids, stored


@oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.05,
                           inc_retry_interval=True, max_retry_interval=1,
                           retry_on_deadlock=True,
                           exception_checker=_settle_again)
def _add_captured_settling(fault_rows, entries, resolve):
    # After a conflict with another writer, a second pass sees what that
    # writer stored.
    return _add_captured_once(fault_rows, entries, resolve, look_up=True)


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
    with _read_connection() as connection:
        row = connection.execute(_visible_tasks(
            sa.select(_TASKS), project_id).where(
            _TASKS.c.id == task_id)).first()
    return next(iter(exactly_of(project_id, [row] if row else [])), None)


def list_tasks(filters=None, project_id=None, limit=None, marker=None):
    """Tasks, newest (highest id) first, a page at a time.

    :param filters: ``{column: value}`` equalities, columns from
        :data:`TASK_FILTERS`.
    :param project_id: only this project's tasks.
    :param limit: the largest number of tasks returned.
    :param marker: the id of the last task of the previous page.
    :returns: a list of rows of ``request_log_tasks``.
    """
    task = _TASKS.c
    query = _visible_tasks(sa.select(_TASKS), project_id)
    for name, value in (filters or {}).items():
        query = query.where(task[name] == value)
    if marker is not None:
        query = query.where(task.id < marker)
    query = query.order_by(task.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with _read_connection() as connection:
        if marker is not None and not exactly_of(
                project_id, connection.execute(_visible_tasks(
                    sa.select(task.project_id), project_id).where(
                    task.id == marker)).all()):
            raise LookupError(marker)
        return exactly_of(project_id, connection.execute(query))


def _visible_entries(query, project_id):
    if project_id is not None:
        query = query.where(_LOG.c.project_id == project_id)
    return query


def _marker_time(connection, marker, project_id):
    found = exactly_of(project_id, connection.execute(_visible_entries(
        sa.select(_LOG.c.created, _LOG.c.project_id), project_id).where(
        _LOG.c.id == marker)).all())
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

    :param filters: ``{column: value}`` equalities, columns from
        :data:`ENTRY_FILTERS`.
    :param project_id: only this project's entries.
    :param since: only entries created at or after this naive UTC time.
    :param before: only entries created before this naive UTC time.
    :param limit: the largest number of entries returned.
    :param marker: the id of the last entry of the previous page.
    :returns: a list of rows of ``request_log``.
    :raises: :class:`LookupError` when ``marker`` is not a visible entry.
    """
    log = _LOG.c
    query = _visible_entries(sa.select(_LOG), project_id)
    for name, value in (filters or {}).items():
        query = query.where(log[name] == value)
    if since is not None:
        query = query.where(log.created >= since)
    if before is not None:
        query = query.where(log.created < before)
    query = query.order_by(log.created.desc(), log.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with _read_connection() as connection:
        if marker is not None:
            created = _marker_time(connection, marker, project_id)
            # The first condition bounds the index range; the second
            # drops what the previous page showed at the marker's time.
            query = query.where(log.created <= created, sa.or_(
                log.created < created, log.id < marker))
        return exactly_of(project_id, connection.execute(query))


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
    with _read_connection() as connection:
        task = connection.execute(_visible_tasks(
            sa.select(_TASKS), project_id).where(
            _TASKS.c.id == task_id)).first()
        if task is None or exactly_of(project_id, [task]) == []:
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
        return task, exactly_of(project_id, connection.execute(query))


def purge_request_log(cutoff, batch_size=1000):
    """Delete, for good, the entries created before ``cutoff``.

    Deletes in batches, like :func:`purge_faults`. A task goes with its
    last entry; a task that gains an entry meanwhile stays.

    :param cutoff: a naive UTC datetime.
    :param batch_size: how many entries one transaction deletes.
    :returns: ``(entries, tasks)``: how many of each were deleted.
    """
    log, task = _LOG.c, _TASKS.c
    entries = tasks = 0
    while True:
        with _write_connection() as connection:
            rows = connection.execute(
                sa.select(log.id, log.task_id).where(log.created < cutoff)
                .limit(batch_size)).all()
            if not rows:
                return entries, tasks
            connection.execute(sa.delete(_LOG).where(
                log.id.in_([row[0] for row in rows])))
        entries += len(rows)
        try:
            with _write_connection() as connection:
                tasks += connection.execute(sa.delete(_TASKS).where(
                    task.id.in_({row[1] for row in rows}),
                    ~sa.exists().where(log.task_id == task.id))).rowcount
        except db_exc.DBReferenceError:
            # An entry of one of them arrived meanwhile: keep them all.
            pass
