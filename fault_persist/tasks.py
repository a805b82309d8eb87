"""Tasks of the request log: record their start, success and failure.

Two ways in. Captured notifications arrive as events (see
:mod:`fault_persist.extract`); :func:`entries_of` turns them into entries,
which the captures commit together with their faults
(:func:`fault_persist.db.captured.add_captured`), and :func:`record_events`
stores on its own: ``<prefix>.<action>.start`` opens a task, ``.end``
completes it, ``.error`` (or an error-priority notification) fails it,
each correlated by its request id and action. Work that sends no
notifications is wrapped in
:func:`fault_persist.capture.direct.track_task`. Reading the log is
:mod:`fault_persist.request_log`'s job.
"""

import datetime

from oslo_log import log as logging
from oslo_utils import timeutils

from fault_persist.db import request_log as db_request_log
from fault_persist import recognise
from fault_persist import request_log_text as text
from fault_persist import sanitize

LOG = logging.getLogger(__name__)

#: The status of an entry for each kind of event.
STATUS_OF_KIND = {
    recognise.START: text.STARTED,
    recognise.END: text.COMPLETED,
    recognise.ERROR: text.FAILED,
}
ID_MAX_CHARS = 64
APP_MAX_CHARS = 64
ACTION_MAX_CHARS = 255
EVENT_TYPE_MAX_CHARS = 255
# The app of an event that names none, neither by definition nor publisher.
UNKNOWN_APP = 'unknown'
# The action of work tracked with track_task.
DIRECT_ACTION = 'track_task'


class InvalidEvent(ValueError):
    """An event the request log cannot record; the reason is the text."""


def bounded_text(value, limit=None):
    """``value`` as stripped text cut to ``limit``, or ``None`` if blank."""
    if value is None:
        return None
    value = sanitize.to_text(value).strip()
    if not value:
        return None
    return value[:limit] if limit else value


def _identifier(event, name):
    """An id of ``event``; ``None`` when too long to match anything."""
    value = bounded_text(event.get(name))
    if value is not None and len(value) > ID_MAX_CHARS:
        LOG.warning('Request-log event %(message_id)s: %(name)s is longer '
                    'than %(limit)d characters and is left out',
                    {'message_id': event.get('message_id'), 'name': name,
                     'limit': ID_MAX_CHARS})
        return None
    return value


def _timestamp(value):
    if isinstance(value, str):
        try:
            value = timeutils.parse_isotime(value)
        except ValueError:
            raise InvalidEvent('unreadable timestamp %r' % value)
    if not isinstance(value, datetime.datetime):
        raise InvalidEvent('no timestamp')
    return timeutils.normalize_time(value)


def _target(event, action, instance_id):
    # Members read the target: a URI with credentials, a command line
    # with a password are masked like a fault's message.
    target = sanitize.clean_message(event.get('target'),
                                    text.TARGET_MAX_CHARS)
    if not target:
        # What the task acts on: the action and, when known, the resource.
        target = sanitize.clean_message(
            ' '.join(filter(None, (action, instance_id))),
            text.TARGET_MAX_CHARS)
    return target


