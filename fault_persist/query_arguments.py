"""The arguments every public read and write of fault_persist shares.

Each argument is checked once, where it enters (the Python API, the CLI),
into a value no database refuses; a bad one raises our own clear error
naming the argument and what is allowed, never a raw database, Unicode or
overflow error. Which projects a caller may read, page sizes and times are
decided here the same way for :mod:`fault_persist.faults` and
:mod:`fault_persist.request_log`.
"""

import datetime
import math
import uuid

from oslo_utils import timeutils

from fault_persist.conf import api as api_opts
from fault_persist import config
from fault_persist import exception
from fault_persist import policy

#: The longest id of a record, project, user or request (the columns).
ID_MAX_CHARS = 64
#: The largest task id (a 32-bit INTEGER column) and entry id (BIGINT).
TASK_ID_MAX = 2 ** 31 - 1
ENTRY_ID_MAX = 2 ** 63 - 1
#: The years a time argument may name: what every backend's DATETIME holds
#: (MySQL's range starts at 1000).
MIN_YEAR = 1000
MAX_YEAR = 9999
#: The value of ``project_id`` in a policy target when a caller asks for
#: every project: no project id equals it, so an owner rule
#: (``project_id:%(project_id)s``) never grants every project.
ALL_PROJECTS = '\x00all projects'


def max_limit():
    """``[api] max_limit``: the most rows one list call returns."""
    return config.get_conf()[api_opts.GROUP].max_limit


def text(value, name, max_chars=ID_MAX_CHARS, required=False):
    """An id or filter, checked: printable text of at most ``max_chars``.

    Compared exactly afterwards: nothing is stripped or case-folded, so
    ``'proj-b '`` or ``'PROJ-B'`` never names project ``proj-b``.

    :param value: ``None`` (when not ``required``), text, an integer or a
        UUID.
    :param name: the argument's name, for the error message.
    :returns: the text, or ``None``.
    :raises: :class:`~fault_persist.exception.InvalidField`: empty,
        too long, or with control characters, NUL or lone surrogates.
    """
    if value is None:
        if required:
            raise exception.InvalidField(field=name, value=value,
                                         reason='it is missing')
        return None
    if isinstance(value, uuid.UUID) or (isinstance(value, int)
                                        and not isinstance(value, bool)):
        value = str(value)
    if not isinstance(value, str):
        raise exception.InvalidField(
            field=name, value=value,
            reason='not a string (%s)' % type(value).__name__)
    if not value:
        raise exception.InvalidField(field=name, value=value,
                                     reason='it is empty')
    if len(value) > max_chars:
        raise exception.InvalidField(
            field=name, value=value,
            reason='longer than %d characters' % max_chars)
    # str.isprintable() is false for NUL and other control characters,
    # line breaks and lone surrogates: what some database refuses.
    if not value.isprintable():
        raise exception.InvalidField(
            field=name, value=value,
            reason='it holds control characters, NUL or lone surrogates; '
                   'give printable text')
    return value


def integer(value, name, maximum=ENTRY_ID_MAX, required=False):
    """A positive integer id or marker, checked.

    :param value: ``None`` (when not ``required``), an ``int`` or text of
        ASCII digits (``'²'`` or ``'٣'`` are not numbers here).
    :param maximum: the largest value the column holds.
    :raises: :class:`~fault_persist.exception.InvalidField`.
    """
    if value is None:
        if required:
            raise exception.InvalidField(field=name, value=value,
                                         reason='it is missing')
        return None
    if isinstance(value, str) and value.isascii() and value.isdecimal() \
            and len(value) <= 30:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise exception.InvalidField(field=name, value=value,
                                     reason='not a whole number')
    if not 1 <= value <= maximum:
        raise exception.InvalidField(
            field=name, value=value,
            reason='not between 1 and %d' % maximum)
    return value


def project_scope(ctxt, all_projects_rule):
    """The project a caller is confined to, or ``None`` for all.

    The policy target names every project (:data:`ALL_PROJECTS`), never
    the caller's own: an owner rule does not lift the confinement.

    :param ctxt: the caller's ``RequestContext``.
    :param all_projects_rule: the policy rule that lifts the confinement.
    """
    if may_read_project(ctxt, all_projects_rule, ALL_PROJECTS):
        return None
    # A context without a project: an impossible project id, so that no
    # project's records are visible to it.
    return ctxt.project_id or ''


