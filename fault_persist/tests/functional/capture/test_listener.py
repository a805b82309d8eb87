"""fault-persist-listener on real RabbitMQ, PostgreSQL and MariaDB.

A host's ``Notifier(driver='messagingv2')`` sends Trove- and Nova-style
error notifications on a topic of the test's own; ``fault-persist-listener``
runs as a real process with a generated configuration file and stores them
in the database oslo.db provisioned for the test. Every wait polls with a
deadline; every process is stopped when its test ends.
"""

import collections
import os
import signal
import time

from oslo_utils import uuidutils
import sqlalchemy as sa

from fault_persist.db import models
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests.functional.capture import listener_process
from fault_persist.tests.functional.capture import notifications
from fault_persist.tests.functional.capture import rabbit
from fault_persist.tests.functional.capture import tcp_proxy
from fault_persist.tests.functional.db import base
from fault_persist.tests import processes

_DEFAULT_PORTS = {'postgresql': 5432, 'mysql': 3306}


class ListenerTest:
    """A topic, a host notifier and listener processes of a test's own."""

    #: Whether the test restarts the broker (see ``rabbit.BrokerLock``).
    RESTARTS_BROKER = False

    def setUp(self):
        super().setUp()
        reason = rabbit.unreachable_reason()
        if reason:
            fp_fixtures.require_service(self, 'RabbitMQ', reason)
        self.useFixture(rabbit.BrokerLock(exclusive=self.RESTARTS_BROKER))
        self.engine = self._get_default_provisioned_db().engine
        self.topic = rabbit.unique_name('topic')
        self.listeners = []
        self.addOnException(self._attach_listener_output)
        # The notifier declares these whatever the listener consumes.
        self.topic_queues = self.useFixture(rabbit.Queues(
            rabbit.listener_queues(self.topic)))
        self.host = self.useFixture(rabbit.HostNotifier(self.topic))

    def _attach_listener_output(self, exc_info):
        for number, listener in enumerate(self.listeners):
            listener.attach_output(self, 'listener-%d' % number)

    def _database_url(self, host=None, port=None):
        url = self.engine.url
        if host:
            url = url.set(host=host, port=port)
        return url.render_as_string(hide_password=False)

    def _start_listener(self, connection=None, pool=None, **options):
        listener = self.useFixture(listener_process.ListenerProcess(
            connection or self._database_url(), self.topic, pool,
            {'fault_persist_listener': options} if options else None))
        self.listeners.append(listener)
        return listener

    def _queues(self, pool=None):
        """The queues the listeners consume; deleted when the test ends."""
        if not pool:
            return self.topic_queues
        return self.useFixture(rabbit.Queues(
            rabbit.listener_queues(self.topic, pool)))

    def _rows(self):
        fault = models.InstanceFault
        with self.engine.connect() as connection:
            return connection.execute(sa.select(
                fault.instance_id, fault.message, fault.message_id,
                fault.request_id, fault.event_type)).all()

    def _assert_listeners_run(self):
        """Fail at once when a listener not stopped on purpose is gone."""
        for listener in self.listeners:
            if not listener.stopped:
                listener.assert_running()

    def _wait_for_rows(self, count, timeout=20.0):
        """Wait until at least ``count`` faults are stored; return them."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self._rows()
            if len(rows) >= count:
                return rows
            self._assert_listeners_run()
            if time.monotonic() > deadline:
                self.fail('%d of %d faults stored after %.0f s'
                          % (len(rows), count, timeout))
            time.sleep(0.1)

    def _assert_stored_once(self, sent, rows):
        """Each error of ``sent`` is one row, and no other row exists."""
        by_instance = {}
        for row in rows:
            by_instance.setdefault(row.instance_id, []).append(row)
        duplicates = {key: len(value) for key, value in by_instance.items()
                      if len(value) > 1}
        self.assertEqual({}, duplicates, 'faults stored more than once')
        self.assertEqual(sorted(n.instance_id for n in sent),
                         sorted(by_instance))
        for notification in sent:
            row = by_instance[notification.instance_id][0]
            self.assertEqual(
                (notification.message, notification.event_type,
                 notification.request_id),
                (row.message, row.event_type, row.request_id))


class ListenerBehaviour(ListenerTest):
    """What fault-persist-listener guarantees, on any database backend."""

    def test_each_notification_is_stored_once(self):
        queues = self._queues()
        listener = self._start_listener()
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        errors = notifications.errors(30)
        noise = notifications.noise()
        self.host.send(noise[:1] + errors[:15] + noise[1:] + errors[15:])

        self._wait_for_rows(len(errors))
        self.assertEqual(0, listener.stop())

        self._assert_stored_once(errors, self._rows())
        self.assertEqual(len(errors), listener.counters()['errors'])

    def test_message_delivered_twice_is_stored_once(self):
        queues = self._queues()
        listener = self._start_listener()
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        twice = notifications.trove_errors()[0]
        sentinel = notifications.trove_errors()[0]
        message_id = uuidutils.generate_uuid()

        # Back to back, so that both deliveries are likely in one batch ...
        self.host.send_raw(twice, message_id)
        self.host.send_raw(twice, message_id)
        self._wait_for_rows(1)
        # ... and once more after the first copy was committed; then a
        # sentinel on the same queue, delivered after all three.
        self.host.send_raw(twice, message_id)
        self.host.send_raw(sentinel, uuidutils.generate_uuid())
        self._wait_for_rows(2)
        self.assertEqual(0, listener.stop())

        rows = self._rows()
        self._assert_stored_once([twice, sentinel], rows)
        self.assertIn(message_id, [row.message_id for row in rows])
        # The listener did receive every copy: the database kept one.
        self.assertEqual(4, listener.counters()['errors'])

    def test_database_outage_requeues_then_stores_everything(self):
        url = self.engine.url
        proxy = self.useFixture(tcp_proxy.TcpProxy(
            url.host or '127.0.0.1',
            url.port or _DEFAULT_PORTS[url.get_backend_name()]))
        queues = self._queues()
        listener = self._start_listener(
            self._database_url('127.0.0.1', proxy.port))
        queues.wait_for_consumers(1, check=self._assert_listeners_run)

        proxy.cut()
        errors = notifications.errors(20)
        self.host.send(errors)
        listener.wait_for_log('requeued for a later try')
        self.assertGreater(proxy.refused, 0)
        self.assertEqual([], self._rows())

        proxy.restore()
        self._wait_for_rows(len(errors))
        self.assertEqual(0, listener.stop())

        self._assert_stored_once(errors, self._rows())
        self.assertEqual(0, queues.messages())
        self.assertGreater(listener.counters().get('requeued', 0), 0)

    def test_listeners_in_one_pool_share_the_load(self):
        pool = rabbit.unique_name('pool')
        queues = self._queues(pool)
        first = self._start_listener(pool=pool, batch_size=5)
        second = self._start_listener(pool=pool, batch_size=5)
        # Both consume before anything is sent, so RabbitMQ deals the
        # messages to both.
        queues.wait_for_consumers(2, check=self._assert_listeners_run)
        errors = notifications.errors(100)
        self.host.send(errors)

        self._wait_for_rows(len(errors))
        self.assertEqual((0, 0), (first.stop(), second.stop()))

        self._assert_stored_once(errors, self._rows())
        handled = [first.counters().get('errors', 0),
                   second.counters().get('errors', 0)]
        self.assertEqual(len(errors), sum(handled))
        self.assertTrue(all(handled), 'one listener got nothing: %s'
                        % handled)

    def test_sigterm_stops_cleanly_and_loses_nothing(self):
        queues = self._queues()
        listener = self._start_listener(batch_size=5)
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        errors = notifications.errors(200)
        self.host.send(errors)

        # Stop while the backlog is being worked through.
        self._wait_for_rows(1)
        self.assertEqual(0, listener.stop())
        self.assertIn('stopped; counters', listener.log())

        # What was acknowledged is stored; the rest is back in the queues.
        deadline = time.monotonic() + 10
        while len(self._rows()) + queues.messages() != len(errors):
            if time.monotonic() > deadline:
                self.fail('%d stored + %d queued != %d sent'
                          % (len(self._rows()), queues.messages(),
                             len(errors)))
            time.sleep(0.1)

        # A listener started again stores the rest, once each.
        self._start_listener()
        self._wait_for_rows(len(errors))
        self._assert_stored_once(errors, self._rows())

    def test_workers_share_the_queue_and_stop_together(self):
        queues = self._queues()
        listener = self._start_listener(workers=2, store_processes=1,
                                        batch_size=5)
        queues.wait_for_consumers(2, check=self._assert_listeners_run)
        workers = listener.children()
        self.assertEqual(2, len(workers), 'worker processes')
        storers = [storer for worker in workers
                   for storer in listener.children(of=worker)]
        self.assertEqual(2, len(storers), 'one storer per worker')
        errors = notifications.errors(100)
        self.host.send(errors)

        self._wait_for_rows(len(errors))
        self.assertEqual(0, listener.stop())

        self._assert_stored_once(errors, self._rows())
        self.assertEqual(2, listener.log().count('stopped; counters'))
        self.assertEqual([], [pid for pid in workers + storers
                              if processes.running(pid)])

    def test_a_killed_storer_loses_nothing(self):
        queues = self._queues()
        listener = self._start_listener(batch_size=5, store_processes=2)
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        storers = listener.children()
        self.assertEqual(2, len(storers), 'storer processes')
        errors = notifications.errors(200)
        self.host.send(errors[:100])

        # Kill a storer while the backlog is being worked through: the
        # batches it held go back to the bus, and new storers take over.
        self._wait_for_rows(1)
        os.kill(storers[0], signal.SIGKILL)
        self.host.send(errors[100:])
        self._wait_for_rows(len(errors))
        # A batch the killed storer had committed comes back as well: it
        # is consumed (and stored once) before the listener stops.
        queues.wait_for_drained()
        listener.assert_running()
        self.assertIn('storer process died', listener.log())
        self.assertNotIn(storers[0], listener.children())
        self.assertEqual(0, listener.stop())

        self._assert_stored_once(errors, self._rows())
        self.assertEqual(0, queues.messages())

    def _tasks(self):
        task = models.Task
        with self.engine.connect() as connection:
            return connection.execute(sa.select(
                task.id, task.action, task.status, task.request_id,
                task.started_at, task.ended_at)).all()

    def _entries(self):
        entry = models.RequestLogEntry
        with self.engine.connect() as connection:
            return connection.execute(sa.select(
                entry.task_id, entry.status, entry.message)).all()

    def test_task_lifecycles_are_tracked(self):
        queues = self._queues()
        self._start_listener()
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        trove_ok, trove_failed, trove_late = [
            'req-' + uuidutils.generate_uuid() for _ in range(3)]

        def trove(phase, request_id):
            payload = {'instance_id': 'db-' + request_id[-8:],
                       'tenant_id': 'project-functional',
                       'request_id': request_id}
            if phase == 'error':
                payload.update(message='A guest error occurred',
                               exception=['RuntimeError: guest\n'])
            return notifications.Notification(
                'INFO', 'dbaas.instance_create.' + phase, payload,
                payload['instance_id'], payload.get('message'))

        nova_error = notifications.nova_errors()[0]
        nova_start = notifications.Notification(
            'INFO', 'instance.create.start', nova_error.payload,
            nova_error.instance_id, None)
        nova_start.context = nova_error.context  # one request

        # Trove: start then end; start then error; end before start.
        # Nova: start then error at ERROR priority.
        self.host.send([trove('start', trove_ok), trove('end', trove_ok),
                        trove('start', trove_failed),
                        trove('error', trove_failed),
                        trove('end', trove_late), nova_start, nova_error])
        deadline = time.monotonic() + 20
        while len(self._entries()) < 7:
            self._assert_listeners_run()
            self.assertLess(time.monotonic(), deadline,
                            'request log incomplete: %s' % self._entries())
            time.sleep(0.1)
        self.host.send([trove('start', trove_late)])
        while len(self._entries()) < 8:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)

        by_request = {task.request_id: task for task in self._tasks()}
        self.assertEqual(4, len(by_request), by_request)
        self.assertEqual(1001, by_request[trove_ok].status)
        self.assertEqual(1002, by_request[trove_failed].status)
        # The end arrived first: still one task, completed, now with the
        # start it was missing (the unit tests check the durations of
        # out-of-order events with the times services give them).
        late = by_request[trove_late]
        self.assertEqual(1001, late.status)
        self.assertIsNotNone(late.started_at)
        self.assertIsNotNone(late.ended_at)
        nova = by_request[nova_error.context.request_id]
        self.assertEqual(('instance.create', 1002),
                         (nova.action, nova.status))
        entries = self._entries()
        self.assertEqual(8, len(entries))
        self.assertEqual({1000, 1001, 1002},
                         {entry.status for entry in entries})
        failure = [entry.message for entry in entries
                   if entry.task_id == by_request[trove_failed].id
                   and entry.status == 1002]
        self.assertEqual(1, len(failure))
        self.assertIn('Failure on Trove task ID %d'
                      % by_request[trove_failed].id, failure[0])

    def test_task_events_across_storers_give_one_task_each(self):
        queues = self._queues()
        listener = self._start_listener(batch_size=5, store_processes=2)
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        pairs = [notifications.task_pair(trove=index % 2 == 0)
                 for index in range(60)]
        starts = [pair[0] for pair in pairs]
        ends = [pair[1] for pair in pairs]
        # Starts and ends of one task in batches that two storers handle
        # at once, some ends before their start: tasks opened by two
        # writers together, and tasks advanced in bulk.
        self.host.send(starts[:30] + ends[15:45] + starts[30:] + ends[:15]
                       + ends[45:])
        deadline = time.monotonic() + 30
        while len(self._entries()) < 2 * len(pairs):
            self._assert_listeners_run()
            self.assertLess(time.monotonic(), deadline,
                            '%d entries' % len(self._entries()))
            time.sleep(0.1)
        self.assertEqual(0, listener.stop())

        tasks = self._tasks()
        self.assertEqual(sorted(pair[0].request_id for pair in pairs),
                         sorted(task.request_id for task in tasks))
        self.assertEqual({1001}, {task.status for task in tasks})
        self.assertTrue(all(task.started_at and task.ended_at
                            for task in tasks))
        per_task = collections.Counter(entry.task_id
                                       for entry in self._entries())
        self.assertEqual({2}, set(per_task.values()))
        self.assertEqual(sorted(task.id for task in tasks), sorted(per_task))
        self.assertNotIn('goes back to the bus', listener.log())
        self.assertEqual(0, queues.messages())

    def test_look_alike_ids_are_stored_without_requeues(self):
        # On a case- and accent-insensitive column these collided: the
        # batch was refused whole and requeued for ever (migration 0004).
        queues = self._queues()
        listener = self._start_listener(batch_size=10, batch_timeout=0.5)
        queues.wait_for_consumers(1, check=self._assert_listeners_run)
        base_id = 'msg-a-' + uuidutils.generate_uuid()
        message_ids = [base_id, base_id.upper(),
                       base_id.replace('msg-a', 'msg-\u00e1')]
        sent = [notifications.trove_errors()[0] for _ in message_ids]
        # Two of them of one request, by case only: two tasks.
        sent[1].payload['request_id'] = sent[0].payload['request_id'].upper()
        sent[1].request_id = sent[1].payload['request_id']
        for notification, message_id in zip(sent, message_ids):
            self.host.send_raw(notification, message_id)

        rows = self._wait_for_rows(len(sent))
        self.assertEqual(0, listener.stop())

        self._assert_stored_once(sent, rows)
        self.assertEqual(sorted(message_ids),
                         sorted(row.message_id for row in rows))
        counters = listener.counters()
        self.assertEqual((0, 0), (counters.get('requeued', 0),
                                  counters.get('rejected', 0)), counters)
        self.assertEqual(0, queues.messages())
        task = models.Task
        with self.engine.connect() as connection:
            self.assertEqual(
                sorted(notification.request_id for notification in sent),
                sorted(connection.execute(
                    sa.select(task.correlation_id)).scalars()))


class TestListenerOnPostgreSQL(ListenerBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedPostgreSQL


class TestListenerOnMySQL(ListenerBehaviour, base.BackendTestCase):
    FIXTURE = base.MigratedMySQL
