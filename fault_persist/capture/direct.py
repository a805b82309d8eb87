"""The direct calls: faults and tasks that no notification carries.

:func:`save_fault` validates and stores a fault;
:func:`track_task` writes a piece of work's start and end to the request
log. Both hand the write to this process's background writer (the one the
notifier driver uses) and wait at most ``[fault_persist]
driver_write_timeout`` seconds, whatever the database does (down,
refusing, hung on a lock, an address that never answers). What is not
committed by then is in the spool (fsynced) and a background thread
stores it, exactly once, when the database answers again (a fault under
the id :func:`save_fault` returned). Neither call raises a database
failure into the host.
"""

import contextlib
import sys
import traceback

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from fault_persist.capture import writer as capture_writer
from fault_persist import config
from fault_persist.db import request_log as db_request_log
from fault_persist import exception
from fault_persist import faults
from fault_persist import policies
from fault_persist import policy
from fault_persist import projections
from fault_persist import query_arguments
from fault_persist import request_log_text as text
from fault_persist import sanitize
from fault_persist import tasks

LOG = logging.getLogger(__name__)


def _format_exc_info(exc_info):
    if exc_info is True:
        exc_info = sys.exc_info()
    if not exc_info or exc_info[0] is None:
        return None, None
    lines = traceback.format_exception(*exc_info)
    return exc_info, ''.join(lines)


def owning_project(value, name='project_id'):
    """The project a direct call writes a record of, checked exactly.

    Written as given, never stripped or cut: ``'proj-b '`` must not
    become project ``proj-b``.

    :param value: the context's (or the caller's) project id, or ``None``.
    :returns: the id, or ``None`` for blank.
    :raises: :class:`~fault_persist.exception.InvalidField`.
    """
    if value is None or value == '':
        return None
    value = query_arguments.text(value, name)
    if value != value.strip():
        raise exception.InvalidField(
            field=name, value=value,
            reason='it begins or ends with white space')
    return value


def save_fault(context, instance_id, message, details=None, exc_info=None,
               resource_type='instance', **fields):
    """Record a fault that no notification carries (the direct call).

    Example, in a host service's error path::

        try:
            resize(instance)
        except Exception as exc:
            fault_persist.save_fault(context, instance.id, str(exc),
                                     exc_info=True)
            raise

    :param context: the request's ``RequestContext`` (or its dict form, or
        ``None``); its ``project_id``, ``user_id`` and ``request_id`` fill
        the fields not given.
    :param instance_id: the resource that suffered the fault (the host's
        name for a fault of the host itself).
    :param message: a one-line message. With ``exc_info`` it may be
        ``None``: the exception's class and text are used.
    :param details: free text, e.g. a traceback. Non-text values are
        coerced (bytes decoded, mappings and lists as JSON).
    :param exc_info: ``True`` for the exception being handled, or a
        ``sys.exc_info()`` tuple: its traceback is appended to ``details``
        and its class name becomes ``code`` unless one is given.
    :param resource_type: the kind of resource, a lower-case word:
        ``instance`` (the default), ``volume``, ``backup``, ``cluster``...;
        ``host`` for an error that names no resource (never in a show
        view).
    :param fields: optional columns: ``project_id``, ``user_id``,
        ``request_id``, ``message_id`` (makes the call idempotent),
        ``event_type``, ``publisher_id``, ``host``, ``priority``, ``code``.
    :returns: the id of the stored fault (of the earlier one when
        ``message_id`` was stored before). When the database fails, the
        fault is spooled and will be stored under this id.
    :raises: :class:`~fault_persist.exception.InvalidInstanceId`,
        :class:`~fault_persist.exception.InvalidMessage`,
        :class:`~fault_persist.exception.InvalidField` for bad arguments.
    """
    conf = config.get_conf()
    ctxt = policy.request_context(context)
    exc_info, formatted = _format_exc_info(exc_info)
    if formatted:
        details = formatted if details is None else '%s\n%s' % (
            sanitize.to_text(details), formatted)
        fields.setdefault('code', exc_info[0].__name__)
        if message is None:
            message = '%s: %s' % (exc_info[0].__name__, exc_info[1])
    fields['project_id'] = owning_project(
        fields.get('project_id', ctxt.project_id))
    fields.setdefault('user_id', ctxt.user_id)
    fields.setdefault('request_id', ctxt.request_id)
    row = faults.fault_record(
        instance_id, message, details,
        max_details_bytes=conf.fault_persist.details_max_bytes,
        resource_type=resource_type, **fields)
    resolve = conf.fault_persist.resolve_on_success

    def store():
        return faults.store_faults([row], resolve=resolve)[0]

    stored, fault_id = capture_writer.shared(conf)[1].call(
        store, [projections.spooled_fault(row)])
    if stored:
        return fault_id
    LOG.warning('fault_persist could not store the fault of instance '
                '%(instance_id)s within %(bound)s s; it is spooled and will '
                'be stored once the database answers',
                {'instance_id': row['instance_id'],
                 'bound': conf.fault_persist.driver_write_timeout})
    return row['id']


