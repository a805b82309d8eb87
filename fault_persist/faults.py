"""Faults: record them, read them for the ``show`` view, retire them.

This is the public face of the fault store. Presentation decisions (who
sees ``details``, which projects a caller may read) are made here, from
the caller's context and the policy; :mod:`fault_persist.db.faults` only
stores and queries.
"""

import collections.abc
import datetime
import re
import uuid

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fault_persist import config
from fault_persist.db import faults as db_faults
from fault_persist import exception
from fault_persist import policies
from fault_persist import policy
from fault_persist import query_arguments
from fault_persist import sanitize

LOG = logging.getLogger(__name__)

ID_MAX_CHARS = 64
#: The kind of resource of a fault when none is given.
DEFAULT_RESOURCE_TYPE = 'instance'
#: The kind of a fault that names no resource: ``instance_id`` holds the
#: host's name. Never in a show view; listed only for callers allowed
#: ``fault_persist:fault:hosts``.
HOST_RESOURCE_TYPE = db_faults.HOST
_RESOURCE_TYPE = re.compile(r'[a-z][a-z0-9_]*\Z')
# Optional columns a caller may set, and the width of each.
FIELD_WIDTHS = {
    'project_id': 64,
    'user_id': 64,
    'request_id': 64,
    'message_id': 64,
    'event_type': 255,
    'publisher_id': 255,
    'host': 255,
    'priority': 16,
    'code': 64,
    'resource_type': 32,
}
ISO8601_UTC = '%Y-%m-%dT%H:%M:%SZ'


def _instance_id(value):
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode('utf-8', 'replace')
    if isinstance(value, bool) or not isinstance(value, (str, int,
                                                         uuid.UUID)):
        raise exception.InvalidInstanceId(value=value,
                                          reason='not a string')
    text = str(value).strip()
    if not text:
        raise exception.InvalidInstanceId(value=value, reason='empty')
    if len(text) > ID_MAX_CHARS:
        raise exception.InvalidInstanceId(value=value, reason='too long')
    if not text.isprintable():
        raise exception.InvalidInstanceId(
            value=value, reason='contains non-printable characters')
    return text


