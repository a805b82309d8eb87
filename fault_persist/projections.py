"""What an event stores: its fault row and its request-log entry.

Pure projections of a clean :class:`~fault_persist.events.Event`: they
pick and rename its values and never clean them again (extraction did).
The direct calls' records, spooled as dicts of kind ``fault`` and
``task_entry``, are checked and clean too and project as they are.

Example::

    fault_rows, entries = projections.rows_of(batch)
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from fault_persist import events
from fault_persist import recognise
from fault_persist import request_log_text as text

LOG = logging.getLogger(__name__)

#: The status of a request-log entry for each kind of event.
STATUS_OF_KIND = {
    recognise.START: text.STARTED,
    recognise.END: text.COMPLETED,
    recognise.ERROR: text.FAILED,
}
#: The kind of resource of a fault when none is given.
DEFAULT_RESOURCE_TYPE = 'instance'


def fault_row(event):
    """The ``instance_faults`` row of an error event.

    :param event: an :class:`~fault_persist.events.Event` of kind
        ``error``.
    :returns: a dict of column values, with a new ``id``.
    """
    return {
        'id': uuidutils.generate_uuid(),
        'instance_id': event.instance_id,
        'resource_type': event.resource_type or DEFAULT_RESOURCE_TYPE,
        'message': event.message,
        'details': event.details or '',
        'code': event.code,
        'project_id': event.project_id,
        'user_id': event.user_id,
        'request_id': event.request_id,
        'message_id': event.message_id,
        'event_type': event.event_type or None,
        'publisher_id': event.publisher_id,
        'host': event.host,
        'priority': event.priority,
        'created': event.timestamp,
        'updated': event.timestamp,
        'deleted': False,
        'deleted_at': None,
    }


def request_log_entry(event):
    """The request-log entry of a start, end or error event.

    :param event: an :class:`~fault_persist.events.Event`.
    :returns: a dict of the request log's columns (but ``id``, ``task_id``
        and ``message``, which storing gives it) plus the task's key,
        ``correlation_id`` and ``action``; ``None`` for an event that names
        no action (an error notification without an event type), which no
        task can hold.
    """
    if not event.action:
        LOG.warning('fault_persist cannot record event %(message_id)s in '
                    'the request log (it names no action); it is skipped',
                    {'message_id': event.message_id})
        return None
    status = STATUS_OF_KIND[event.kind]
    failed = status == text.FAILED
    return {
        'message_id': event.message_id,
        'created': event.timestamp,
        'req': text.REQ_TASK,
        'status': status,
        'app': event.app,
        'user_id': event.user_id,
        'ip': event.ip,
        'msg_code': text.MESSAGE_CODES[status],
        'detail_code': event.code if failed else None,
        'detail_message': event.message if failed else None,
        'target': event.target,
        'event_type': event.event_type or None,
        'request_id': event.request_id,
        'instance_id': event.instance_id,
        'project_id': event.project_id,
        # Without a request id nothing correlates the event with others:
        # it is a task of its own.
        'correlation_id': event.request_id or event.message_id,
        'action': event.action,
    }


def rows_of(batch, track_tasks=True):
    """The fault rows and request-log entries of a batch, to store.

    :param batch: :class:`~fault_persist.events.Event` objects and the
        direct calls' spooled records (dicts of kind ``fault`` or
        ``task_entry``), in any mix.
    :param track_tasks: whether events give request-log entries.
    :returns: ``(fault_rows, entries)``.
    """
    fault_rows, entries = [], []
    for record in batch:
        if isinstance(record, events.Event):
            if record.kind == recognise.ERROR:
                fault_rows.append(fault_row(record))
            if track_tasks:
                entry = request_log_entry(record)
                if entry is not None:
                    entries.append(entry)
        elif record['kind'] == recognise.FAULT:
            fault_rows.append(spooled_fault_row(record))
        elif record['kind'] == recognise.TASK_ENTRY:
            entries.append(spooled_entry(record))
    return fault_rows, entries


# The columns of a fault row that a spooled record keeps as its
# timestamp.
_ROW_TIMES = ('created', 'updated', 'deleted', 'deleted_at')


def spooled_fault(row):
    """A direct call's fault row as a record of kind ``fault``, to spool.

    :param row: a row made by :func:`fault_persist.faults.fault_record`.
    :returns: a dict that :func:`spooled_fault_row` turns back into it.
    """
    record = {name: value for name, value in row.items()
              if name not in _ROW_TIMES}
    record.update(kind=recognise.FAULT, timestamp=row['created'])
    return record


def spooled_fault_row(record):
    """The fault row of a record made by :func:`spooled_fault`."""
    row = {name: value for name, value in record.items()
           if name not in ('kind', 'timestamp')}
    row.update(created=record['timestamp'], updated=record['timestamp'],
               deleted=False, deleted_at=None)
    # Spooled before resource types were recorded.
    row.setdefault('resource_type', DEFAULT_RESOURCE_TYPE)
    return row


def spooled_task_entry(entry):
    """A direct call's entry as a record of kind ``task_entry``, to spool.

    :param entry: an entry as :func:`request_log_entry` makes them.
    :returns: a dict that :func:`spooled_entry` turns back into it.
    """
    record = {name: value for name, value in entry.items()
              if name != 'created'}
    record.update(kind=recognise.TASK_ENTRY, timestamp=entry['created'])
    return record


def spooled_entry(record):
    """The entry of a record made by :func:`spooled_task_entry`."""
    entry = {name: value for name, value in record.items()
             if name not in ('kind', 'timestamp')}
    entry['created'] = record['timestamp']
    return entry
