"""Read the request log: entries, tasks, what happened in between, lines.

Who sees what is decided here, from the caller's context and the policy
rule ``fault_persist:request_log:all_projects``: without it a caller sees
only its own project's entries and tasks. :mod:`fault_persist.db.request_log`
only queries.
"""

import re

from oslo_log import log as logging
from oslo_utils import timeutils

from fault_persist import config
from fault_persist.db import request_log as db_request_log
from fault_persist import exception
from fault_persist import faults
from fault_persist import policies
from fault_persist import policy
from fault_persist import query_arguments
from fault_persist import request_log_text as text

LOG = logging.getLogger(__name__)

# Page size of request_log_lines when it reads the whole log.
LINES_PAGE_SIZE = 500


def _scope(ctxt):
    return query_arguments.project_scope(ctxt,
                                         policies.REQUEST_LOG_ALL_PROJECTS)


def _project(ctxt, project_id):
    return query_arguments.confine(ctxt, policies.REQUEST_LOG_ALL_PROJECTS,
                                   project_id, 'read the request log')


def _status(value):
    if value is None:
        return None
    status = value
    if isinstance(value, str) and value.isascii() and value.isdecimal() \
            and len(value) == 4:
        status = int(value)
    if isinstance(status, bool) or status not in text.STATUSES:
        raise exception.InvalidField(
            field='status', value=value,
            reason='not one of %s' % ', '.join(map(str, text.STATUSES)))
    return status


# A locale name: language, then region or script; never a path.
_LOCALE = re.compile(r'[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*\Z')


def _locale(value):
    if value is None:
        return None
    if not isinstance(value, str) or not value.isascii() or (
            not _LOCALE.match(value)):
        raise exception.InvalidField(
            field='locale', value=value,
            reason='not a locale name such as pt_BR')
    return value


# Free-text filters of the request log, and the width of their columns.
_TEXT_FILTERS = {'app': 64, 'user': 64, 'ip': 64, 'req': 16,
                 'instance_id': 64, 'request_id': 64}


def _iso(value):
    # The same text as strftime(faults.ISO8601_UTC), at a fraction of the
    # cost.
    if value is None:
        return None
    return value.isoformat(timespec='seconds') + 'Z'


def entry_views(rows):
    """The dicts of stored entries.

    :param rows: rows of ``request_log``.
    :returns: a list of dicts with ``id``, ``created`` (ISO 8601 UTC),
        ``req``, ``user``, ``ip``, ``status``, ``app``, ``msg_code``,
        ``detail_code``, ``detail_message``, ``task_id``, ``target``,
        ``message`` (English), ``request_id``, ``instance_id``,
        ``project_id``, ``event_type`` and ``message_id``.
    """
    if not rows:
        return []
    # The keys once per page: listing pages is what the log is read by.
    keys = tuple('user' if key == 'user_id' else key
                 for key in rows[0]._fields)
    views = []
    for row in rows:
        view = dict(zip(keys, row))
        view['created'] = _iso(view['created'])
        views.append(view)
    return views


def _duration(task, now):
    start = task.started_at
    if start is None:
        return None
    end = task.ended_at or now
    # Clocks of different hosts may disagree by a little.
    return max((end - start).total_seconds(), 0.0)


def task_view(row, now=None):
    """The dict of one stored task.

    :param row: a row of ``request_log_tasks``.
    :param now: naive UTC "now", for the running time of a running task.
    :returns: a dict with ``task_id``, ``app``, ``action``, ``target``,
        ``status``, ``running``, ``started`` and ``ended`` (ISO 8601 UTC or
        ``None`` when not seen), ``duration`` (seconds from start to end,
        or to now while running; ``None`` when the start was never seen),
        ``request_id``, ``instance_id``, ``project_id`` and ``user_id``.
    """
    return {
        'task_id': row.id,
        'app': row.app,
        'action': row.action,
        'target': row.target,
        'status': row.status,
        'running': row.status == text.STARTED,
        'started': _iso(row.started_at),
        'ended': _iso(row.ended_at),
        'duration': _duration(row, now or timeutils.utcnow()),
        'request_id': row.request_id,
        'instance_id': row.instance_id,
        'project_id': row.project_id,
        'user_id': row.user_id,
    }


def _task_id(value):
    return query_arguments.integer(value, 'task_id',
                                   query_arguments.TASK_ID_MAX,
                                   required=True)


def _entry_marker(value):
    return query_arguments.integer(value, 'marker')


def visible_task(ctxt, task_id, rule=policies.REQUEST_LOG_ALL_PROJECTS):
    """A task the caller may see (or, with another rule, continue).

    Its own project's task (compared exactly), or one ``rule`` allows
    with the target ``{'project_id': <the task's project>}``.

    :raises: :class:`~fault_persist.exception.TaskNotFound` alike for a
        task that does not exist and for one the caller may not see: the
        error never tells which ids exist.
    """
    task_id = _task_id(task_id)
    row = db_request_log.get_task(task_id)
    if row is None or not query_arguments.may_read_project(
            ctxt, rule, row.project_id):
        raise exception.TaskNotFound(task_id=task_id)
    return row