class TrackedTask:
    """The task :func:`track_task` records, as the ``with`` block sees it.

    :ivar task_id: the task's id ("task ID 100"), or ``None`` while the
        database cannot be reached.
    """

    def __init__(self, task_id):
        self.task_id = task_id


def _direct_entry(ctxt, app, target, correlation_id, action, instance_id,
                  status, error=None, project_id=None):
    entry = {
        'message_id': uuidutils.generate_uuid(),
        'created': timeutils.utcnow(),
        'req': text.REQ_TASK,
        'status': status,
        'app': app,
        'user_id': sanitize.bounded_text(ctxt.user_id, tasks.ID_MAX_CHARS),
        'ip': sanitize.bounded_text(getattr(ctxt, 'remote_address', None),
                                    tasks.ID_MAX_CHARS),
        'msg_code': text.MESSAGE_CODES[status],
        'detail_code': None,
        'detail_message': None,
        'target': target,
        'event_type': None,
        'request_id': sanitize.bounded_text(ctxt.request_id,
                                            tasks.ID_MAX_CHARS),
        'instance_id': instance_id,
        'project_id': project_id,
        'correlation_id': correlation_id,
        'action': action,
    }
    if error is not None:
        code = getattr(error, 'code', None)
        entry['detail_code'] = (
            sanitize.bounded_text(code, text.DETAIL_CODE_MAX_CHARS)
            if isinstance(code, str) else None) or (
            type(error).__name__[:text.DETAIL_CODE_MAX_CHARS])
        entry['detail_message'] = sanitize.clean_message(error) or None
    return entry


def _store_quietly(conf, entries):
    """Store entries of a direct call within the bound, or spool them.

    The host's work must not fail, nor wait longer than ``[fault_persist]
    driver_write_timeout``, because its request log cannot be written;
    the entries are then spooled and stored once the database answers.

    :returns: the task id, or ``None`` when it was not known in time.
    """
    resolve = conf.fault_persist.resolve_on_success

    def store():
        return tasks.store_entries(entries, resolve=resolve)[1].get(
            entries[-1]['message_id'])

    stored, task_id = capture_writer.shared(conf)[1].call(
        store, [projections.spooled_task_entry(entry)
                for entry in entries])
    if not stored:
        LOG.warning('fault_persist could not write the request log of task '
                    '%(target)s within %(bound)s s; the entries are spooled '
                    'and will be stored once the database answers',
                    {'target': entries[-1]['target'],
                     'bound': conf.fault_persist.driver_write_timeout})
    return task_id