def check_resource_type(value):
    """A resource type, checked: a lower-case word of at most 32 characters.

    :param value: e.g. ``instance``, ``volume``, ``host``; ``None`` (or
        blank) is :data:`DEFAULT_RESOURCE_TYPE`.
    :raises: :class:`~fault_persist.exception.InvalidField`.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_RESOURCE_TYPE
    width = FIELD_WIDTHS['resource_type']
    if not isinstance(value, str) or not _RESOURCE_TYPE.match(value):
        raise exception.InvalidField(
            field='resource_type', value=value,
            reason='not a lower-case word ([a-z][a-z0-9_]*)')
    if len(value) > width:
        raise exception.InvalidField(field='resource_type', value=value,
                                     reason='longer than %d' % width)
    return value


def _optional_field(name, value):
    if name == 'resource_type':
        return check_resource_type(value)
    if value is None:
        return None
    text = sanitize.to_text(value).strip()
    if not text:
        return None
    width = FIELD_WIDTHS[name]
    if len(text) > width:
        if name in ('message_id', 'project_id', 'user_id', 'request_id'):
            # Identifiers cut short would match the wrong records.
            raise exception.InvalidField(field=name, value=value,
                                         reason='longer than %d' % width)
        text = text[:width]
    return text


def fault_record(instance_id, message, details=None, created=None,
                 max_details_bytes=sanitize.TEXT_MAX_BYTES, **fields):
    """Validate and sanitise one fault into a row of ``instance_faults``.

    :param instance_id: the resource the fault belongs to (``str``, UUID or
        integer; coerced to text); the host's name for a host fault.
    :param message: the one-line message; masked and cut to 255 characters.
    :param details: text, bytes, traceback lines or a mapping; masked and
        cut to ``max_details_bytes`` UTF-8 bytes keeping the tail.
    :param created: naive UTC datetime of the fault; now by default.
    :param max_details_bytes: the bound of ``details``.
    :param fields: optional columns, see :data:`FIELD_WIDTHS`;
        ``resource_type`` is ``instance`` unless given (see
        :func:`check_resource_type`).
    :returns: a dict of column values, with a new ``id`` (and
        ``message_id`` when none was given).
    :raises: :class:`~fault_persist.exception.InvalidInstanceId`,
        :class:`~fault_persist.exception.InvalidMessage`,
        :class:`~fault_persist.exception.InvalidField`.
    """
    unknown = set(fields) - set(FIELD_WIDTHS)
    if unknown:
        raise exception.InvalidField(field=', '.join(sorted(unknown)),
                                     value=None, reason='not a fault field')
    if message is None:
        raise exception.InvalidMessage(value=message, reason='it is missing')
    clean_message = sanitize.clean_message(message)
    if not clean_message:
        raise exception.InvalidMessage(value=message, reason='it is empty')
    now = created or timeutils.utcnow()
    fault_id = uuidutils.generate_uuid()
    row = {name: _optional_field(name, fields.get(name))
           for name in FIELD_WIDTHS}
    row.update(
        id=fault_id,
        instance_id=_instance_id(instance_id),
        message=clean_message,
        details=sanitize.clean_details(details, max_details_bytes),
        created=now,
        updated=now,
        deleted=False,
        deleted_at=None)
    # A fault with no message id of its own is unique by construction.
    row['message_id'] = row['message_id'] or fault_id
    return row


def store_faults(rows, resolve=True):
    """Store validated fault rows once each (the direct calls' path).

    :param rows: dicts made by :func:`fault_record`.
    :param resolve: store a fault resolved when its resource completed a
        task after it (``[fault_persist] resolve_on_success``).
    :returns: the stored id of each row.
    """
    return db_faults.add_faults(rows, resolve=resolve)


def _iso8601(when):
    if when is None:
        return None
    if when.tzinfo is None and when.year >= 1000:
        # The same text as strftime(ISO8601_UTC) (a four-digit year, no
        # offset), in a third of the time; its arguments by position, as
        # keywords cost 40 % more.
        return when.isoformat('T', 'seconds') + 'Z'
    return when.strftime(ISO8601_UTC)


def fault_view(fault, show_details):
    """The ``show`` dict of one stored fault.

    :param fault: a row or an :class:`~fault_persist.db.models.
        InstanceFault` with ``created``, ``message`` and ``details``.
    :param show_details: whether the caller may see ``details``.
    :returns: ``{'created': ISO 8601 UTC, 'message': ..., 'details': ...}``,
        without ``details`` unless ``show_details``.
    """
    view = {'created': _iso8601(fault.created),
            'message': fault.message}
    if show_details:
        view['details'] = fault.details
    return view


class _Viewer:
    """What one caller may see of faults, decided once per project.

    The policy decisions of a call: whether the caller may read a
    project's faults, and see their details. Each is asked of the policy
    once per call and project (and :mod:`fault_persist.policy` remembers
    it across calls).
    """

    def __init__(self, ctxt):
        self.ctxt = ctxt
        self.project_id = ctxt.project_id
        self._credentials = policy.UNSET
        self._readable = {}
        self._details = {}

    @property
    def credentials(self):
        """The caller's policy credentials, worked out at the first rule.

        A resource without a fault (most of them) asks no rule at all
        of get_fault; a page of get_faults asks one (see
        :meth:`details`).
        """
        if self._credentials is policy.UNSET:
            self._credentials = policy.credentials(self.ctxt)
        return self._credentials

    def readable(self, project_id):
        """Whether the caller may read a fault of ``project_id``."""
        if project_id not in self._readable:
            self._readable[project_id] = query_arguments.may_read_project(
                self.ctxt, policies.FAULT_ALL_PROJECTS, project_id,
                self.credentials)
        return self._readable[project_id]

    def details(self, project_id):
        """Whether the caller may see the details of ``project_id``'s."""
        if project_id not in self._details:
            self._details[project_id] = policy.allowed(
                policies.FAULT_DETAILS, self.ctxt,
                {'project_id': project_id}, self.credentials)
        return self._details[project_id]

    def view(self, fault):
        """The show view of ``fault``, with details where allowed."""
        return fault_view(fault, self.details(fault.project_id))

    def shown(self, newest, own=None):
        """The fault the caller sees of a resource, or ``None``.

        :param newest: the resource's newest fault that shows.
        :param own: its newest fault of the caller's project, if known.
        """
        if newest is None or self.readable(newest.project_id):
            return newest
        # The newest is another project's: the caller's own newest, if
        # any, compared exactly.
        if own is not None and self.project_id and (
                own.project_id == self.project_id):
            return own
        return None


def get_fault(context, instance_id):
    """The latest fault of a resource, for the host's ``show`` view.

    The latest fault that is neither resolved (see :func:`resolve_faults`
    and ``[fault_persist] resolve_on_success``) nor deleted; a host's
    fault (``resource_type`` ``host``) never, whatever the caller.

    Merge it into the server view as Nova does with ``fault``::

        fault = fault_persist.get_fault(context, instance.id)
        if fault:
            view['fault'] = fault

    For a list view use :func:`get_faults`: one query for a page.

    :param context: the caller's ``RequestContext``.
    :param instance_id: the resource shown.
    :returns: ``{'created', 'message', 'details'}`` or ``None`` when the
        resource has no (visible, unresolved) fault; ``details`` only when
        the policy rule ``fault_persist:fault:details`` allows the caller
        with the target ``{'project_id': <the fault's project>}``.
    :raises: :class:`~fault_persist.exception.InvalidInstanceId`.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    instance_id = _instance_id(instance_id)
    newest = db_faults.get_latest_fault(instance_id)
    if newest is None:
        # Most resources: no policy question to ask.
        return None
    viewer = _Viewer(ctxt)
    fault = viewer.shown(newest)
    if fault is None and viewer.project_id:
        fault = viewer.shown(newest, db_faults.get_latest_fault(
            instance_id, viewer.project_id))
    return None if fault is None else viewer.view(fault)


def get_faults(context, instance_ids):
    """The latest fault of each of a page of resources: a list view.

    What :func:`get_fault` returns for each resource, with one query for
    the page; for a host's list view (Nova's ``servers/detail`` shows the
    fault of every server of the page)::

        faults = fault_persist.get_faults(context,
                                          [server.id for server in page])
        for server in page:
            if server.id in faults:
                views[server.id]['fault'] = faults[server.id]

    :param context: the caller's ``RequestContext``; the same rules as
        :func:`get_fault` decide what it sees.
    :param instance_ids: the resources of the page: a list (or other
        iterable, not a string) of at most ``[api] max_limit`` ids;
        repeated ids count once.
    :returns: ``{instance_id: {'created', 'message', 'details'}}`` with
        only the resources that have a fault the caller may see; the ids
        as :func:`get_fault` reads them (blanks around stripped).
    :raises: :class:`~fault_persist.exception.InvalidInstanceId` for a
        bad id; :class:`~fault_persist.exception.InvalidField` when
        ``instance_ids`` is not a list of ids or holds more than
        ``[api] max_limit``.
    """
    config.get_conf()
    viewer = _Viewer(policy.request_context(context))
    instance_ids = _instance_ids(instance_ids)
    if not instance_ids:
        return {}
    # Details are read with the page where the caller sees those of its
    # own project (an admin, by the default rules), and read again only
    # for a fault whose view has them all the same.
    details = viewer.details(viewer.project_id)
    # Faults read without details whose views show them: read again.
    views, again = {}, None if details else []
    # As get_fault: the newest of each, and the caller's own newest only
    # where the newest is a project's the caller may not read (none for
    # an admin, nor for a member's page of its own resources).
    hidden = _page_views(viewer, db_faults.get_latest_faults(
        instance_ids, details=details), views, again)
    if hidden and viewer.project_id:
        _page_views(viewer, db_faults.get_latest_faults(
            hidden, viewer.project_id, details=details), views, again)
    if again:
        _page_views(viewer, db_faults.get_latest_faults(
            again, viewer.project_id), views, again=None)
    # In the order asked, whichever statement read them.
    return {instance_id: views[instance_id] for instance_id in instance_ids
            if instance_id in views}


def _page_views(viewer, latest, views, again):
    """Add the views of a page's faults that the caller sees to ``views``.

    :param latest: as :func:`fault_persist.db.faults.get_latest_faults`
        returns it.
    :param again: where to add the ids of faults read without the details
        their views show; ``None`` when they were read with details.
    :returns: the ids whose newest the caller may not read.
    """
    hidden = []
    for instance_id, (newest, own) in latest.items():
        fault = viewer.shown(newest, own)
        if fault is None:
            hidden.append(instance_id)
        elif again is not None and fault.details is None and (
                viewer.details(fault.project_id)):
            again.append(instance_id)
        else:
            views[instance_id] = viewer.view(fault)
    return hidden


def _instance_ids(values):
    """A page of instance ids, checked, each once, in order."""
    if isinstance(values, (str, bytes, bytearray, collections.abc.Mapping)
                  ) or not isinstance(values, collections.abc.Iterable):
        raise exception.InvalidField(
            field='instance_ids', value=values,
            reason='not a list of instance ids')
    most = query_arguments.max_limit()
    ids = {}
    for value in values:
        ids.setdefault(_instance_id(value), None)
        if len(ids) > most:
            raise exception.InvalidField(
                field='instance_ids', value='%d ids or more' % len(ids),
                reason='more than [api] max_limit (%d); ask a page at a '
                       'time' % most)
    return list(ids)


def list_faults(context, instance_id=None, project_id=None, since=None,
                before=None, limit=None, marker=None, resource_type=None,
                unresolved=False, code=None, event_type=None):
    """Fault history, newest first, a page at a time.

    Resolved faults are listed with the time they were resolved, unless
    ``unresolved``.

    :param context: the caller's ``RequestContext``. Callers without the
        rule ``fault_persist:fault:all_projects`` see only their own
        project's faults; callers without ``fault_persist:fault:hosts``
        see no host faults (``resource_type`` ``host``).
    :param instance_id: only this resource's faults.
    :param project_id: only this project's faults.
    :param since: datetime or ISO 8601 text; faults created at or after it.
    :param before: datetime or ISO 8601 text; faults created before it.
    :param limit: the page size: at most ``[api] max_limit`` (larger
        limits are reduced to it), and ``max_limit`` when ``None``.
    :param marker: the ``id`` of the last fault of the previous page.
    :param resource_type: only faults of resources of this kind, e.g.
        ``volume``.
    :param unresolved: ``True`` to leave resolved faults out.
    :param code: only faults with this code, e.g. ``ResizeError``.
    :param event_type: only faults of this event type, e.g.
        ``compute.instance.resize.error``.
    :returns: a list of dicts: the ``show`` view plus ``id``,
        ``instance_id``, ``resource_type``, ``project_id``,
        ``request_id``, ``event_type``, ``code`` and ``resolved_at`` (ISO
        8601 UTC, or ``None`` while unresolved).
    :raises: :class:`~fault_persist.exception.Forbidden` when a caller
        asks for a project the rule ``fault_persist:fault:all_projects``
        does not allow with the target ``{'project_id': <that project>}``,
        or for host faults without the rule;
        :class:`~fault_persist.exception.InvalidMarker`,
        :class:`~fault_persist.exception.InvalidTimeRange`,
        :class:`~fault_persist.exception.InvalidField`.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    project_id = query_arguments.confine(
        ctxt, policies.FAULT_ALL_PROJECTS, project_id, 'list the faults')
    hosts = policy.allowed(policies.FAULT_HOSTS, ctxt, {
        'project_id': project_id or query_arguments.ALL_PROJECTS})
    if resource_type is not None:
        resource_type = check_resource_type(resource_type)
        if resource_type == HOST_RESOURCE_TYPE and not hosts:
            raise exception.Forbidden(action='list the faults of hosts')
    marker = query_arguments.text(marker, 'marker')
    query = dict(
        instance_id=None if instance_id is None
        else _instance_id(instance_id),
        project_id=project_id,
        since=query_arguments.utc_time(since, 'since'),
        before=query_arguments.utc_time(before, 'before'),
        limit=query_arguments.page_limit(limit),
        resource_type=resource_type, unresolved=bool(unresolved),
        hosts=hosts,
        code=None if code is None else query_arguments.text(code, 'code'),
        event_type=None if event_type is None
        else query_arguments.text(event_type, 'event_type', 255))
    try:
        rows = db_faults.list_faults(marker=marker, **query)
    except LookupError:
        raise exception.InvalidMarker(marker=marker)
    viewer = _Viewer(ctxt)
    return [_history_view(row, viewer) for row in rows]


