"""Tasks of the request log: record their start, success and failure.

Two ways in. Captured notifications arrive as events (see
:mod:`fault_persist.extract`);
:func:`fault_persist.projections.request_log_entry` gives their entries,
which the captures commit together with their faults
(:func:`fault_persist.db.captured.add_captured`), and :func:`record_events`
stores on its own: ``<prefix>.<action>.start`` opens a task, ``.end``
completes it, ``.error`` (or an error-priority notification) fails it,
each correlated by its request id and action. Work that sends no
notifications is wrapped in
:func:`fault_persist.capture.direct.track_task`. Reading the log is
:mod:`fault_persist.request_log`'s job.
"""

from fault_persist.db import request_log as db_request_log
from fault_persist import events
from fault_persist import projections

ID_MAX_CHARS = events.ID_MAX_CHARS
APP_MAX_CHARS = events.APP_MAX_CHARS
# The action of work tracked with track_task.
DIRECT_ACTION = 'track_task'


def store_entries(entries, resolve=True):
    """Store request-log entries (see ``db_request_log.add_task_entries``).

    :param resolve: whether a completed entry resolves the earlier faults
        of its resource (``[fault_persist] resolve_on_success``).
    """
    return db_request_log.add_task_entries(entries, resolve=resolve)


def record_events(events, resolve=True):
    """Record the request-log entries of captured events.

    The request-log half of what the captures store: they commit these
    entries together with the batch's faults (see
    :func:`fault_persist.projections.rows_of`); this stores them on their
    own. Start, end
    and error events each become one entry, and open, complete or fail
    their task: events are correlated by ``request_id`` and ``action``, in
    any order of arrival, so an end or error seen before its start still
    gives one task with the right status, start, end and duration. Error
    events are faults too; storing the fault is the caller's part.

    Idempotent on ``message_id``: calling again with the same events (a
    redelivery, a replay after a database failure) stores nothing twice.
    An event that names no action (an error notification without an
    event type) is logged and skipped.

    :param events: :class:`~fault_persist.events.Event` objects, as
        :meth:`fault_persist.extract.Definitions.extract` makes them.
    :param resolve: as :func:`store_entries` takes it.
    :returns: how many entries this call stored.
    :raises: oslo.db exceptions (``DBError`` and subclasses) when the
        database fails; the caller keeps the events and calls again.
    """
    _fault_rows, entries = projections.rows_of(events)
    if not entries:
        return 0
    stored, _task_ids = store_entries(entries, resolve)
    return stored
