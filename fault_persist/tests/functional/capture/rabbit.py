"""RabbitMQ as the functional tests see it: reachability, queues, notifiers.

The broker is the real one of the machine (``tools/test-setup.sh``);
``FAULT_PERSIST_TEST_TRANSPORT_URL`` points the tests at another one.
Every test uses topics and queues of its own and deletes its queues when
it ends, so tests run in parallel without seeing each other's messages.
"""

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse

import fixtures
import kombu
from oslo_config import cfg
import oslo_messaging
from oslo_messaging.notify import messaging as notify_messaging
from oslo_utils import uuidutils

from fault_persist.capture import listener

TRANSPORT_URL = os.environ.get('FAULT_PERSIST_TEST_TRANSPORT_URL',
                               'rabbit://guest:guest@127.0.0.1:5672/')


def _kombu_connection():
    url = urllib.parse.urlsplit(TRANSPORT_URL)
    virtual_host = urllib.parse.unquote(url.path[1:]) or '/'
    return kombu.Connection(hostname=url.hostname, port=url.port or 5672,
                            userid=urllib.parse.unquote(url.username or ''),
                            password=urllib.parse.unquote(url.password or ''),
                            virtual_host=virtual_host, connect_timeout=3)


def unreachable_reason():
    """Why RabbitMQ cannot be used, or ``None`` when it can."""
    try:
        with _kombu_connection() as connection:
            connection.connect()
    except Exception as exc:  # noqa: any failure means: not available
        return '%s (%s)' % (exc, TRANSPORT_URL)
    return None


def unique_name(prefix):
    """A topic or pool name no other test uses."""
    return 'fp-%s-%s' % (prefix, uuidutils.generate_uuid(dashed=False)[:12])


def listener_queues(topic, pool=None):
    """The queues a fault-persist-listener consumes for ``topic``.

    oslo.messaging's RabbitMQ driver binds one queue per topic and
    priority (``<topic>.<priority>``), or a single queue named after the
    pool when a pool is given. A notifier publishing on ``topic`` declares
    the ``<topic>.<priority>`` queues too, pool or not: a test deletes
    them whatever it consumes.
    """
    if pool:
        return [pool]
    return ['%s.%s' % (topic, priority) for priority in listener.PRIORITIES]


class Queues(fixtures.Fixture):
    """Inspect queues, and delete them when the test ends.

    :param names: the queue names.
    """

    def __init__(self, names):
        super().__init__()
        self.names = list(names)

    def _setUp(self):
        self._connection = _kombu_connection()
        self.addCleanup(lambda: self._connection.release())
        self.addCleanup(self._delete)

    def _channel(self):
        # A failed passive declare closes the channel: use one per call.
        try:
            return self._connection.channel()
        except Exception:  # noqa: the broker restarted: connect again
            self._connection.release()
            self._connection = _kombu_connection()
            return self._connection.channel()

    def stats(self, name):
        """``(messages ready, consumers)`` of a queue; ``(0, 0)`` if none."""
        channel = self._channel()
        try:
            _, messages, consumers = channel.queue_declare(queue=name,
                                                           passive=True)
            return messages, consumers
        except Exception:  # noqa: not declared yet
            return 0, 0
        finally:
            try:
                channel.close()
            except Exception:  # noqa: already closed by the broker
                pass

    def messages(self):
        """Messages ready in all the queues together."""
        return sum(self.stats(name)[0] for name in self.names)

    def wait_for_consumers(self, count, timeout=20.0, check=None):
        """Wait until every queue has at least ``count`` consumers.

        :param check: called while waiting; raises to stop the wait (a
            consumer process that died, say).
        """
        deadline = time.monotonic() + timeout
        while True:
            consumers = {name: self.stats(name)[1] for name in self.names}
            if all(value >= count for value in consumers.values()):
                return
            if check is not None:
                check()
            if time.monotonic() > deadline:
                raise AssertionError('Queues still lack consumers after '
                                     '%.0f s: %s' % (timeout, consumers))
            time.sleep(0.05)

    def wait_for_drained(self, timeout=20.0):
        """Wait until no message is ready in the queues.

        A batch requeued after its rows were committed (its storer died
        before answering) is ready again until a consumer takes it.
        """
        deadline = time.monotonic() + timeout
        while self.messages():
            if time.monotonic() > deadline:
                raise AssertionError('%d messages still ready after %.0f s'
                                     % (self.messages(), timeout))
            time.sleep(0.05)

    def _delete(self):
        for name in self.names:
            channel = self._channel()
            try:
                channel.queue_delete(queue=name)
            except Exception:  # noqa: never declared
                pass
            finally:
                try:
                    channel.close()
                except Exception:  # noqa: already closed by the broker
                    pass