def _history_view(row, viewer):
    return dict(viewer.view(row),
                id=row.id, instance_id=row.instance_id,
                resource_type=row.resource_type,
                project_id=row.project_id, request_id=row.request_id,
                event_type=row.event_type, code=row.code,
                resolved_at=_iso8601(row.resolved_at))


def get_fault_by_id(context, fault_id):
    """One fault of the history by its ``id``, as :func:`list_faults` lists.

    :param context: the caller's ``RequestContext``; the same rules as
        :func:`list_faults` decide what it may see.
    :param fault_id: the fault's ``id``.
    :returns: the dict :func:`list_faults` gives for it.
    :raises: :class:`~fault_persist.exception.FaultIdNotFound` when there
        is no such fault or the caller may not see it (another project's, a
        host's without ``fault_persist:fault:hosts``, a deleted one).
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    viewer = _Viewer(ctxt)
    row = None
    if (isinstance(fault_id, str) and 0 < len(fault_id) <= ID_MAX_CHARS
            and fault_id.isprintable()):
        row = db_faults.get_fault_by_id(fault_id)
    if row is None or not viewer.readable(row.project_id) or (
            row.resource_type == HOST_RESOURCE_TYPE and not policy.allowed(
                policies.FAULT_HOSTS, ctxt, {'project_id': row.project_id})):
        raise exception.FaultIdNotFound(fault_id=fault_id)
    return _history_view(row, viewer)


def _changeable_projects(ctxt, instance_id):
    """The projects whose faults of a resource the caller may change.

    :returns: ``None`` for every project, else a list of project ids.
    """
    if query_arguments.may_read_project(
            ctxt, policies.FAULT_UPDATE_ALL_PROJECTS,
            query_arguments.ALL_PROJECTS):
        return None
    return [project for project in db_faults.fault_projects(instance_id)
            if project == ctxt.project_id
            or query_arguments.may_read_project(
                ctxt, policies.FAULT_UPDATE_ALL_PROJECTS, project)]


def resolve_faults(context, instance_id):
    """Mark the faults of a resource resolved, now.

    For a host that knows a resource has recovered without a task that
    says so: its faults leave the ``show`` view and stay in the history
    with the time they were resolved. Example, once an instance answers
    again::

        fault_persist.resolve_faults(context, instance.id)

    :param context: the caller's ``RequestContext``: only the faults of
        its own project are resolved (project ids compared exactly), or
        of every project the rule ``fault_persist:fault:update_all_projects``
        allows with the target ``{'project_id': <the fault's project>}``
        (admins by default).
    :param instance_id: the resource (the host's name for host faults).
    :returns: how many faults were marked resolved: those neither
        resolved nor deleted before.
    :raises: :class:`~fault_persist.exception.InvalidInstanceId`.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    instance_id = _instance_id(instance_id)
    return db_faults.resolve_faults(instance_id, timeutils.utcnow(),
                                    _changeable_projects(ctxt, instance_id))


def delete_faults(context, instance_id):
    """Soft-delete the faults of an instance, when the host deletes it.

    :param context: the caller's ``RequestContext``: as
        :func:`resolve_faults`, only its own project's faults, or those
        ``fault_persist:fault:update_all_projects`` allows.
    :param instance_id: the deleted instance.
    :returns: how many faults were marked deleted.
    :raises: :class:`~fault_persist.exception.InvalidInstanceId`.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    instance_id = _instance_id(instance_id)
    return db_faults.soft_delete_faults(
        instance_id, timeutils.utcnow(),
        _changeable_projects(ctxt, instance_id))


def cutoff_time(older_than, now=None):
    """The time before which records are old enough to purge.

    :param older_than: a ``timedelta`` age, a number of days, or a
        datetime cut-off.
    :param now: naive UTC "now"; the current time by default.
    :returns: a naive UTC datetime.
    """
    now = now or timeutils.utcnow()
    given = older_than
    if isinstance(older_than, datetime.datetime):
        return query_arguments.utc_time(older_than, 'older_than')
    if not isinstance(older_than, datetime.timedelta):
        if isinstance(older_than, bool) or not isinstance(
                older_than, (int, float)):
            raise exception.InvalidField(
                field='older_than', value=older_than,
                reason='not a number of days, timedelta or datetime')
        older_than = query_arguments.age_in_days(older_than)
        try:
            older_than = datetime.timedelta(days=older_than)
        except OverflowError:
            older_than = None
    if older_than is not None and older_than >= datetime.timedelta(0):
        try:
            cutoff = now - older_than
        except OverflowError:
            cutoff = None
        if cutoff is not None and cutoff.year >= query_arguments.MIN_YEAR:
            return cutoff
    raise exception.InvalidField(
        field='older_than', value=given,
        reason='not a non-negative age that ends after the year %d'
        % query_arguments.MIN_YEAR)


def purge_faults(older_than):
    """Delete for good the faults created before a cut-off.

    :param older_than: a ``timedelta`` age, a number of days, or a
        datetime cut-off (naive datetimes are UTC).
    :returns: how many faults were deleted.
    """
    config.get_conf()
    cutoff = cutoff_time(older_than)
    count = db_faults.purge_faults(cutoff)
    LOG.info('Purged %(count)d faults created before %(cutoff)s',
             {'count': count, 'cutoff': cutoff.isoformat()})
    return count