def entry_of(event):
    """The request-log entry of one event, ready for the database.

    :param event: an event dict (see :mod:`fault_persist.extract`) of kind
        ``start``, ``end`` or ``error``.
    :returns: a dict of
        :data:`~fault_persist.db.request_log.ENTRY_COLUMNS` plus the
        task's key, ``correlation_id`` and ``action``.
    :raises: :class:`InvalidEvent` naming what is wrong.
    """
    if not isinstance(event, dict):
        raise InvalidEvent('not a dict')
    status = STATUS_OF_KIND.get(event.get('kind'))
    if status is None:
        raise InvalidEvent('kind %r is not a task event' % event.get('kind'))
    message_id = bounded_text(event.get('message_id'))
    if message_id is None or len(message_id) > ID_MAX_CHARS:
        raise InvalidEvent('no message id of at most %d characters'
                           % ID_MAX_CHARS)
    event_type = bounded_text(event.get('event_type'), EVENT_TYPE_MAX_CHARS)
    action = bounded_text(event.get('action'), ACTION_MAX_CHARS) or (
        event_type and recognise.action_of(event_type))
    if not action:
        raise InvalidEvent('no action')
    instance_id = _identifier(event, 'instance_id')
    request_id = _identifier(event, 'request_id')
    entry = {
        'message_id': message_id,
        'created': _timestamp(event.get('timestamp')),
        'req': text.REQ_TASK,
        'status': status,
        'app': bounded_text(event.get('app'), APP_MAX_CHARS)
        or bounded_text(action.split('.')[0], APP_MAX_CHARS) or UNKNOWN_APP,
        'user_id': _identifier(event, 'user_id'),
        'ip': _identifier(event, 'ip'),
        'msg_code': text.MESSAGE_CODES[status],
        'detail_code': None,
        'detail_message': None,
        'target': _target(event, action, instance_id),
        'event_type': event_type,
        'request_id': request_id,
        'instance_id': instance_id,
        'project_id': _identifier(event, 'project_id'),
        # Without a request id nothing correlates the event with others:
        # it is a task of its own.
        'correlation_id': request_id or message_id,
        'action': action,
    }
    if status == text.FAILED:
        entry['detail_code'] = bounded_text(event.get('code'),
                                            text.DETAIL_CODE_MAX_CHARS)
        entry['detail_message'] = sanitize.clean_message(
            event.get('message'), text.DETAIL_MESSAGE_MAX_CHARS) or None
    return entry


def store_entries(entries, resolve=True):
    """Store request-log entries (see ``db_request_log.add_task_entries``).

    :param resolve: whether a completed entry resolves the earlier faults
        of its resource (``[fault_persist] resolve_on_success``).
    """
    return db_request_log.add_task_entries(entries, resolve=resolve)


def event_of_entry(entry):
    """A direct call's entry as an event of kind ``task_entry``, to spool.

    :param entry: an entry ready for :func:`store_entries`.
    :returns: an event that :func:`record_events` stores as that entry.
    """
    event = {name: value for name, value in entry.items()
             if name != 'created'}
    event.update(kind=recognise.TASK_ENTRY, timestamp=entry['created'])
    return event


def _entry_of_spooled(event):
    entry = {name: value for name, value in event.items()
             if name not in ('kind', 'timestamp')}
    entry['created'] = event['timestamp']
    return entry


def record_events(events, resolve=True):
    """Record the request-log entries of captured events.

    The request-log half of what the captures store: they commit these
    entries together with the batch's faults (see :func:`entries_of`);
    this stores them on their own. Events may be of any kind. Start, end
    and error events each become one entry, and open, complete or fail
    their task: events are correlated by ``request_id`` and ``action``, in
    any order of arrival, so an end or error seen before its start still
    gives one task with the right status, start, end and duration. Other
    kinds are ignored. Error events are faults too; storing the fault is the
    caller's part.

    Idempotent on ``message_id``: calling again with the same events (a
    redelivery, a replay after a database failure) stores nothing twice.
    An event that cannot be recorded (no message id, no timestamp, not a
    dict...) is logged with the reason and skipped; it never raises.

    :param events: a list of event dicts, as
        :meth:`fault_persist.extract.Definitions.extract` makes them.
    :param resolve: as :func:`store_entries` takes it.
    :returns: how many entries this call stored.
    :raises: oslo.db exceptions (``DBError`` and subclasses) when the
        database fails; the caller keeps the events and calls again.
    """
    entries = entries_of(events)
    if not entries:
        return 0
    stored, _task_ids = store_entries(entries, resolve)
    return stored


def entries_of(events):
    """The request-log entries of ``events``, ready to store.

    Start, end and error events, and spooled entries, each give one
    entry; other kinds none. An event that cannot be recorded is logged
    with the reason and skipped.

    :param events: event dicts, as :func:`record_events` takes them.
    :returns: entries for :func:`store_entries`.
    """
    entries = []
    for event in events:
        if isinstance(event, dict) and event.get('kind') == (
                recognise.TASK_ENTRY):
            entries.append(_entry_of_spooled(event))
            continue
        if isinstance(event, dict) and event.get('kind') not in (
                STATUS_OF_KIND):
            continue
        try:
            entries.append(entry_of(event))
        except InvalidEvent as exc:
            LOG.warning('fault_persist cannot record event %(message_id)s '
                        'in the request log (%(reason)s); it is skipped',
                        {'message_id': event.get('message_id')
                         if isinstance(event, dict) else None,
                         'reason': exc})
    return entries
