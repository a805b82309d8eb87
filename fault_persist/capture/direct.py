"""The direct call: faults that no notification carries.

:func:`save_fault` validates and stores a fault at once. When the
database fails it never raises into the host's error path: the fault goes
to the spool (fsynced) and a background thread stores it once the
database answers again, under the id :func:`save_fault` returned.
"""

import sys
import threading
import traceback

from oslo_db import exception as db_exc
from oslo_log import log as logging

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import spool as capture_spool
from fault_persist.capture import writer as capture_writer
from fault_persist import config
from fault_persist import faults
from fault_persist import policy
from fault_persist import sanitize

LOG = logging.getLogger(__name__)

_LOCK = threading.Lock()
# The spooling writer of this process, and the configuration it serves.
_WRITER = (None, None)


def _spooling_writer(conf):
    global _WRITER
    with _LOCK:
        writer_conf, writer = _WRITER
        if writer_conf is not conf:
            pipeline = capture_pipeline.Pipeline.from_conf(conf)
            writer = capture_writer.BackgroundWriter(
                pipeline.store,
                capture_spool.Spool(conf.fault_persist.spool_dir),
                pipeline.counters, conf.fault_persist.driver_write_timeout,
                conf.fault_persist.spool_replay_interval)
            _WRITER = (conf, writer)
        return writer


def _format_exc_info(exc_info):
    if exc_info is True:
        exc_info = sys.exc_info()
    if not exc_info or exc_info[0] is None:
        return None, None
    lines = traceback.format_exception(*exc_info)
    return exc_info, ''.join(lines)


def save_fault(context, instance_id, message, details=None, exc_info=None,
               **fields):
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
    :param instance_id: the instance that suffered the fault.
    :param message: a one-line message. With ``exc_info`` it may be
        ``None``: the exception's class and text are used.
    :param details: free text, e.g. a traceback. Non-text values are
        coerced (bytes decoded, mappings and lists as JSON).
    :param exc_info: ``True`` for the exception being handled, or a
        ``sys.exc_info()`` tuple: its traceback is appended to ``details``
        and its class name becomes ``code`` unless one is given.
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
    fields.setdefault('project_id', ctxt.project_id)
    fields.setdefault('user_id', ctxt.user_id)
    fields.setdefault('request_id', ctxt.request_id)
    row = faults.fault_record(
        instance_id, message, details,
        max_details_bytes=conf.fault_persist.details_max_bytes, **fields)
    try:
        return faults.store_faults([row])[0]
    except db_exc.DBError as exc:
        LOG.warning('fault_persist could not store the fault of instance '
                    '%(instance_id)s (%(error)s); it is spooled and will be '
                    'stored once the database answers',
                    {'instance_id': row['instance_id'], 'error': exc})
        _spooling_writer(conf).spool([faults.event_of_record(row)])
        return row['id']
