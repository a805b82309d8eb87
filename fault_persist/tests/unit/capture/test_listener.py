from unittest import mock

import fixtures
import oslo_messaging

import fault_persist
from fault_persist.capture import listener
from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.conf import listener as listener_opts
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import samples


class TestNotificationEndpoint(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(track_tasks=False)
        self.pipeline = capture_pipeline.Pipeline.from_conf(self.conf)
        self.endpoint = listener.NotificationEndpoint(self.pipeline,
                                                      requeue_delay=0)

    def listed(self):
        return fault_persist.list_faults(base.admin_context())

    def test_endpoint_serves_the_priorities_that_carry_errors(self):
        for priority in ('info', 'warn', 'error', 'critical', 'audit'):
            self.assertTrue(callable(getattr(self.endpoint, priority)))
        self.assertFalse(hasattr(self.endpoint, 'debug'))
        self.assertFalse(hasattr(self.endpoint, 'sample'))

    def test_batch_is_stored_and_acknowledged(self):
        result = self.endpoint.info([
            samples.incoming('trove/dbaas-instance_create-error', 'm-1')])
        self.assertIsNone(result)
        result = self.endpoint.error([
            samples.incoming('nova/instance-create-error', 'm-2'),
            samples.incoming('nova/instance-reboot-error', 'm-3')])
        self.assertIsNone(result)
        listed = self.listed()
        self.assertEqual(3, len(listed))
        self.assertEqual({'2026-11-22T10:00:00Z'},
                         {fault['created'] for fault in listed})

    def test_redelivered_batch_is_stored_once(self):
        batch = [samples.incoming('nova/instance-create-error', 'm-1'),
                 samples.incoming('nova/instance-reboot-error', 'm-2')]
        self.endpoint.error(batch)
        self.endpoint.error(batch)
        self.assertEqual(2, len(self.listed()))

    def test_database_failure_requeues_the_batch(self):
        batch = [samples.incoming('nova/instance-create-error', 'm-1')]
        with fp_fixtures.UnreachableDatabase():
            result = self.endpoint.error(batch)
        self.assertEqual(oslo_messaging.NotificationResult.REQUEUE, result)
        self.assertEqual(1, self.pipeline.counters.snapshot()['requeued'])
        self.assertIsNone(self.endpoint.error(batch))
        self.assertEqual(1, len(self.listed()))

    def test_requeue_pauses_first(self):
        sleeps = []
        self.useFixture(fixtures.MonkeyPatch(
            'fault_persist.capture.listener.time.sleep', sleeps.append))
        endpoint = listener.NotificationEndpoint(self.pipeline,
                                                 requeue_delay=2.5)
        with fp_fixtures.UnreachableDatabase():
            endpoint.error(
                [samples.incoming('nova/instance-create-error', 'm-1')])
        self.assertEqual([2.5], sleeps)

    def test_malformed_messages_are_skipped_and_the_rest_stored(self):
        good = samples.incoming('nova/instance-create-error', 'm-1')
        batch = [None, {'no': 'metadata'}, 'text',
                 {'event_type': 'x.error', 'metadata': {},
                  'payload': b'\xff'}, good]
        self.assertIsNone(self.endpoint.error(batch))
        # The error without a payload is still a fault, of no known host.
        self.assertEqual(
            sorted(['unknown', samples.load('nova/instance-create-error')[
                'payload']['nova_object.data']['uuid']]),
            sorted(fault['instance_id'] for fault in self.listed()))
        self.assertGreaterEqual(
            self.pipeline.counters.snapshot()['malformed'], 3)

    def test_only_messages_of_interest_are_handed_to_the_storers(self):
        storers = mock.Mock()
        endpoint = listener.NotificationEndpoint(self.pipeline,
                                                 requeue_delay=0,
                                                 storers=storers)
        ignored = {'event_type': 'compute.metrics.update', 'payload': {},
                   'publisher_id': 'x.y', 'ctxt': {},
                   'metadata': {'message_id': 'm', 'timestamp': None}}
        error = samples.incoming('trove/dbaas-instance_create-error', 'm-1')
        self.assertIsNone(endpoint.info([ignored, error, None]))
        storers.store.assert_called_once_with([error, None], 'INFO')
        self.assertEqual(1, self.pipeline.counters.snapshot()['ignored'])
        storers.reset_mock()
        self.assertIsNone(endpoint.info([ignored]))
        storers.store.assert_not_called()

    def test_ignored_notifications_are_acknowledged(self):
        message = {'event_type': 'compute.metrics.update', 'payload': {},
                   'publisher_id': 'x.y', 'ctxt': {},
                   'metadata': {'message_id': 'm', 'timestamp': None}}
        self.assertIsNone(self.endpoint.info([message]))
        self.assertEqual(1, self.pipeline.counters.snapshot()['ignored'])


class TestBuildListener(base.TestCase):

    def setUp(self):
        super().setUp()
        listener_opts.register_opts(self.conf)

    def test_prefetch_defaults_to_a_batch_per_storer_and_two_more(self):
        self.fault_persist.config.config(group=listener_opts.GROUP,
                                         batch_size=50,
                                         store_processes=3,
                                         transport_url='rabbit://g:g@h:1/')
        server = listener.build_listener(
            self.conf, capture_pipeline.Pipeline.from_conf(self.conf))
        self.assertEqual(
            250, self.conf.oslo_messaging_rabbit.rabbit_qos_prefetch_count)
        self.assertTrue(server.server._allow_requeue)
        self.assertEqual(3, server.storers.processes)

    def test_no_storers_stores_in_the_listener_process(self):
        self.fault_persist.config.config(group=listener_opts.GROUP,
                                         batch_size=50,
                                         store_processes=0,
                                         transport_url='rabbit://g:g@h:1/')
        server = listener.build_listener(
            self.conf, capture_pipeline.Pipeline.from_conf(self.conf))
        self.assertIsNone(server.storers)
        self.assertEqual(
            100, self.conf.oslo_messaging_rabbit.rabbit_qos_prefetch_count)

    def test_pool_and_topics_are_used(self):
        self.fault_persist.config.config(group=listener_opts.GROUP,
                                         transport_url='fake:/',
                                         topics=['a', 'b'], pool='faults')
        server = listener.build_listener(
            self.conf, capture_pipeline.Pipeline.from_conf(self.conf))
        self.assertEqual(['a', 'b'],
                         [target.topic for target in server.server.targets])
        self.assertEqual('faults', server.server._pool)
