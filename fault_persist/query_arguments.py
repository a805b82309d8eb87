"""The arguments every read of faults and of the request log shares.

Which projects a caller may read, page sizes and times: checked the same
way for :mod:`fault_persist.faults` and :mod:`fault_persist.request_log`,
with the same clear errors.
"""

import datetime

from oslo_utils import timeutils

from fault_persist import exception
from fault_persist import policy


def project_scope(ctxt, all_projects_rule):
    """The project a caller is confined to, or ``None`` for all.

    :param ctxt: the caller's ``RequestContext``.
    :param all_projects_rule: the policy rule that lifts the confinement.
    """
    if policy.allowed(all_projects_rule, ctxt):
        return None
    # A context without a project: an impossible project id, so that no
    # project's records are visible to it.
    return ctxt.project_id or ''


def confine(ctxt, all_projects_rule, project_id, action):
    """The project filter of a read, within what the caller may read.

    :param project_id: the project the caller asks for, or ``None``.
    :param action: what the caller tries, for the error message.
    :returns: ``project_id``, or the caller's own project when confined.
    :raises: :class:`~fault_persist.exception.Forbidden` when a confined
        caller asks for another project.
    """
    scope = project_scope(ctxt, all_projects_rule)
    if scope is None:
        return project_id
    if project_id is not None and project_id != scope:
        raise exception.Forbidden(action='%s of project %s'
                                  % (action, project_id))
    return scope


def page_limit(limit):
    """``limit`` when it is ``None`` or a positive integer.

    :raises: :class:`~fault_persist.exception.InvalidField` otherwise.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(
            limit, int) or limit < 1):
        raise exception.InvalidField(field='limit', value=limit,
                                     reason='not a positive integer')
    return limit


def utc_time(value, name):
    """A naive UTC datetime from a datetime or ISO 8601 text.

    :param value: ``None``, a datetime (naive ones are UTC) or ISO 8601
        text.
    :param name: the argument's name, for the error message.
    :raises: :class:`~fault_persist.exception.InvalidTimeRange`.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = timeutils.parse_isotime(value)
        except ValueError as exc:
            raise exception.InvalidTimeRange(value=value, reason=str(exc))
    if not isinstance(value, datetime.datetime):
        raise exception.InvalidTimeRange(
            value=value, reason='%s is neither a datetime nor ISO 8601 text'
            % name)
    return timeutils.normalize_time(value)
