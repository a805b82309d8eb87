"""The core both captures share: notification -> event -> stored rows.

``Pipeline.event_of`` recognises and extracts (pure, never raises);
``Pipeline.store`` writes the faults and the request-log entries of a
batch of events (raises on database errors so that the caller can spool
or requeue; storing the same events again is harmless).
"""

from oslo_db import exception as db_exc
from oslo_log import log as logging
from sqlalchemy import exc as sa_exc

from fault_persist.capture import counters as capture_counters
from fault_persist.db import captured as db_captured
from fault_persist.db import engine as db_engine
from fault_persist import extract
from fault_persist import projections
from fault_persist import recognise
from fault_persist import resources
from fault_persist import sanitize

LOG = logging.getLogger(__name__)


# Where it was first defined; other modules may import it from here.
Counters = capture_counters.Counters


class Pipeline:
    """Recognise, extract and store notifications.

    :param recogniser: a :class:`~fault_persist.recognise.Recogniser`.
    :param definitions: :class:`~fault_persist.extract.Definitions`.
    :param track_tasks: whether events also go to the request log.
    :param resolve_on_success: whether a completed task resolves the
        earlier faults of its resource (and a fault stored after such a
        task is stored resolved).
    """

    def __init__(self, recogniser, definitions, track_tasks=True,
                 resolve_on_success=True):
        self.recogniser = recogniser
        self.definitions = definitions
        self.track_tasks = track_tasks
        self.resolve_on_success = resolve_on_success
        self.counters = Counters()

    @classmethod
    def from_conf(cls, conf):
        """A pipeline for the ``[fault_persist]`` options of ``conf``."""
        return cls(recognise.Recogniser.from_conf(conf),
                   extract.Definitions.from_conf(conf),
                   conf.fault_persist.track_tasks,
                   conf.fault_persist.resolve_on_success)

    def event_of(self, ctxt, message, priority=None):
        """The event of a notification, or ``None`` when it is not ours.

        Never raises: a notification that cannot be read is counted as
        ``malformed`` and logged with the reason.

        :param ctxt: the oslo.messaging context dict.
        :param message: the notification dict (``event_type``,
            ``payload``, ``priority``, ``publisher_id``, ``message_id``,
            ``timestamp``).
        :param priority: the priority, when the message lacks it.
        """
        try:
            kind = self.recogniser.kind(message.get('event_type'),
                                        priority or message.get('priority'))
        except Exception as exc:  # noqa: a non-dict message and the like
            self._malformed(message, exc)
            return None
        if kind is None:
            self.counters.add('ignored')
            return None
        try:
            event = self.definitions.extract(ctxt, message, kind)
        except Exception as exc:  # noqa: never raise into a host
            self._malformed(message, exc)
            return None
        self.counters.add(_COUNTER_OF_KIND[kind])
        if event.resource_type == resources.HOST_KIND:
            self.counters.add('no_instance')
        return event

    def of_interest(self, messages, priority):
        """The messages of a batch that may be stored.

        The others are counted as ``ignored`` here, at the cost of a
        look-up each, so that a listener hands on only what is worth
        extracting. A message that is not of the shape oslo.messaging
        gives is kept: :meth:`store_batch` counts and logs it.

        :param messages: as :meth:`store_batch` takes them.
        :param priority: their priority, upper case.
        :returns: a list of the messages kept, in order.
        """
        kept = []
        for message in messages:
            event_type = (message.get('event_type')
                          if isinstance(message, dict) else None)
            if (not isinstance(event_type, str)
                    or self.recogniser.kind(event_type, priority)):
                kept.append(message)
        if len(kept) < len(messages):
            self.counters.add('ignored', len(messages) - len(kept))
        return kept

    def store_batch(self, messages, priority):
        """Recognise, extract and store a batch of notifications.

        :param messages: dicts with ``ctxt``, ``publisher_id``,
            ``event_type``, ``payload`` and ``metadata`` (``message_id``,
            ``timestamp``), as oslo.messaging's batch dispatcher gives
            them; one that is not of that shape is counted as
            ``malformed``, logged and skipped.
        :param priority: their priority, upper case.
        :raises: as :meth:`store`; calling again with the same batch
            stores nothing twice.
        """
        events = []
        for message in messages:
            try:
                notification = {
                    'event_type': message.get('event_type'),
                    'payload': message.get('payload'),
                    'priority': priority,
                    'publisher_id': message.get('publisher_id'),
                    'message_id': message['metadata'].get('message_id'),
                    'timestamp': message['metadata'].get('timestamp'),
                }
                ctxt = message.get('ctxt')
            except Exception as exc:  # noqa: not the shape we know
                self._malformed(message, exc)
                continue
            event = self.event_of(ctxt, notification, priority)
            if event is not None:
                events.append(event)
        self.store(events)

    def _malformed(self, message, exc):
        self.counters.add('malformed')
        LOG.warning('fault_persist could not read a notification (%(error)s); '
                    'it is skipped: %(message)s',
                    {'error': sanitize.brief(exc),
                     'message': sanitize.brief(message)})

    def store(self, events):
        """Store the faults and the request log of ``events``.

        An event the database refuses for what it holds (not because the
        database is unavailable) must not hold back the others, nor be
        handed back for ever: the batch is then stored event by event, and
        each refused event is counted as ``rejected`` and logged with the
        reason.

        :param events: events from :meth:`event_of`.
        :raises: the database's exception when it fails for any other
            reason (cannot be reached, deadlock, missing table); calling
            again with the same events stores nothing twice.
        """
        if not events:
            return
        try:
            self._store(events)
            return
        except db_engine.DATABASE_ERRORS as exc:
            if not _refuses_content(exc):
                raise
            if len(events) == 1:
                self._reject(events[0], exc)
                return
        for event in events:
            try:
                self._store([event])
            except db_engine.DATABASE_ERRORS as exc:
                if not _refuses_content(exc):
                    raise
                self._reject(event, exc)

    def _store(self, batch):
        fault_rows, entries = projections.rows_of(batch, self.track_tasks)
        # Faults and their request-log entries commit together.
        fault_ids, entries_stored = db_captured.add_captured(
            fault_rows, entries, resolve=self.resolve_on_success)
        # A row stored before keeps the id it was stored with; an error
        # and its request-log entry are stored, or found, together.
        duplicate = max(
            sum(1 for row, fault_id in zip(fault_rows, fault_ids or ())
                if row['id'] != fault_id),
            len(entries) - (entries_stored or 0))
        duplicate = min(duplicate, len(batch))
        self.counters.add('stored', len(batch) - duplicate)
        if duplicate:
            self.counters.add('duplicate', duplicate)

    def _reject(self, event, exc):
        self.counters.add('rejected')
        self.counters.add('rejected.' + _rejection_reason(exc))
        LOG.error('The database refused event %(event_type)s '
                  '(%(message_id)s); it is dropped: %(reason)s',
                  {'event_type': _field(event, 'event_type'),
                   'message_id': _field(event, 'message_id'),
                   'reason': db_engine.error_reason(exc)})


_COUNTER_OF_KIND = {recognise.ERROR: 'errors', recognise.START: 'starts',
                    recognise.END: 'ends'}


def _field(record, name):
    """A value of an event, or of a direct call's spooled record."""
    if isinstance(record, dict):
        return record.get(name)
    return getattr(record, name)


def _refuses_content(exc):
    """Whether the database refused what a row holds ("never").

    Anything else (unreachable, deadlock, a missing table before "db
    sync") says "later": the events are kept, spooled or requeued.
    """
    return isinstance(exc, (db_exc.DBDataError, db_exc.DBReferenceError,
                            db_exc.DBInvalidUnicodeParameter,
                            sa_exc.DataError))


def _rejection_reason(exc):
    """The label of a refusal: ``data_error``, ``reference_error`` ..."""
    if isinstance(exc, db_exc.DBReferenceError):
        return 'reference_error'
    if isinstance(exc, db_exc.DBInvalidUnicodeParameter):
        return 'invalid_unicode'
    return 'data_error'
