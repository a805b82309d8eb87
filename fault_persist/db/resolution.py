"""Resolution: the statements that resolve faults from the request log.

A fault is resolved at the earliest "completed" request-log entry of its
resource created after it, whichever of the two is stored first: each
side looks for the other when it is stored, in the transaction that
stores it (for faults :func:`resolve_new_faults`, or, on PostgreSQL and
SQLite, :func:`resolved_at_of` in the insert itself;
:func:`resolve_stored_faults` for entries). Times are the events' own, so
arrival order does not matter.
"""

import bisect

import sqlalchemy as sa

from fault_persist.db import models
from fault_persist import request_log_text as text

#: The resource type of a fault that names no resource; never resolved by
#: a task, never in a show view.
HOST = 'host'
#: The resource type of a fault row that gives none.
DEFAULT_RESOURCE_TYPE = 'instance'

_FAULTS = models.InstanceFault.__table__
_LOG = models.RequestLogEntry.__table__

_COMPLETED_AFTER = sa.select(_LOG.c.instance_id, _LOG.c.created).where(
    _LOG.c.instance_id.in_(sa.bindparam('instance_ids', expanding=True)),
    _LOG.c.status == text.COMPLETED,
    _LOG.c.created > sa.bindparam('earliest')).order_by(
    _LOG.c.instance_id, _LOG.c.created)


def resolve_new_faults(connection, rows, resolve):
    """``rows`` as they are inserted: each with its ``resolved_at``.

    One look-up (a range of ``request_log_instance_id_created_idx`` per
    resource) finds the completed entries of the rows' resources created
    after the earliest row; a row is resolved by the first one after it.

    :param connection: a connection in the writer's transaction.
    :param rows: fault rows not stored yet.
    :param resolve: ``False`` leaves every row unresolved.
    :returns: copies of ``rows`` with ``resolved_at`` (and
        ``resource_type``, ``instance`` when missing).
    """
    rows = [dict(row, resolved_at=None,
                 resource_type=(row.get('resource_type')
                                or DEFAULT_RESOURCE_TYPE))
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


def resolved_at_of(instance_id, created, resource_type):
    """The ``resolved_at`` of a fault as it is inserted, in SQL.

    What :func:`resolve_new_faults` works out, as an expression of the
    inserted row: the earliest completed entry of its resource created
    after it (a range of ``request_log_instance_id_created_idx``), for a
    fault that is not a host's.

    :param instance_id: the fault's ``instance_id``, an SQL expression.
    :param created: its ``created``.
    :param resource_type: its ``resource_type``.
    """
    completed = sa.select(sa.func.min(_LOG.c.created)).where(
        _LOG.c.instance_id == instance_id,
        _LOG.c.status == text.COMPLETED,
        _LOG.c.created > created).scalar_subquery()
    return sa.case((resource_type != HOST, completed), else_=sa.null())


def resolve_stored_faults(connection, entries):
    """Resolve the stored faults that ``entries`` complete a task after.

    One UPDATE per batch. It touches the faults of the batch's resources
    that a completed entry of the batch may resolve (created before the
    latest of them, not resolved before the earliest), and gives each the
    earliest completed entry of its resource after it, unless it was
    resolved earlier (e.g. by
    :func:`~fault_persist.db.faults.resolve_faults`). Stored entries
    count too, so the result is that of the definition whatever the order
    of arrival, and storing the batch again changes nothing.

    :param connection: the connection that inserted them.
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
