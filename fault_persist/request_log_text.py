"""The words of the request log: statuses, message codes, templates, lines.

Pure functions, no I/O. Every request-log entry has a status, the stable
message code of that status and an English message made from the code's
template; a reader in another language gets the same template translated
(:mod:`fault_persist.i18n`). A text line shows an entry in a display zone::

    [2016-08-12 11:49:55 BRT] TASK  1002 kimchi   Failure on Kimchi task ID
    100: /plugins/kimchi/vms/name/clone (KCHVM0001E failed to clone vm 'name')

(one line; wrapped here). The fields are, separated by one space: the
date, time and zone in brackets, ``req`` left-aligned in five columns,
the status, the app, the user, the ip and the message. An unknown user or
ip is blank, which leaves its separating spaces in place.
"""

import datetime
import functools
import re
import zoneinfo

from fault_persist import exception
from fault_persist import i18n
from fault_persist.i18n import N_
from fault_persist import sanitize

#: A task started.
STARTED = 1000
#: A task completed successfully.
COMPLETED = 1001
#: A task failed.
FAILED = 1002
STATUSES = (STARTED, COMPLETED, FAILED)

#: The ``req`` of every entry the request log keeps.
REQ_TASK = 'TASK'

#: The stable message code of each status.
MESSAGE_CODES = {
    STARTED: 'FPTASK1000I',
    COMPLETED: 'FPTASK1001I',
    FAILED: 'FPTASK1002E',
}

#: The English template of each message code.
TEMPLATES = {
    'FPTASK1000I': N_('Started {App} task ID {task_id}: {target}'),
    'FPTASK1001I': N_('Successfully completed {App} task ID {task_id}: '
                      '{target}'),
    'FPTASK1002E': N_('Failure on {App} task ID {task_id}: {target} '
                      '({reason})'),
}

#: The reason of a failure whose error gave neither a code nor a message.
NO_REASON = N_('the failure came with no error code and no message')

MESSAGE_MAX_CHARS = 1024
TARGET_MAX_CHARS = 255
DETAIL_CODE_MAX_CHARS = 64
DETAIL_MESSAGE_MAX_CHARS = 255
REQ_WIDTH = 5

DATE_FORMAT = '%Y-%m-%d'
TIME_FORMAT = '%H:%M:%S'

# LABEL=+HH:MM, e.g. BRT=-03:00.
_FIXED_ZONE = re.compile(r'^(?P<label>[A-Za-z][A-Za-z0-9_+\-]{0,15})='
                         r'(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>\d{2})$')


def app_title(app):
    """The app as the user reads it in a message: its first letter upper.

    :param app: the app, e.g. ``kimchi``.
    :returns: e.g. ``Kimchi``; the rest of the name is left as it is.
    """
    return app[:1].upper() + app[1:]


def message(status, app, task_id, target, detail_code=None,
            detail_message=None, locale=None):
    """The message of one entry, from its status's template.

    :param status: :data:`STARTED`, :data:`COMPLETED` or :data:`FAILED`.
    :param app: the service, e.g. ``trove``.
    :param task_id: the task's id.
    :param target: what the task acts on.
    :param detail_code: for a failure, the error's code or class.
    :param detail_message: for a failure, the error's message. Without
        either, the message says in words that the failure gave no reason.
    :param locale: the reader's locale; English when ``None``.
    :returns: the message, at most :data:`MESSAGE_MAX_CHARS` characters.
    """
    translate = i18n.translation(locale)
    reason = ' '.join(filter(None, (detail_code, detail_message)))
    text = translate(TEMPLATES[MESSAGE_CODES[status]]).format(
        App=app_title(app), task_id=task_id, target=target,
        reason=reason or translate(NO_REASON))
    return sanitize.truncate_message(text, MESSAGE_MAX_CHARS)


def entry_message(row):
    """The stored message of an entry row once its ``task_id`` is known.

    Its parts are masked already; the sentence made of them is masked
    again, for a secret that only their joining shows (a detail code
    ``token`` before its message, say).

    :param row: an entry with ``status``, ``app``, ``task_id``,
        ``target``, ``detail_code`` and ``detail_message``.
    :returns: the English message, at most :data:`MESSAGE_MAX_CHARS`
        characters.
    """
    text = message(row['status'], row['app'], row['task_id'], row['target'],
                   row['detail_code'], row['detail_message'])
    return sanitize.truncate_message(sanitize.mask_secrets(text),
                                     MESSAGE_MAX_CHARS)


@functools.lru_cache(maxsize=32)
def display_zone(spec):
    """The zone a ``log_timezone`` value names.

    :param spec: an IANA zone name (``UTC``, ``America/Sao_Paulo``) or a
        fixed offset with its label (``BRT=-03:00``); ``None`` or blank
        for UTC.
    :returns: a ``tzinfo``.
    :raises: :class:`~fault_persist.exception.InvalidTimezone`.
    """
    spec = (spec or 'UTC').strip() or 'UTC'
    match = _FIXED_ZONE.match(spec)
    if match:
        hours, minutes = int(match['hours']), int(match['minutes'])
        if hours > 23 or minutes > 59:
            raise exception.InvalidTimezone(
                value=spec, reason='the offset is not between -23:59 and '
                '+23:59')
        offset = datetime.timedelta(hours=hours, minutes=minutes)
        if match['sign'] == '-':
            offset = -offset
        return datetime.timezone(offset, match['label'])
    if '=' in spec:
        raise exception.InvalidTimezone(
            value=spec, reason='a fixed zone is written LABEL=+HH:MM')
    try:
        return zoneinfo.ZoneInfo(spec)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise exception.InvalidTimezone(value=spec, reason=str(exc) or
                                        'tzdata does not know it')


def local_time(created, zone):
    """Date, time and zone label of a stored time in the display zone.

    :param created: a naive UTC datetime.
    :param zone: a ``tzinfo`` from :func:`display_zone`.
    :returns: ``('2016-08-12', '11:49:55', 'BRT')``.
    """
    local = created.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    return (local.strftime(DATE_FORMAT), local.strftime(TIME_FORMAT),
            local.tzname() or '')


def line(entry, zone, locale=None):
    """One request-log entry as a text line (without a line break).

    :param entry: a mapping with ``created`` (naive UTC datetime), ``req``,
        ``status``, ``app``, ``user``, ``ip`` and ``message``; with
        ``locale`` also ``task_id``, ``target``, ``detail_code`` and
        ``detail_message``.
    :param zone: the display zone, from :func:`display_zone`.
    :param locale: the reader's locale; the stored English message when
        ``None``.
    :returns: the line, e.g. ``[2016-08-12 11:49:55 BRT] TASK  1002 ...``.
    """
    date, time, label = local_time(entry['created'], zone)
    text = entry['message']
    if locale:
        text = message(entry['status'], entry['app'], entry['task_id'],
                       entry['target'], entry['detail_code'],
                       entry['detail_message'], locale)
    return ' '.join((
        '[%s %s %s]' % (date, time, label),
        (entry['req'] or '').ljust(REQ_WIDTH),
        str(entry['status']),
        entry['app'],
        entry['user'] or '',
        entry['ip'] or '',
        text,
    ))