def _text_filters(**values):
    return {name: query_arguments.text(value, name, _TEXT_FILTERS[name])
            for name, value in values.items()}


def get_task(context, task_id):
    """A task's start, end, status and duration (or running time).

    :param context: the caller's ``RequestContext``.
    :param task_id: the task's id, as the request log shows it.
    :returns: the dict of :func:`task_view`.
    :raises: :class:`~fault_persist.exception.TaskNotFound` when there is
        no such task or the caller may not see it.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    return task_view(visible_task(ctxt, task_id))


def list_tasks(context, app=None, status=None, instance_id=None,
               request_id=None, project_id=None, user=None, limit=None,
               marker=None):
    """Tasks, newest first, a page at a time.

    :param context: the caller's ``RequestContext``; without the rule
        ``fault_persist:request_log:all_projects`` only its project's
        tasks are listed.
    :param app: only this service's tasks, e.g. ``trove``.
    :param status: only tasks in this status: 1000 running, 1001
        completed, 1002 failed.
    :param instance_id: only the tasks of this instance.
    :param request_id: only the tasks of this request.
    :param project_id: only this project's tasks.
    :param user: only the tasks of this user id.
    :param limit: the page size, at most ``[api] max_limit`` (larger
        ones are reduced to it); ``max_limit`` when ``None``.
    :param marker: the ``task_id`` of the last task of the previous page.
    :returns: a list of :func:`task_view` dicts.
    :raises: :class:`~fault_persist.exception.Forbidden`,
        :class:`~fault_persist.exception.InvalidMarker`,
        :class:`~fault_persist.exception.InvalidField`.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    filters = _text_filters(app=app, instance_id=instance_id,
                            request_id=request_id, user=user)
    filters['user_id'] = filters.pop('user')
    filters['status'] = _status(status)
    marker = query_arguments.integer(marker, 'marker',
                                     query_arguments.TASK_ID_MAX)
    project_id = _project(ctxt, project_id)
    limit = query_arguments.page_limit(limit)
    try:
        rows = db_request_log.list_tasks(
            {name: value for name, value in filters.items()
             if value is not None},
            project_id=project_id, limit=limit, marker=marker)
    except LookupError:
        raise exception.InvalidMarker(marker=marker)
    now = timeutils.utcnow()
    return [task_view(row, now) for row in rows]


def _entry_filters(ctxt, app=None, user=None, ip=None, req=None,
                   status=None, since=None, before=None, task_id=None,
                   instance_id=None, request_id=None, project_id=None):
    """The checked arguments of :func:`db_request_log.list_request_log`."""
    filters = _text_filters(app=app, user=user, ip=ip, req=req,
                            instance_id=instance_id, request_id=request_id)
    filters['user_id'] = filters.pop('user')
    filters.update(status=_status(status), task_id=None if task_id is None
                   else _task_id(task_id))
    return {'filters': {name: value for name, value in filters.items()
                        if value is not None},
            'project_id': _project(ctxt, project_id),
            'since': query_arguments.utc_time(since, 'since'),
            'before': query_arguments.utc_time(before, 'before')}


def _entry_rows(query, limit, marker):
    try:
        return db_request_log.list_request_log(limit=limit, marker=marker,
                                               **query)
    except LookupError:
        raise exception.InvalidMarker(marker=marker)