class HostNotifier(fixtures.Fixture):
    """A host service's ``Notifier(driver='messagingv2')`` on one topic.

    ``notifier`` sends through the public API; ``driver`` is the
    messagingv2 driver itself, for sending one message dict several times
    (a redelivery as the bus could make it).

    :param topic: the notification topic.
    :param durable: whether the queues it declares are durable
        (``amqp_durable_queues``), as a listener's must then be.
    """

    def __init__(self, topic, durable=False, exchange=None):
        super().__init__()
        self.topic = topic
        self.durable = durable
        self.exchange = exchange

    def _setUp(self):
        conf = cfg.ConfigOpts()
        conf([], project='fault_persist_test_host')
        if self.exchange:
            # The driver reads the exchange when the transport is made.
            oslo_messaging.set_transport_defaults(self.exchange)
        try:
            self.transport = oslo_messaging.get_notification_transport(
                conf, url=TRANSPORT_URL)
        finally:
            if self.exchange:
                oslo_messaging.set_transport_defaults('openstack')
        if self.durable:
            # Read when the first connection is made, after this.
            conf.set_override('amqp_durable_queues', True,
                              group='oslo_messaging_rabbit')
        self.addCleanup(self.transport.cleanup)
        self.notifier = oslo_messaging.Notifier(
            self.transport, publisher_id='functional-host',
            driver='messagingv2', topics=[self.topic])
        self.driver = notify_messaging.MessagingV2Driver(
            conf, topics=[self.topic], transport=self.transport)

    def send(self, notifications):
        """Send each :class:`~.notifications.Notification`."""
        for notification in notifications:
            notification.send(self.notifier)

    def send_raw(self, notification, message_id):
        """Send ``notification`` with a ``message_id`` chosen by the caller.

        Calling it twice with one ``message_id`` puts the same message on
        the bus twice, as an at-least-once delivery may.
        """
        message = {'message_id': message_id,
                   'publisher_id': 'functional-host',
                   'event_type': notification.event_type,
                   'priority': notification.priority,
                   'payload': notification.payload,
                   'timestamp': '2026-01-02 03:04:05.000006'}
        self.driver.notify(notification.context.to_dict(), message,
                           notification.priority.lower(), -1)


def _rabbitmqctl(*args, timeout=30):
    subprocess.run(['rabbitmqctl', '-q'] + list(args), check=True,
                   timeout=timeout, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def cannot_restart_reason():
    """Why the tests cannot restart the broker, or ``None`` if they can.

    Restarting needs ``rabbitmqctl`` and the right to use it (root, or the
    broker's user), and a broker on this machine.
    """
    if os.environ.get('FAULT_PERSIST_TEST_TRANSPORT_URL'):
        return 'the broker is not the one of this machine'
    if shutil.which('rabbitmqctl') is None:
        return 'rabbitmqctl not found'
    try:
        _rabbitmqctl('await_startup', timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return 'rabbitmqctl cannot reach the broker (%s)' % exc
    return None


def restart_broker():
    """Stop and start the RabbitMQ application; return once it serves.

    Other tests share the broker: the outage lasts the few seconds the
    application takes to stop and start, and the application is started
    again whatever happens while it is stopped.

    :returns: the seconds the broker was away.
    """
    began = time.monotonic()
    try:
        _rabbitmqctl('stop_app')
    finally:
        _rabbitmqctl('start_app', timeout=60)
        _rabbitmqctl('await_startup', timeout=60)
    return time.monotonic() - began


def delete_exchange(name):
    """Delete exchange ``name``, if it exists."""
    with _kombu_connection() as connection:
        channel = connection.channel()
        try:
            channel.exchange_delete(exchange=name)
        except Exception:  # noqa: never declared
            pass


class BrokerLock(fixtures.Fixture):
    """Hold the broker against restarts, or hold it alone to restart it.

    A broker restart drops the messages of transient queues, which the
    other tests use: they hold the lock shared for their whole run, and a
    test that restarts the broker holds it exclusive, so that it waits
    for the others of this machine and they wait for it.

    :param exclusive: whether to hold it alone.
    """

    PATH = os.path.join(tempfile.gettempdir(), 'fault_persist-rabbit.lock')

    def __init__(self, exclusive=False):
        super().__init__()
        self.exclusive = exclusive

    def _setUp(self):
        stream = open(self.PATH, 'a')
        self.addCleanup(stream.close)
        fcntl.flock(stream, fcntl.LOCK_EX if self.exclusive
                    else fcntl.LOCK_SH)
        self.addCleanup(fcntl.flock, stream, fcntl.LOCK_UN)
