"""Property tests: whatever a host or the bus hands over, nothing breaks.

Arbitrary JSON-like notifications (nested, huge, binary, of the wrong
types) go through the pipeline and through the notifier driver: nothing
raises into the caller, every notification is counted once under a name
that says what became of it, and every stored row keeps its bounds.
Bounded for CI: a few hundred examples in all.
"""

import hypothesis
from hypothesis import strategies as st
from oslo_context import context as o_context
import oslo_messaging
import sqlalchemy as sa

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.db import engine as db_engine
from fault_persist.db import models
from fault_persist.tests import base

SETTINGS = hypothesis.settings(
    max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck))

LEAVES = (st.none() | st.booleans() | st.integers() | st.floats()
          | st.text(max_size=40) | st.binary(max_size=40)
          | st.sampled_from(['i-1', 'x' * 70, '\x00', '\ud800', 'Traceback '
                             '(most recent call last):\n  x\nE: boom',
                             "Boom('it broke')", 'password=hunter2']))
VALUES = st.recursive(
    LEAVES, lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(
            ['instance_id', 'uuid', 'message', 'reason', 'exception',
             'traceback', 'fault', 'nova_object.data', 'ironic_object.name',
             'exception_message', 'volume_id', 'project_id', 'args',
             'kwargs', 'code', 'host']) | st.text(max_size=8), children,
            max_size=5)),
    max_leaves=25)
EVENT_TYPES = st.sampled_from(
    ['svc.build.error', 'instance.create.error', 'dbaas.backup_create.error',
     'x.start', 'x.end', 'compute.metrics.update', '', None, 7,
     'baremetal.node.power_set.error']) | st.text(max_size=30)
PRIORITIES = st.sampled_from(['ERROR', 'INFO', 'WARN', 'CRITICAL', 'error',
                              None, 3])
MESSAGES = st.fixed_dictionaries(
    {'event_type': EVENT_TYPES, 'priority': PRIORITIES, 'payload': VALUES},
    optional={'publisher_id': st.none() | st.text(max_size=20) | st.just(5),
              'message_id': st.none() | st.text(max_size=80),
              'timestamp': st.none() | st.text(max_size=30)
              | st.just('2026-01-01 00:00:00.000000')})
CONTEXTS = st.none() | st.just('text') | st.dictionaries(
    st.sampled_from(['project_id', 'user_id', 'request_id', 'tenant']),
    st.none() | st.text(max_size=70) | st.integers(), max_size=4)

OUTCOMES = ('ignored', 'errors', 'starts', 'ends', 'malformed')


def _deep(depth):
    value = 'bottom'
    for _ in range(depth):
        value = {'fault': value}
    return value


def _bounded(test, row):
    test.assertLessEqual(len(row.message), 255)
    test.assertLessEqual(len(row.details.encode('utf-8')), 65535)
    test.assertLessEqual(len(row.instance_id), 64)
    test.assertTrue(row.message.strip())
    for text in (row.message, row.details, row.instance_id):
        test.assertNotIn('\x00', text)
        text.encode('utf-8')  # no lone surrogate


class TestPipelineProperties(base.TestCase):

    def setUp(self):
        super().setUp()
        self.pipeline = capture_pipeline.Pipeline.from_conf(self.conf)

    def _rows(self):
        with db_engine.get_engine().connect() as connection:
            return connection.execute(
                sa.select(models.InstanceFault)).all()

    @SETTINGS
    @hypothesis.given(st.lists(st.tuples(CONTEXTS, MESSAGES), min_size=1,
                               max_size=6))
    def test_every_notification_is_counted_once_and_rows_stay_bounded(
            self, batch):
        before = self.pipeline.counters.snapshot()
        events = [self.pipeline.event_of(ctxt, message)
                  for ctxt, message in batch]
        after = self.pipeline.counters.snapshot()
        self.assertEqual(len(batch), sum(
            after.get(name, 0) - before.get(name, 0) for name in OUTCOMES))
        events = [event for event in events if event is not None]
        for event in events:
            if event.is_error:
                self.assertTrue(event.instance_id)
                self.assertTrue(event.message)
        self.pipeline.store(events)
        for row in self._rows():
            _bounded(self, row)

    def test_deep_huge_and_binary_payloads_are_stored(self):
        payloads = [_deep(5000), {'message': _deep(5000)},
                    {'instance_id': 'i-big', 'message': 'm' * 10 ** 7,
                     'traceback': 't' * 10 ** 7},
                    {'instance_id': b'\xff\xfe', 'message': b'\x00\xff'},
                    [_deep(3000)] * 3]
        events = [self.pipeline.event_of(
            {}, {'event_type': 'svc.build.error', 'priority': 'ERROR',
                 'publisher_id': 'svc.host-1', 'payload': payload,
                 'message_id': 'm-%d' % number})
            for number, payload in enumerate(payloads)]
        self.assertNotIn(None, events)
        self.pipeline.store(events)
        rows = self._rows()
        self.assertEqual(len(payloads), len(rows))
        for row in rows:
            _bounded(self, row)


class TestDriverProperties(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(driver_write_timeout=5.0)
        transport = oslo_messaging.get_notification_transport(
            self.conf, url='fake:/')
        self.addCleanup(transport.cleanup)
        self.fault_persist.config.config(
            group='oslo_messaging_notifications', driver=['fault_persist'])
        self.notifier = oslo_messaging.Notifier(transport,
                                                publisher_id='svc.host-1')
        self.driver = self.notifier._driver_mgr.extensions[0].obj

    @SETTINGS
    @hypothesis.given(st.lists(st.tuples(CONTEXTS, MESSAGES), min_size=1,
                               max_size=4),
                      st.sampled_from(['ERROR', 'INFO', None, 5]))
    def test_notify_never_raises_and_counts_everything(self, batch,
                                                       priority):
        before = self.driver.counters.snapshot()
        for ctxt, message in batch:
            self.assertIsNone(self.driver.notify(ctxt, message, priority, -1))
        self.driver.flush(10)
        after = self.driver.counters.snapshot()
        self.assertEqual(len(batch), sum(
            after.get(name, 0) - before.get(name, 0) for name in OUTCOMES))
        self.assertEqual(0, after.get('lost', 0))

    def test_what_is_not_a_notification_is_counted_not_raised(self):
        before = self.driver.counters.snapshot().get('malformed', 0)
        for message in (None, 'text', 12, ['list'], {'no': 'event type'},
                        object()):
            self.driver.notify({}, message, 'ERROR', -1)
        self.assertEqual(6, self.driver.counters.snapshot()['malformed']
                         - before)

    def test_a_deep_payload_through_the_host_notifier(self):
        context = o_context.RequestContext(project_id='p-1')
        self.notifier.error(context, 'svc.build.error',
                            {'instance_id': 'i-deep',
                             'message': _deep(5000)})
        self.driver.flush(10)
        with db_engine.get_engine().connect() as connection:
            [row] = connection.execute(sa.select(models.InstanceFault)).all()
        self.assertEqual('i-deep', row.instance_id)
        _bounded(self, row)
