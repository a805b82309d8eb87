"""Every upstream error sample, sent as its service sends it, is stored.

Through the in-process notifier driver (SQLite, PostgreSQL, MariaDB) and
through fault-persist-listener on real RabbitMQ (PostgreSQL, MariaDB):
each sample goes through a real ``oslo_messaging.Notifier`` with its own
publisher id, priority and event type, and becomes one fault whose
resource, kind, message and code are what the expectations say (see
``fault_persist/tests/data/samples/upstream/expected.yaml``).
"""

import time

from oslo_context import context as o_context
import oslo_messaging
import sqlalchemy as sa

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.db import engine as db_engine
from fault_persist.db import models
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests.functional.capture import listener_process
from fault_persist.tests.functional.capture import rabbit
from fault_persist.tests.functional.db import base as db_base
from fault_persist.tests import upstream_expectations as expectations

CONTEXT = o_context.RequestContext(project_id='project-functional',
                                   user_id='user-functional')


def _send_all(notifier):
    """Send every upstream error sample; the messages as sent."""
    sent = []
    for number, expected in enumerate(expectations.load()):
        message = expectations.notification(expected, number)
        publisher = notifier.prepare(publisher_id=message['publisher_id'])
        getattr(publisher, message['priority'].lower())(
            CONTEXT, message['event_type'], message['payload'])
        sent.append(message)
    return sent


class UpstreamSamplesBehaviour:
    """Stored rows are what extraction makes of each sample, once each."""

    def expected_rows(self, sent):
        pipeline = capture_pipeline.Pipeline.from_conf(self.conf)
        rows = []
        for expected, message in zip(expectations.load(), sent):
            event = pipeline.event_of(CONTEXT.to_dict(), message)
            self.assertEqual(
                [], expectations.mismatches(expected, event, message))
            rows.append((event.resource_type, event.instance_id,
                         event.message, event.code, event.event_type))
        return sorted(rows)

    def stored_rows(self, engine):
        fault = models.InstanceFault
        with engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(sa.select(
                fault.resource_type, fault.instance_id, fault.message,
                fault.code, fault.event_type)).all())


class DriverBehaviour(UpstreamSamplesBehaviour):

    def test_every_upstream_error_is_stored_by_the_driver(self):
        transport = oslo_messaging.get_notification_transport(
            self.conf, url='fake:/')
        self.addCleanup(transport.cleanup)
        self.fault_persist.config.config(
            group='oslo_messaging_notifications', driver=['fault_persist'])
        notifier = oslo_messaging.Notifier(transport, publisher_id='unused')
        sent = _send_all(notifier)
        self.assertEqual(self.expected_rows(sent),
                         self.stored_rows(db_engine.get_engine()))


class TestDriverOnSQLite(DriverBehaviour, base.TestCase):
    pass


class TestDriverOnPostgreSQL(DriverBehaviour, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedPostgreSQL


class TestDriverOnMySQL(DriverBehaviour, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedMySQL


class ListenerBehaviour(UpstreamSamplesBehaviour):

    def test_every_upstream_error_is_stored_by_the_listener(self):
        reason = rabbit.unreachable_reason()
        if reason:
            fp_fixtures.require_service(self, 'RabbitMQ', reason)
        self.useFixture(rabbit.BrokerLock())
        engine = self._get_default_provisioned_db().engine
        topic = rabbit.unique_name('topic')
        queues = self.useFixture(rabbit.Queues(
            rabbit.listener_queues(topic)))
        host = self.useFixture(rabbit.HostNotifier(topic))
        listener = self.useFixture(listener_process.ListenerProcess(
            engine.url.render_as_string(hide_password=False), topic))
        self.addOnException(
            lambda exc_info: listener.attach_output(self, 'listener'))
        queues.wait_for_consumers(1, check=listener.assert_running)

        sent = _send_all(host.notifier)
        expected = self.expected_rows(sent)
        deadline = time.monotonic() + 30
        while len(self.stored_rows(engine)) < len(expected):
            listener.assert_running()
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(0, listener.stop())
        self.assertEqual(expected, self.stored_rows(engine))


class TestListenerOnPostgreSQL(ListenerBehaviour, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedPostgreSQL


class TestListenerOnMySQL(ListenerBehaviour, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedMySQL
