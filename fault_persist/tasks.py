"""Tasks of the request log: record their start, success and failure.

Two ways in. Captured notifications arrive as events (see
:mod:`fault_persist.extract`) through :func:`record_events`, the seam
every capture calls: ``<prefix>.<action>.start`` opens a task, ``.end``
completes it, ``.error`` (or an error-priority notification) fails it,
each correlated by its request id and action. Work that sends no
notifications is wrapped in :func:`track_task`. Reading the log is
:mod:`fault_persist.request_log`'s job.
"""

import contextlib
import datetime

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fault_persist import config
from fault_persist.db import api as db_api
from fault_persist import exception
from fault_persist import policy
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


def _text(value, limit=None):
    if value is None:
        return None
    value = sanitize.to_text(value).strip()
    if not value:
        return None
    return value[:limit] if limit else value


def _identifier(event, name):
    """An id of ``event``; ``None`` when too long to match anything."""
    value = _text(event.get(name))
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
    target = _text(event.get('target'))
    if target is None:
        # What the task acts on: the action and, when known, the resource.
        target = ' '.join(filter(None, (action, instance_id)))
    return sanitize.truncate_message(target, text.TARGET_MAX_CHARS)


def entry_of(event):
    """The request-log entry of one event, ready for the database.

    :param event: an event dict (see :mod:`fault_persist.extract`) of kind
        ``start``, ``end`` or ``error``.
    :returns: a dict of :data:`~fault_persist.db.api.ENTRY_COLUMNS` plus
        the task's key, ``correlation_id`` and ``action``.
    :raises: :class:`InvalidEvent` naming what is wrong.
    """
    if not isinstance(event, dict):
        raise InvalidEvent('not a dict')
    status = STATUS_OF_KIND.get(event.get('kind'))
    if status is None:
        raise InvalidEvent('kind %r is not a task event' % event.get('kind'))
    message_id = _text(event.get('message_id'))
    if message_id is None or len(message_id) > ID_MAX_CHARS:
        raise InvalidEvent('no message id of at most %d characters'
                           % ID_MAX_CHARS)
    event_type = _text(event.get('event_type'), EVENT_TYPE_MAX_CHARS)
    action = _text(event.get('action'), ACTION_MAX_CHARS) or (
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
        'app': _text(event.get('app'), APP_MAX_CHARS)
        or _text(action.split('.')[0], APP_MAX_CHARS) or UNKNOWN_APP,
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
        entry['detail_code'] = _text(event.get('code'),
                                     text.DETAIL_CODE_MAX_CHARS)
        entry['detail_message'] = sanitize.clean_message(
            event.get('message'))[:text.DETAIL_MESSAGE_MAX_CHARS] or None
    return entry


def _word(row):
    return text.message(row['status'], row['app'], row['task_id'],
                        row['target'], row['detail_code'],
                        row['detail_message'])


def _store(entries):
    return db_api.add_task_entries(entries, _word)


def record_events(events):
    """Record the request-log entries of captured events; the capture seam.

    Every capture (the notifier driver, the listener, the spool replay)
    calls it with the events of a batch, of any kind. Start, end and error
    events each become one entry, and open, complete or fail their task:
    events are correlated by ``request_id`` and ``action``, in any order
    of arrival, so an end or error seen before its start still gives one
    task with the right status, start, end and duration. Other kinds are
    ignored. Error events are faults too; storing the fault is the
    caller's part.

    Idempotent on ``message_id``: calling again with the same events (a
    redelivery, a replay after a database failure) stores nothing twice.
    An event that cannot be recorded (no message id, no timestamp, not a
    dict...) is logged with the reason and skipped; it never raises.

    :param events: a list of event dicts, as
        :meth:`fault_persist.extract.Definitions.extract` makes them.
    :returns: how many entries this call stored.
    :raises: oslo.db exceptions (``DBError`` and subclasses) when the
        database fails; the caller keeps the events and calls again.
    """
    entries = []
    for event in events:
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
    if not entries:
        return 0
    stored, _task_ids = _store(entries)
    return stored


class TrackedTask:
    """The task :func:`track_task` records, as the ``with`` block sees it.

    :ivar task_id: the task's id ("task ID 100"), or ``None`` while the
        database cannot be reached.
    """

    def __init__(self, task_id):
        self.task_id = task_id


def _direct_entry(ctxt, app, target, correlation_id, action, instance_id,
                  status, error=None):
    entry = {
        'message_id': uuidutils.generate_uuid(),
        'created': timeutils.utcnow(),
        'req': text.REQ_TASK,
        'status': status,
        'app': app,
        'user_id': _text(ctxt.user_id, ID_MAX_CHARS),
        'ip': _text(getattr(ctxt, 'remote_address', None), ID_MAX_CHARS),
        'msg_code': text.MESSAGE_CODES[status],
        'detail_code': None,
        'detail_message': None,
        'target': target,
        'event_type': None,
        'request_id': _text(ctxt.request_id, ID_MAX_CHARS),
        'instance_id': instance_id,
        'project_id': _text(ctxt.project_id, ID_MAX_CHARS),
        'correlation_id': correlation_id,
        'action': action,
    }
    if error is not None:
        code = getattr(error, 'code', None)
        entry['detail_code'] = (_text(code, text.DETAIL_CODE_MAX_CHARS)
                                if isinstance(code, str) else None) or (
            type(error).__name__[:text.DETAIL_CODE_MAX_CHARS])
        entry['detail_message'] = sanitize.clean_message(error) or None
    return entry


def _store_quietly(entries):
    """Store entries of a direct call; a database failure only warns.

    The host's work must not fail because its request log cannot be
    written.
    """
    try:
        return _store(entries)[1].get(entries[-1]['message_id'])
    except Exception as exc:  # noqa: never break the host's work
        LOG.warning('fault_persist could not write the request log of task '
                    '%(target)s: %(error)s',
                    {'target': entries[-1]['target'], 'error': exc})
        return None


def _task_key(task_id):
    if task_id is None:
        # Each tracked piece of work is a task of its own.
        return uuidutils.generate_uuid(), DIRECT_ACTION
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        raise exception.InvalidField(field='task_id', value=task_id,
                                     reason='not an integer')
    row = db_api.get_task(task_id)
    if row is None:
        raise exception.TaskNotFound(task_id=task_id)
    return row.correlation_id, row.action


@contextlib.contextmanager
def track_task(context, app, target, task_id=None, instance_id=None):
    """Record a piece of asynchronous work in the request log.

    Writes the start entry on entering the ``with`` block and the success
    or failure entry on leaving it; a failure is the exception that
    leaves the block (its ``code`` when it has a text one, else its
    class, and its message), and the exception is re-raised. Example::

        with fault_persist.track_task(context, 'kimchi',
                                      '/plugins/kimchi/vms/name/clone') as t:
            LOG.info('Cloning as task %s', t.task_id)
            clone(vm)

    A database that cannot be reached never fails the work: the entries
    are logged as lost with a warning.

    :param context: the request's ``RequestContext`` (or its dict form, or
        ``None``): user, ip, project and request of the entries.
    :param app: the service, e.g. ``kimchi``.
    :param target: what the task acts on, e.g. a URI.
    :param task_id: the id of a task recorded before, which this work
        continues; a new task by default.
    :param instance_id: the instance the task acts on, if any.
    :returns: a context manager yielding a :class:`TrackedTask`.
    :raises: :class:`~fault_persist.exception.InvalidField` for a blank
        ``app`` or ``target``; :class:`~fault_persist.exception.
        TaskNotFound` for an unknown ``task_id``.
    """
    config.get_conf()
    ctxt = policy.request_context(context)
    app = _text(app, APP_MAX_CHARS)
    if app is None:
        raise exception.InvalidField(field='app', value=app,
                                     reason='it is empty')
    clean_target = _text(target)
    if clean_target is None:
        raise exception.InvalidField(field='target', value=target,
                                     reason='it is empty')
    clean_target = sanitize.truncate_message(clean_target,
                                             text.TARGET_MAX_CHARS)
    if instance_id is not None:
        instance_id = _text(instance_id, ID_MAX_CHARS)
    correlation_id, action = _task_key(task_id)

    def entry(status, error=None):
        return _direct_entry(ctxt, app, clean_target, correlation_id, action,
                             instance_id, status, error)

    start = entry(text.STARTED)
    tracked = TrackedTask(_store_quietly([start]))
    try:
        yield tracked
    except BaseException as error:
        # The start goes again: it is stored once, and a start the
        # database missed on entry is not lost.
        tracked.task_id = _store_quietly(
            [start, entry(text.FAILED, error)]) or tracked.task_id
        raise
    tracked.task_id = _store_quietly(
        [start, entry(text.COMPLETED)]) or tracked.task_id
