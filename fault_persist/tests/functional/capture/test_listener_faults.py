"""fault-persist-listener under faults: killed processes, a broker restart.

Each test kills or restarts something real (the listener's supervisor, a
worker, the RabbitMQ application) while notifications are in flight, and
then counts what is stored against what was sent: exactly once each.
"""

import os
import signal
import socket
import time
import urllib.request

import oslo_messaging
from testtools import content

import fault_persist
from fault_persist.tests.functional.capture import listener_process
from fault_persist.tests.functional.capture import notifications
from fault_persist.tests.functional.capture import rabbit
from fault_persist.tests.functional.capture import test_listener
from fault_persist.tests.functional.db import base
from fault_persist.tests import processes


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class ProcessFaults(test_listener.ListenerTest):
    """Killed listener processes take nothing with them."""

    def _wait_until_gone(self, pids, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = [pid for pid in pids if processes.running(pid)]
            if not left:
                return
            if time.monotonic() > deadline:
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
                self.fail('processes %s outlived their listener by %.0f s'
                          % (left, timeout))
            time.sleep(0.05)

    def test_killed_supervisor_takes_its_workers_and_storers_along(self):
        queues = self._queues()
        listener = self._start_listener(workers=2, batch_size=5)
        queues.wait_for_consumers(2, check=self._assert_listeners_run)
        tree = listener.tree()
        # The supervisor, 2 workers, 2 storers each.
        self.assertEqual(7, len(tree), tree)
        errors = notifications.errors(80)
        self.host.send(errors)

        self._wait_for_rows(1)
        listener.kill()
        self._wait_until_gone(tree, timeout=3.0)

        self._start_listener()
        self._wait_for_rows(len(errors))
        self._assert_stored_once(errors, self._rows())

    def test_killed_worker_is_started_again_and_loses_nothing(self):
        queues = self._queues()
        listener = self._start_listener(workers=2, store_processes=1,
                                        batch_size=5)
        queues.wait_for_consumers(2, check=self._assert_listeners_run)
        workers = listener.children()
        victim_storers = listener.children(of=workers[0])
        errors = notifications.errors(120)
        self.host.send(errors[:60])

        self._wait_for_rows(1)
        os.kill(workers[0], signal.SIGKILL)
        self.host.send(errors[60:])
        self._wait_for_rows(len(errors))
        self._wait_until_gone(victim_storers, timeout=3.0)
        listener.wait_for_log('starting another')
        now = listener.children()
        self.assertEqual(2, len(now), now)
        self.assertNotIn(workers[0], now)
        self.assertEqual(0, listener.stop())

        self._assert_stored_once(errors, self._rows())
        self.assertEqual(0, queues.messages())


class BrokerRestart(test_listener.ListenerTest):
    """A RabbitMQ restart mid-stream loses and duplicates nothing."""

    RESTARTS_BROKER = True

    def setUp(self):
        reason = rabbit.cannot_restart_reason()
        if reason:
            self.skipTest('cannot restart RabbitMQ: %s' % reason)
        super().setUp()
        # Queues and messages that outlive the broker's restart, on an
        # exchange of the test's own: the shared one is not durable.
        self.exchange = rabbit.unique_name('exchange')
        self.addCleanup(rabbit.delete_exchange, self.exchange)
        self.host = self.useFixture(rabbit.HostNotifier(
            self.topic, durable=True, exchange=self.exchange))

    def _restart_mid_stream(self, pool):
        queues = self._queues(pool)
        listener = self.useFixture(listener_process.ListenerProcess(
            self._database_url(), self.topic, pool,
            {'fault_persist_listener': {'batch_size': '5'},
             'DEFAULT': {'control_exchange': self.exchange},
             'oslo_messaging_rabbit': {'amqp_durable_queues': 'true',
                                       'rabbit_interval_max': '2'}}))
        self.listeners.append(listener)
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        errors = notifications.errors(120)
        self.host.send(errors[:60])

        self._wait_for_rows(1)
        away = rabbit.restart_broker()
        self.addDetail('broker-away',
                       content.text_content('%.1f s' % away))
        self.host.send(errors[60:])
        self._wait_for_rows(len(errors), timeout=30.0)
        self.assertEqual(0, listener.stop())

        self._assert_stored_once(errors, self._rows())
        self.assertEqual(0, queues.messages())

    def test_broker_restart_without_pool(self):
        self._restart_mid_stream(None)

    def test_broker_restart_with_pool(self):
        self._restart_mid_stream(rabbit.unique_name('pool'))


class SharedWork(test_listener.ListenerTest):
    """Two listeners and the in-process driver store each error once."""

    def test_two_listeners_and_the_driver_store_each_error_once(self):
        pool = rabbit.unique_name('pool')
        queues = self._queues(pool)
        first = self._start_listener(pool=pool, batch_size=5)
        second = self._start_listener(pool=pool, batch_size=5)
        queues.wait_for_consumers(2, check=self._assert_listeners_run)
        transport = oslo_messaging.get_notification_transport(
            self.conf, url=rabbit.TRANSPORT_URL)
        self.addCleanup(transport.cleanup)
        self.fault_persist.config.config(
            group='oslo_messaging_notifications',
            driver=['messagingv2', 'fault_persist'], topics=[self.topic])
        notifier = oslo_messaging.Notifier(transport,
                                           publisher_id='functional-host')
        before = fault_persist.counters()
        errors = notifications.errors(30)
        for notification in errors:
            notification.send(notifier)
        fault_persist.flush(10)

        self._wait_for_rows(len(errors))
        self.assertEqual((0, 0), (first.stop(), second.stop()))
        self._assert_stored_once(errors, self._rows())

        # Every error reached the driver and one listener: one of them
        # stored it, the other found it stored.
        after = fault_persist.counters()
        driver = {name: after.get(name, 0) - before.get(name, 0)
                  for name in ('errors', 'stored', 'duplicate')}
        listeners = {name: first.counters().get(name, 0)
                     + second.counters().get(name, 0)
                     for name in ('errors', 'stored', 'duplicate')}
        self.assertEqual((len(errors), len(errors)),
                         (driver['errors'], listeners['errors']))
        self.assertEqual(len(errors), driver['stored'] + listeners['stored'])
        self.assertEqual(len(errors),
                         driver['duplicate'] + listeners['duplicate'])


class Metrics(test_listener.ListenerTest):
    """The counters, served to Prometheus and logged while running."""

    def _metrics(self, port):
        with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port,
                                    timeout=5) as response:
            text = response.read().decode()
        return {line.split(' ')[0]: float(line.split(' ')[1])
                for line in text.splitlines()
                if line and not line.startswith('#')}

    def test_workers_counters_are_served_and_logged_together(self):
        port = _free_port()
        queues = self._queues()
        listener = self.useFixture(
            listener_process.ListenerProcess(
                self._database_url(), self.topic, None,
                {'fault_persist_listener': {'workers': '2',
                                            'metrics_port': str(port)},
                 'fault_persist': {'counters_interval': '1'}}))
        self.listeners.append(listener)
        queues.wait_for_consumers(2, check=self._assert_listeners_run)
        errors = notifications.errors(20)
        noise = notifications.noise()
        self.host.send(noise + errors)
        self._wait_for_rows(len(errors))

        deadline = time.monotonic() + 10
        while True:
            metrics = self._metrics(port)
            # The errors and the task start among the noise.
            if metrics.get('fault_persist_stored_total') == len(errors) + 1:
                break
            self.assertLess(time.monotonic(), deadline, metrics)
            time.sleep(0.2)
        self.assertEqual((len(errors), 1),
                         (metrics['fault_persist_errors_total'],
                          metrics['fault_persist_starts_total']))
        self.assertEqual(len(errors) + len(noise),
                         metrics['fault_persist_received_total'])
        self.assertEqual(0, metrics['fault_persist_lost_total'])
        listener.wait_for_log('fault_persist counters (listener %d)'
                              % listener.process.pid)
        self.assertEqual(0, listener.stop())
        self.assertIn('workers stopped; their total counters',
                      listener.log())


class TestProcessFaultsOnPostgreSQL(ProcessFaults, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL


class TestBrokerRestartOnPostgreSQL(BrokerRestart, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL


class TestSharedWorkOnPostgreSQL(SharedWork, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL


class TestSharedWorkOnMySQL(SharedWork, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL


class TestMetricsOnPostgreSQL(Metrics, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL
