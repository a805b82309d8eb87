"""The notification listener: capture from the bus, out of process.

A batch notification listener on ``[fault_persist_listener]
transport_url`` and ``topics``. Each batch is stored in one go; the batch
is acknowledged only once its rows are committed. When the database
fails, the endpoint asks oslo.messaging to requeue the batch
(``allow_requeue=True``) after a short pause, so nothing is lost; storing
is idempotent on ``message_id``, so a redelivered message is stored once.
Several listeners given the same ``pool`` share one queue.

The listener process reads the bus; its batches are extracted and stored
by ``store_processes`` storer processes (see
:mod:`fault_persist.capture.storers`), so that reading and storing do not
take turns on one interpreter lock.
"""

import time

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging

from fault_persist.capture import storers as store_processes
from fault_persist.conf import listener as listener_opts

LOG = logging.getLogger(__name__)

#: The priorities on which errors and task events arrive.
PRIORITIES = ('audit', 'info', 'warn', 'error', 'critical')


class NotificationEndpoint:
    """A batch endpoint that stores errors and task events.

    :param pipeline: a :class:`~fault_persist.capture.pipeline.Pipeline`.
    :param requeue_delay: seconds to pause before requeueing a batch.
    :param storers: :class:`~fault_persist.capture.storers.Storers` to
        store through; ``None`` stores in this process.
    """

    def __init__(self, pipeline, requeue_delay=1.0, storers=None):
        self.pipeline = pipeline
        self.requeue_delay = requeue_delay
        self.storers = storers
        for priority in PRIORITIES:
            setattr(self, priority, self._handler(priority.upper()))

    def _handler(self, priority):
        def handle(messages):
            return self.handle(messages, priority)
        handle.__name__ = priority.lower()
        return handle

    def handle(self, messages, priority):
        """Store a batch of notifications of one priority.

        :param messages: dicts with ``ctxt``, ``publisher_id``,
            ``event_type``, ``payload`` and ``metadata`` (``message_id``,
            ``timestamp``), as oslo.messaging's batch dispatcher gives.
        :param priority: their priority, upper case.
        :returns: ``None`` (acknowledge) once stored, or
            ``NotificationResult.REQUEUE`` when the database failed.
        """
        self.pipeline.counters.add('received', len(messages))
        wanted = self.pipeline.of_interest(messages, priority)
        if not wanted:
            return None
        try:
            if self.storers is None:
                self.pipeline.store_batch(wanted, priority)
            else:
                self.storers.store(wanted, priority)
        except Exception as exc:  # noqa: the batch goes back to the bus
            self.pipeline.counters.add('requeued', len(messages))
            LOG.warning('Could not store %(count)d notifications, requeued '
                        'for a later try: %(error)s',
                        {'count': len(messages), 'error': exc})
            time.sleep(self.requeue_delay)
            return oslo_messaging.NotificationResult.REQUEUE
        return None


class Listener:
    """A running listener: the oslo.messaging server and its storers.

    ``start``, ``stop`` and ``wait`` as an oslo.messaging server has them:
    ``start`` forks the storers first, ``wait`` stops them once the
    batches in hand are stored.

    :param server: the batch notification listener.
    :param storers: its :class:`~fault_persist.capture.storers.Storers`,
        or ``None``.
    """

    def __init__(self, server, storers=None):
        self.server = server
        self.storers = storers

    @property
    def transport(self):
        """The oslo.messaging transport listened on."""
        return self.server.transport

    def start(self):
        """Start the storers, then consume."""
        if self.storers is not None:
            self.storers.start()
        self.server.start()

    def stop(self):
        """Stop consuming; the batches in hand are still stored."""
        self.server.stop()

    def wait(self):
        """Wait for the batches in hand, then stop the storers."""
        self.server.wait()
        if self.storers is not None:
            self.storers.stop()


def build_listener(conf, pipeline):
    """A batch notification listener storing through ``pipeline``.

    :param conf: a ``ConfigOpts`` with our listener options registered.
    :param pipeline: a :class:`~fault_persist.capture.pipeline.Pipeline`.
    :returns: a :class:`Listener` (``start``, ``stop``, ``wait``).
    """
    group = conf[listener_opts.GROUP]
    # With no URL of ours, oslo.messaging falls back to the notification
    # and then the default transport URL.
    transport = oslo_messaging.get_notification_transport(
        conf, url=group.transport_url)
    try:
        conf.set_override('rabbit_qos_prefetch_count', prefetch_of(group),
                          group='oslo_messaging_rabbit')
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        LOG.debug('Transport %s has no prefetch option', transport)
    targets = [oslo_messaging.Target(topic=topic) for topic in group.topics]
    storers = None
    if group.store_processes:
        storers = store_processes.Storers(pipeline, group.store_processes)
    endpoint = NotificationEndpoint(pipeline, group.requeue_delay, storers)
    server = oslo_messaging.get_batch_notification_listener(
        transport, targets, [endpoint], executor='threading',
        allow_requeue=True, pool=group.pool,
        batch_size=group.batch_size, batch_timeout=group.batch_timeout)
    return Listener(server, storers)


def prefetch_of(group):
    """The prefetch of the ``[fault_persist_listener]`` options ``group``.

    Unset, it is a batch for every storer to work on and two more arriving
    meanwhile, so the listener is not left idle waiting for its
    acknowledgements to reach the bus.
    """
    return group.prefetch or (group.store_processes + 2) * group.batch_size