def list_request_log(context, app=None, user=None, ip=None, req=None,
                     status=None, since=None, before=None, task_id=None,
                     instance_id=None, request_id=None, project_id=None,
                     limit=None, marker=None):
    """Request-log entries, newest first, a page at a time.

    Every filter given must hold. Example, the failures of Trove tasks
    since a date, 50 at a time::

        page = fault_persist.list_request_log(
            context, app='trove', status=1002, since='2026-11-01T00:00:00Z',
            limit=50)
        more = fault_persist.list_request_log(
            context, app='trove', status=1002, since='2026-11-01T00:00:00Z',
            limit=50, marker=page[-1]['id'])

    :param context: the caller's ``RequestContext``; without the rule
        ``fault_persist:request_log:all_projects`` only its project's
        entries are listed.
    :param app: the service, e.g. ``trove``.
    :param user: the user id.
    :param ip: the client's address.
    :param req: the request kind; ``TASK`` for every entry kept today.
    :param status: 1000 started, 1001 completed, 1002 failed.
    :param since: datetime or ISO 8601 text; entries at or after it.
    :param before: datetime or ISO 8601 text; entries before it.
    :param task_id: the entries of this task.
    :param instance_id: the entries about this instance.
    :param request_id: the entries of this request.
    :param project_id: only this project's entries.
    :param limit: the page size, at most ``[api] max_limit`` (larger
        ones are reduced to it); ``max_limit`` when ``None``.
    :param marker: the ``id`` of the last entry of the previous page.
    :returns: a list of :func:`entry_views` dicts.
    :raises: :class:`~fault_persist.exception.Forbidden`,
        :class:`~fault_persist.exception.InvalidMarker`,
        :class:`~fault_persist.exception.InvalidField`,
        :class:`~fault_persist.exception.InvalidTimeRange`.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    query = _entry_filters(
        ctxt, app=app, user=user, ip=ip, req=req, status=status,
        since=since, before=before, task_id=task_id,
        instance_id=instance_id, request_id=request_id,
        project_id=project_id)
    return entry_views(_entry_rows(query, query_arguments.page_limit(limit),
                                   _entry_marker(marker)))


def entries_between(context, task_id, limit=None, marker=None):
    """The entries logged while a task ran: from its start to its end.

    Oldest first, the task's own entries included. A running task's
    window ends now; a task whose start was never seen begins at its end.

    :param context: the caller's ``RequestContext``; without the rule
        ``fault_persist:request_log:all_projects`` it sees only its
        project's tasks and entries.
    :param task_id: the task's id.
    :param limit: the page size, at most ``[api] max_limit`` (larger
        ones are reduced to it); ``max_limit`` when ``None``.
    :param marker: the ``id`` of the last entry of the previous page.
    :returns: a list of :func:`entry_views` dicts.
    :raises: :class:`~fault_persist.exception.TaskNotFound`,
        :class:`~fault_persist.exception.InvalidMarker`.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    task = visible_task(ctxt, task_id)
    limit = query_arguments.page_limit(limit)
    marker = _entry_marker(marker)
    # The entries of the task's project only, unless the caller reads
    # every project.
    scope = _scope(ctxt)
    if scope is not None:
        scope = task.project_id or ''
    try:
        task, rows = db_request_log.task_window(
            task.id, timeutils.utcnow(), project_id=scope, limit=limit,
            marker=marker)
    except LookupError:
        raise exception.InvalidMarker(marker=marker)
    if task is None:
        raise exception.TaskNotFound(task_id=task_id)
    return entry_views(rows)


def request_log_lines(context, locale=None, **filters):
    """The request log as text lines, newest first.

    The display zone is ``[fault_persist] log_timezone``. Example, for a
    failed task of app ``kimchi`` shown in ``BRT=-03:00``::

        [2016-08-12 11:49:55 BRT] TASK  1002 kimchi   Failure on Kimchi
        task ID 100: /plugins/kimchi/vms/name/clone (KCHVM0001E failed to
        clone vm 'name')

    (one line; wrapped here). A streaming export: without ``limit`` every
    matching entry is given, read a page of :data:`LINES_PAGE_SIZE` at a
    time so that memory stays bounded whatever the size of the log; a
    ``limit`` is not reduced to ``[api] max_limit``.

    :param context: the caller's ``RequestContext``.
    :param locale: the reader's locale for the messages; English (as
        stored) when ``None``.
    :param filters: the filters, ``limit`` and ``marker`` of
        :func:`list_request_log`.
    :returns: an iterator of lines, without line breaks.
    :raises: as :func:`list_request_log`, and
        :class:`~fault_persist.exception.InvalidTimezone`.
    """
    conf = config.get_conf()
    ctxt = policy.request_context(context)
    zone = text.display_zone(conf.fault_persist.log_timezone)
    locale = _locale(locale)
    # A streaming export: read a page of LINES_PAGE_SIZE at a time, so
    # memory stays bounded, and give every matching line unless a limit
    # is given; the limit is not reduced to [api] max_limit.
    limit = query_arguments.page_limit(filters.pop('limit', None),
                                       clamp=False)
    marker = _entry_marker(filters.pop('marker', None))
    # Bad filters raise here, not at the first line.
    query = _entry_filters(ctxt, **filters)
    return _lines(query, zone, locale, limit, marker)


def _lines(query, zone, locale, limit, marker):
    remaining = limit
    while remaining is None or remaining > 0:
        page_size = min(LINES_PAGE_SIZE, remaining or LINES_PAGE_SIZE)
        rows = _entry_rows(query, page_size, marker)
        for row in rows:
            yield text.line(_line_fields(row), zone, locale)
        if len(rows) < page_size:
            return
        marker = rows[-1].id
        if remaining is not None:
            remaining -= len(rows)


def _line_fields(row):
    fields = row._asdict()
    fields['user'] = fields['user_id']
    return fields


def purge_request_log(older_than):
    """Delete for good the request-log entries created before a cut-off.

    Tasks left without entries go too.

    :param older_than: a ``timedelta`` age, a number of days, or a
        datetime cut-off (naive datetimes are UTC).
    :returns: how many entries were deleted.
    """
    config.get_conf()
    cutoff = faults.cutoff_time(older_than)
    entries, tasks = db_request_log.purge_request_log(cutoff)
    LOG.info('Purged %(entries)d request-log entries and %(tasks)d tasks '
             'created before %(cutoff)s',
             {'entries': entries, 'tasks': tasks,
              'cutoff': cutoff.isoformat()})
    return entries
