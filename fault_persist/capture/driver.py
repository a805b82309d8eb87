"""The oslo.messaging notifier driver ``fault_persist``.

A host enables it with configuration alone::

    [oslo_messaging_notifications]
    driver = messagingv2
    driver = fault_persist

oslo.messaging then calls :meth:`FaultPersistDriver.notify` for every
notification the host sends. Notifications that are neither errors nor
task starts and ends return after one dict look-up. Recognised ones are
stored through :class:`~fault_persist.capture.writer.BackgroundWriter`:
errors are committed within ``[fault_persist] driver_write_timeout`` or
spooled before :meth:`FaultPersistDriver.notify` returns; task starts and
ends are handed to the writer thread without waiting. Nothing here raises
into the host: a failure is logged and counted.
"""

from oslo_log import log as logging
from oslo_messaging.notify import notifier

from fault_persist.capture import counters as capture_counters
from fault_persist.capture import writer as capture_writer
from fault_persist import config
from fault_persist import recognise
from fault_persist import sanitize

LOG = logging.getLogger(__name__)


class FaultPersistDriver(notifier.Driver):
    """Persist the errors (and task events) a host announces.

    :param conf: the host's ``ConfigOpts``; fault_persist is initialised
        with it (:func:`fault_persist.init`).
    :param topics: the notification topics (unused: we publish nothing).
    :param transport: the notification transport (unused).
    """

    def __init__(self, conf, topics, transport):
        super().__init__(conf, topics, transport)
        self._kind = _ignore_all
        self._pipeline = None
        self._writer = None
        self._count_received = self._count_ignored = _count_nothing
        try:
            config.init(conf)
            self._pipeline, self._writer = capture_writer.shared(conf)
            counts = self._pipeline.counters
            # Lock-free: the host pays them for every notification.
            self._count_received = counts.incrementer('received')
            # An ignored notification is received too: one call for both.
            self._count_ignored = counts.incrementer('ignored',
                                                     also=('received',))
            self._kind = self._pipeline.recogniser.kind
            capture_counters.log_driver_counters(conf)
        except Exception:  # noqa: a broken set-up must not break the host
            LOG.exception('fault_persist notifier driver is disabled: it '
                          'could not be set up; fix the configuration and '
                          'restart the service')

    @property
    def counters(self):
        """What the driver saw and did (see ``Counters``)."""
        return self._pipeline.counters if self._pipeline else None

    def notify(self, ctxt, message, priority, retry):
        """Store ``message`` when it is an error or a task event.

        :param ctxt: the request context, as a dict.
        :param message: the notification: ``message_id``, ``publisher_id``,
            ``event_type``, ``priority``, ``payload``, ``timestamp``.
        :param priority: the priority, upper case.
        :param retry: unused; storing has its own bounded wait.
        """
        try:
            kind = self._kind(message['event_type'], priority)
            if kind is None:
                self._count_ignored()
                return
            self._count_received()
            event = self._pipeline.event_of(ctxt, message, priority)
            if event is None:
                return
            if kind == recognise.ERROR:
                # An error is worth a bounded wait: committed or spooled.
                self._writer.submit([event])
            else:
                # Task starts and ends must not slow the host.
                self._writer.hand_over([event])
        except Exception as exc:  # noqa: never raise into the host
            try:
                if self._pipeline is not None:
                    self._pipeline.counters.add('malformed')
                LOG.warning('fault_persist could not handle notification '
                            '%(message)s (%(error)s); it is skipped',
                            {'message': sanitize.brief(message),
                             'error': sanitize.brief(exc)})
                LOG.debug('Why it was skipped', exc_info=True)
            except Exception:  # noqa: not even a broken log handler
                pass

    def flush(self, timeout=None):
        """Wait until everything handed over so far is stored or spooled."""
        if self._writer is not None:
            self._writer.flush(timeout)


def _ignore_all(event_type, priority):
    return None


def _count_nothing():
    pass