def _task_key(conf, ctxt, task_id):
    """The correlation key of the task a piece of work continues.

    Only a task of the caller's own project (compared exactly), or one
    the rule ``fault_persist:request_log:update_all_projects`` allows with
    the target ``{'project_id': <the task's project>}``; any other id is
    :class:`~fault_persist.exception.TaskNotFound`, as an unknown one is.
    The look-up is bounded like every call: a task that cannot be read in
    time is continued as a task of its own.

    :returns: ``(correlation_id, action, project_id)``: the task's key and
        the project its entries belong to.
    """
    if task_id is None:
        # Each tracked piece of work is a task of its own.
        return (uuidutils.generate_uuid(), tasks.DIRECT_ACTION,
                ctxt.project_id or None)
    if isinstance(task_id, bool) or not isinstance(task_id, int):
        raise exception.InvalidField(field='task_id', value=task_id,
                                     reason='not an integer')
    task_id = query_arguments.integer(task_id, 'task_id',
                                      query_arguments.TASK_ID_MAX,
                                      required=True)
    # Read on the writer's store thread too: bounded like every call.
    answered, row = capture_writer.shared(conf)[1].call(
        lambda: db_request_log.get_task(task_id), [])
    if not answered:
        LOG.warning('fault_persist could not look up task %(task_id)s '
                    'within %(bound)s s; the work is recorded as a task of '
                    'its own',
                    {'task_id': task_id,
                     'bound': conf.fault_persist.driver_write_timeout})
        return (uuidutils.generate_uuid(), tasks.DIRECT_ACTION,
                ctxt.project_id or None)
    if row is None or not query_arguments.may_read_project(
            ctxt, policies.TASK_UPDATE_ALL_PROJECTS, row.project_id):
        raise exception.TaskNotFound(task_id=task_id)
    # An admin's entries of another project's task are that project's.
    return row.correlation_id, row.action, row.project_id


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

    A database that cannot be reached never fails the work, and the entry
    and the exit each wait at most ``[fault_persist] driver_write_timeout``
    seconds: what is not committed by then is spooled and stored once the
    database answers again; ``task_id`` is then ``None``.

    :param context: the request's ``RequestContext`` (or its dict form, or
        ``None``): user, ip, project and request of the entries.
    :param app: the service, e.g. ``kimchi``.
    :param target: what the task acts on, e.g. a URI.
    :param task_id: the id of a task recorded before, which this work
        continues; a new task by default. Only a task of the context's
        own project, unless the rule
        ``fault_persist:request_log:update_all_projects`` allows the
        task's project (admins by default).
    :param instance_id: the resource the task acts on, if any. When the
        work succeeds, the faults of that resource from before it are
        resolved (unless ``[fault_persist] resolve_on_success`` is false).
    :returns: a context manager yielding a :class:`TrackedTask`.
    :raises: :class:`~fault_persist.exception.InvalidField` for a blank
        ``app`` or ``target`` or a bad project id in the context;
        :class:`~fault_persist.exception.TaskNotFound` for an unknown
        ``task_id`` or another project's.
    """
    conf = config.get_conf()
    ctxt = policy.request_context(context)
    # Checked, not changed: the context is the host's.
    owning_project(ctxt.project_id, 'project_id of the context')
    app = sanitize.bounded_text(app, tasks.APP_MAX_CHARS)
    if app is None:
        raise exception.InvalidField(field='app', value=app,
                                     reason='it is empty')
    # Masked like a fault's message: members read the request log.
    clean_target = sanitize.clean_message(target, text.TARGET_MAX_CHARS)
    if not clean_target:
        raise exception.InvalidField(field='target', value=target,
                                     reason='it is empty')
    if instance_id is not None:
        instance_id = sanitize.bounded_text(instance_id, tasks.ID_MAX_CHARS)
    correlation_id, action, project_id = _task_key(conf, ctxt, task_id)

    def entry(status, error=None):
        return _direct_entry(ctxt, app, clean_target, correlation_id, action,
                             instance_id, status, error, project_id)

    start = entry(text.STARTED)
    tracked = TrackedTask(_store_quietly(conf, [start]))
    try:
        yield tracked
    except BaseException as error:
        # The start goes again: it is stored once, and a start the
        # database missed on entry is not lost.
        tracked.task_id = _store_quietly(
            conf, [start, entry(text.FAILED, error)]) or tracked.task_id
        raise
    tracked.task_id = _store_quietly(
        conf, [start, entry(text.COMPLETED)]) or tracked.task_id