def may_read_project(ctxt, rule, project_id, credentials=policy.UNSET):
    """Whether a caller may read (or change) the records of a project.

    Its own project (compared exactly), or one ``rule`` allows with the
    target ``{'project_id': project_id}``.

    :param project_id: the project asked for or the record's;
        :data:`ALL_PROJECTS` for every project.
    :param credentials: :func:`fault_persist.policy.credentials` of
        ``ctxt``, when computed already for this call.
    """
    if project_id == ALL_PROJECTS and ctxt.project_id == ALL_PROJECTS:
        return False
    if project_id != ALL_PROJECTS and ctxt.project_id and (
            project_id == ctxt.project_id):
        return True
    return policy.allowed(rule, ctxt, {'project_id': project_id},
                          credentials)


def confine(ctxt, all_projects_rule, project_id, action):
    """The project filter of a read, within what the caller may read.

    :param project_id: the project the caller asks for, or ``None``.
    :param action: what the caller tries, for the error message.
    :returns: ``project_id``, or the caller's own project when confined
        (``None`` for every project).
    :raises: :class:`~fault_persist.exception.Forbidden` when the policy,
        with the target ``{'project_id': project_id}``, does not allow
        the caller to read ``project_id``;
        :class:`~fault_persist.exception.InvalidField` for a bad id.
    """
    project_id = text(project_id, 'project_id')
    if project_id is None:
        return project_scope(ctxt, all_projects_rule)
    if not may_read_project(ctxt, all_projects_rule, project_id):
        raise exception.Forbidden(action='%s of project %s'
                                  % (action, project_id))
    return project_id


def page_limit(limit, clamp=True):
    """The page size of a list call.

    :param limit: ``None``, a positive integer, or text of ASCII digits.
    :param clamp: reduce it to ``[api] max_limit`` (``None`` becomes
        ``max_limit``), as OpenStack APIs do; without, ``None`` stays
        ``None`` (every row).
    :raises: :class:`~fault_persist.exception.InvalidField` otherwise.
    """
    if limit is None:
        return max_limit() if clamp else None
    if isinstance(limit, str) and limit.isascii() and limit.isdecimal() \
            and len(limit) <= 30:
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise exception.InvalidField(field='limit', value=limit,
                                     reason='not a positive integer')
    return min(limit, max_limit()) if clamp else limit


def utc_time(value, name):
    """A naive UTC datetime from a datetime or ISO 8601 text.

    :param value: ``None``, a datetime (naive ones are UTC) or ISO 8601
        text, with the year between 1000 and 9999 once in UTC.
    :param name: the argument's name, for the error message.
    :raises: :class:`~fault_persist.exception.InvalidTimeRange`.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if not (value.isascii() and value.isprintable()
                and len(value) <= 64):
            raise exception.InvalidTimeRange(
                value=value, reason='%s is not ISO 8601 text' % name)
        try:
            value = timeutils.parse_isotime(value)
        except (ValueError, OverflowError) as exc:
            raise exception.InvalidTimeRange(
                value=value, reason='%s: %s' % (name, exc))
    if not isinstance(value, datetime.datetime):
        raise exception.InvalidTimeRange(
            value=value, reason='%s is neither a datetime nor ISO 8601 text'
            % name)
    try:
        when = timeutils.normalize_time(value)
    except (ValueError, OverflowError):
        when = None
    if when is None or not MIN_YEAR <= when.year <= MAX_YEAR:
        raise exception.InvalidTimeRange(
            value=value, reason='%s is outside the years %d to %d (UTC)'
            % (name, MIN_YEAR, MAX_YEAR))
    return when


def age_in_days(value, name='older_than'):
    """A finite, non-negative number of days.

    :raises: :class:`~fault_persist.exception.InvalidField`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            not math.isfinite(value)) or value < 0:
        raise exception.InvalidField(
            field=name, value=value,
            reason='not a finite, non-negative number of days')
    return value
