"""Queries of the fault_persist tables, scoped by oslo.db's enginefacade.

fault_persist keeps its *own* transaction context manager,
:data:`context_manager`, so its sessions never join a transaction of the
host service even when both live in one database. Callers pass no session:
each function here opens its transaction with ``writer``/``reader`` on a
private scope object.
"""

import os

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_db import options as db_options
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import utils as db_utils
import sqlalchemy as sa

from fault_persist.db import models

database_opts = [
    cfg.StrOpt('connection',
               secret=True,
               help='SQLAlchemy URL of the database that holds the '
                    'fault_persist tables. When unset, the host service\'s '
                    '[database] connection is used; when that is unset too, '
                    'a SQLite file under state_path.'),
    cfg.StrOpt('state_path',
               default='/var/lib/fault_persist',
               help='Directory of fault_persist\'s local state: the embedded '
                    'SQLite database when no connection is configured, and '
                    'the spool.'),
    cfg.BoolOpt('auto_migrate',
                default=False,
                help='Upgrade the fault_persist schema when fault_persist is '
                     'initialised. Convenient with the embedded SQLite '
                     'database; with a shared database run '
                     '"fault-persist-manage db sync" instead.'),
    cfg.IntOpt('db_max_retries',
               default=0, min=-1,
               help='How many times to retry the first connection to the '
                    'database, -1 for ever. The default, 0, never makes the '
                    'host wait at start up: records are kept and stored once '
                    'the database answers.'),
    cfg.IntOpt('db_connect_timeout',
               default=5, min=1,
               help='Seconds to wait for a connection to the database '
                    'server before counting it as unavailable (MySQL, '
                    'MariaDB and PostgreSQL), so an unreachable server '
                    'never hangs a capture.'),
]

SQLITE_FILE_NAME = 'fault_persist.sqlite'
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


def _engine_url(url, connect_timeout):
    """``url`` with what our engine needs on top of the configured one.

    On MySQL our engine speaks utf8mb4 even when the host's URL asks for
    the three-byte ``utf8``: our tables are utf8mb4, and a message may
    carry any character. On MySQL and PostgreSQL a connection attempt is
    bounded by ``connect_timeout`` unless the URL sets its own. The host's
    own engine is not affected.
    """
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    extra = {}
    if backend in ('mysql', 'mariadb', 'postgresql'):
        if 'connect_timeout' not in parsed.query:
            extra['connect_timeout'] = str(connect_timeout)
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
    context_manager.configure(
        connection=_engine_url(url, conf.fault_persist.db_connect_timeout),
        max_retries=conf.fault_persist.db_max_retries,
        sqlite_fk=True)


def get_engine():
    """The writer engine, started on first use."""
    return context_manager.writer.get_engine()


def _writer():
    return context_manager.writer.using(_Scope())


def _reader():
    return context_manager.reader.using(_Scope())


def add_faults(rows):
    """Insert fault rows, once each, whatever was stored before.

    Idempotent on ``message_id``: a row whose ``message_id`` is already
    stored is not inserted again, and its stored id is returned instead.

    :param rows: a list of dicts of :class:`~models.InstanceFault` columns,
        each with ``id`` and ``message_id``.
    :returns: the stored id of each row, in order.
    """
    if not rows:
        return []
    try:
        return _add_faults_once(rows)
    except db_exc.DBDuplicateEntry:
        # Another writer stored one of these between our look-up and our
        # insert: settle each row on its own.
        return [_add_faults_once([row])[0] for row in rows]


def _add_faults_once(rows):
    message_ids = list({row['message_id'] for row in rows})
    with _writer() as session:
        stored = dict(session.execute(
            sa.select(models.InstanceFault.message_id,
                      models.InstanceFault.id)
            .where(models.InstanceFault.message_id.in_(message_ids))).all())
        fresh = []
        for row in rows:
            if row['message_id'] not in stored:
                stored[row['message_id']] = row['id']
                fresh.append(row)
        if fresh:
            session.execute(sa.insert(models.InstanceFault), fresh)
    return [stored[row['message_id']] for row in rows]


def _visible(query, project_id):
    query = query.where(models.InstanceFault.deleted.is_(False))
    if project_id is not None:
        query = query.where(models.InstanceFault.project_id == project_id)
    return query


def get_latest_fault(instance_id, project_id=None):
    """The newest non-deleted fault of an instance, or ``None``.

    :param instance_id: the instance's id.
    :param project_id: when given, only that project's faults count.
    :returns: an :class:`~models.InstanceFault` or ``None``.
    """
    fault = models.InstanceFault
    with _reader() as session:
        query = _visible(sa.select(fault), project_id).where(
            fault.instance_id == instance_id).order_by(
            fault.created.desc(), fault.id.desc()).limit(1)
        return session.execute(query).scalars().first()


def list_faults(instance_id=None, project_id=None, since=None, before=None,
                limit=None, marker=None):
    """Non-deleted faults, newest first, a page at a time.

    :param instance_id: only this instance's faults.
    :param project_id: only this project's faults.
    :param since: only faults created at or after this naive UTC datetime.
    :param before: only faults created before this naive UTC datetime.
    :param limit: the largest number of faults returned.
    :param marker: the id of the last fault of the previous page.
    :returns: a list of :class:`~models.InstanceFault`.
    :raises: :class:`LookupError` when ``marker`` is not a visible fault.
    """
    fault = models.InstanceFault
    with _reader() as session:
        query = _visible(sa.select(fault), project_id)
        if instance_id is not None:
            query = query.where(fault.instance_id == instance_id)
        if since is not None:
            query = query.where(fault.created >= since)
        if before is not None:
            query = query.where(fault.created < before)
        marker_row = None
        if marker is not None:
            marker_row = session.execute(
                _visible(sa.select(fault), project_id).where(
                    fault.id == marker)).scalars().first()
            if marker_row is None:
                raise LookupError(marker)
        query = db_utils.paginate_query(
            query, fault, limit, ['created', 'id'], marker=marker_row,
            sort_dir='desc')
        return list(session.execute(query).scalars())


def soft_delete_faults(instance_id, deleted_at):
    """Mark every fault of an instance deleted.

    :param instance_id: the instance's id.
    :param deleted_at: the naive UTC time of the deletion.
    :returns: how many faults were marked.
    """
    fault = models.InstanceFault
    with _writer() as session:
        result = session.execute(
            sa.update(fault)
            .where(fault.instance_id == instance_id,
                   fault.deleted.is_(False))
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
