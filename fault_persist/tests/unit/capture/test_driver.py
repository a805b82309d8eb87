import threading
import time

import fixtures
import oslo_messaging
from oslo_utils import uuidutils

import fault_persist
from fault_persist.capture import driver as capture_driver
from fault_persist.capture import spool as capture_spool
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import samples

TROVE_ERROR = 'trove/dbaas-instance_create-error'
NOVA_ERROR = 'nova/instance-create-error'


class DriverTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(track_tasks=False, driver_write_timeout=5.0,
                   spool_replay_interval=1.0)

    def notifier(self, publisher_id='taskmanager.trove-host-1'):
        """A real oslo.messaging Notifier using only our driver."""
        transport = oslo_messaging.get_notification_transport(
            self.conf, url='fake:/')
        self.fault_persist.config.config(
            group='oslo_messaging_notifications', driver=['fault_persist'])
        notifier = oslo_messaging.Notifier(transport,
                                           publisher_id=publisher_id)
        return notifier

    def driver_of(self, notifier):
        return notifier._driver_mgr.extensions[0].obj

    def stored(self, instance_id):
        return fault_persist.get_fault(base.admin_context(), instance_id)

    def listed(self):
        return fault_persist.list_faults(base.admin_context())


class TestDriverCapture(DriverTestCase):

    def test_entry_point_loads_our_driver(self):
        notifier = self.notifier()
        self.assertIsInstance(self.driver_of(notifier),
                              capture_driver.FaultPersistDriver)

    def test_trove_error_at_info_priority_is_stored(self):
        notifier = self.notifier()
        sample = samples.load(TROVE_ERROR)
        notifier.info({'request_id': 'req-1'}, sample['event_type'],
                      sample['payload'])
        fault = self.stored(sample['payload']['instance_id'])
        self.assertEqual('A guest error occurred', fault['message'])
        self.assertTrue(fault['details'].endswith(
            'RuntimeError: A guest error occurred'))

    def test_nova_error_is_stored_with_its_project(self):
        notifier = self.notifier('nova-compute:compute')
        sample = samples.load(NOVA_ERROR)
        notifier.error({}, sample['event_type'], sample['payload'])
        instance_id = sample['payload']['nova_object.data']['uuid']
        owner = base.user_context('6f70656e737461636b20342065766572')
        fault = fault_persist.get_fault(owner, instance_id)
        self.assertEqual("The created instance's disk would be too small.",
                         fault['message'])
        self.assertNotIn('details', fault)

    def test_ignored_notifications_store_nothing(self):
        notifier = self.notifier()
        notifier.info({}, 'compute.metrics.update', {'instance_id': 'i-1'})
        notifier.warn({}, 'compute.instance.exists', {'instance_id': 'i-1'})
        self.assertEqual([], self.listed())
        self.assertEqual({'received': 2, 'ignored': 2},
                         self.driver_of(notifier).counters.snapshot())

    def test_error_without_resource_is_a_fault_of_its_host(self):
        notifier = self.notifier('nova-scheduler:sched-1')
        notifier.error({}, 'scheduler.select.error', {'message': 'No host'})
        [fault] = self.listed()
        self.assertEqual(('sched-1', 'No host'),
                         (fault['instance_id'], fault['message']))
        self.assertEqual(1, self.driver_of(notifier).counters.snapshot()[
            'no_instance'])

    def test_same_message_twice_is_stored_once(self):
        notifier = self.notifier()
        driver = self.driver_of(notifier)
        message = {'message_id': uuidutils.generate_uuid(),
                   'publisher_id': 'svc.host', 'event_type': 'x.y.error',
                   'priority': 'ERROR', 'timestamp': '2026-01-01 00:00:00',
                   'payload': {'instance_id': 'i-1', 'message': 'Boom'}}
        driver.notify({}, message, 'ERROR', None)
        driver.notify({}, dict(message), 'ERROR', None)
        self.assertEqual(1, len(self.listed()))

    def test_malformed_notifications_never_raise(self):
        notifier = self.notifier()
        payloads = [None, 'text', 12, b'\xff\xfe', ['a'],
                    {'instance_id': None, 'message': 'x'},
                    {'instance_id': {'a': 1}},
                    {'instance_id': 'i-huge', 'message': 'm' * 10 ** 6,
                     'exception': 'e' * 10 ** 6},
                    {'instance_id': 'i-bytes', 'message': b'\xffbin\x00'},
                    {'instance_id': 'x' * 500, 'message': 'too long id'}]
        for payload in payloads:
            notifier.error({}, 'svc.thing.error', payload)
            notifier.info('not a context', 'dbaas.thing.error', payload)
        huge = self.stored('i-huge')
        self.assertEqual(255, len(huge['message']))
        self.assertLessEqual(len(huge['details'].encode('utf-8')), 65535)
        self.assertIn('bin', self.stored('i-bytes')['message'])
        # Nothing vanishes: an error whose resource cannot be read (none,
        # not text, an id too long to be one) is a fault of its host.
        self.assertEqual(2 * len(payloads), len(self.listed()))
        self.assertEqual(2 * 8, self.driver_of(notifier).counters.snapshot()[
            'no_instance'])

    def test_driver_calls_with_broken_message_never_raise(self):
        driver = self.driver_of(self.notifier())
        for message in (None, {}, {'event_type': None}, 'text',
                        {'event_type': 'a.error', 'payload': object()}):
            driver.notify({}, message, 'ERROR', None)

    def test_broken_configuration_disables_driver_without_raising(self):
        self.flags(definitions_file='/nonexistent/definitions.yaml')
        notifier = self.notifier()
        driver = self.driver_of(notifier)
        self.assertIsNone(driver.counters)
        sample = samples.load(TROVE_ERROR)
        notifier.info({}, sample['event_type'], sample['payload'])
        self.assertEqual([], self.listed())


class TestDriverWhenDatabaseFails(DriverTestCase):

    def test_database_gone_spools_then_replays_once_back(self):
        notifier = self.notifier()
        instance_ids = [uuidutils.generate_uuid() for _ in range(3)]
        with fp_fixtures.UnreachableDatabase():
            for instance_id in instance_ids:
                notifier.error({}, 'svc.build.error',
                               {'instance_id': instance_id, 'message': 'Boom'})
            self.assertEqual(1, len(self.spool_files()))
            self.assertEqual(3, self.driver_of(notifier).counters.snapshot()[
                'spooled'])
        # The database answers again.
        # The writer replays on its own, within its replay interval.
        self.wait_for(lambda: len(self.listed()) == 3)
        self.wait_for(lambda: not self.spool_files())
        self.assertEqual(sorted(instance_ids),
                         sorted(f['instance_id'] for f in self.listed()))

    def test_replay_of_events_already_stored_duplicates_nothing(self):
        notifier = self.notifier()
        driver = self.driver_of(notifier)
        notifier.error({}, 'svc.build.error',
                       {'instance_id': 'i-1', 'message': 'Boom'})
        event = driver._pipeline.event_of(
            {}, {'event_type': 'svc.build.error', 'priority': 'ERROR',
                 'message_id': 'm-dup',
                 'payload': {'instance_id': 'i-2', 'message': 'Boom'}})
        driver._pipeline.store([event])
        spool = capture_spool.Spool(self.conf.fault_persist.spool_dir)
        spool.append([event])
        self.assertEqual(1, spool.replay(driver._pipeline.store))
        self.assertEqual(2, len(self.listed()))

    def test_slow_database_does_not_hold_the_host(self):
        self.flags(driver_write_timeout=0.2)
        notifier = self.notifier()
        driver = self.driver_of(notifier)
        release = threading.Event()
        real_store = driver._pipeline.store

        def slow_store(events):
            release.wait(30)
            real_store(events)

        self.useFixture(fixtures.MockPatchObject(driver._writer, '_store',
                                                 slow_store))
        notifier.error({}, 'svc.build.error',
                       {'instance_id': 'i-slow', 'message': 'Boom'})
        # notify() returned while the database still holds the write: the
        # event is safe in the spool.
        self.assertEqual(1, len(self.spool_files()))
        release.set()
        driver.flush(30)
        # The spooled copy is settled (flush); the late commit, or the
        # replay of the spool, stores the fault once, soon after.
        deadline = time.monotonic() + 20
        while not self.listed() and time.monotonic() < deadline:
            time.sleep(0.05)
        driver.flush(30)
        self.assertEqual(1, len(self.listed()))


class TestDriverRequestLog(DriverTestCase):
    """Task lifecycles through a real Notifier with the driver."""

    def setUp(self):
        super().setUp()
        self.flags(track_tasks=True)

    def tasks_of(self, request_id):
        # Task starts and ends are stored in the background.
        self.assertTrue(fault_persist.flush(30))
        return fault_persist.list_tasks(base.admin_context(),
                                        request_id=request_id)

    def test_trove_start_then_end_completes_a_task(self):
        notifier = self.notifier()
        context = base.user_context()
        payload = dict(samples.load(TROVE_ERROR)['payload'],
                       request_id='req-trove-ok')
        del payload['message'], payload['exception']
        notifier.info(context, 'dbaas.instance_create.start', payload)
        notifier.info(context, 'dbaas.instance_create.end', payload)
        [task] = self.tasks_of('req-trove-ok')
        self.assertEqual((1001, False), (task['status'], task['running']))
        self.assertIsNotNone(task['duration'])
        self.assertEqual([], self.listed())

    def test_task_events_do_not_wait_for_the_database(self):
        notifier = self.notifier()
        driver = self.driver_of(notifier)
        release = threading.Event()
        real_store = driver._pipeline.store
        self.addCleanup(release.set)

        def blocked_store(events):
            release.wait(30)
            real_store(events)

        self.useFixture(fixtures.MockPatchObject(driver._writer, '_store',
                                                 blocked_store))
        payload = {'instance_id': 'db-1', 'request_id': 'req-async'}
        # Both return while the database is still busy with the start.
        notifier.info(base.user_context(), 'dbaas.instance_create.start',
                      payload)
        notifier.info(base.user_context(), 'dbaas.instance_create.end',
                      payload)
        self.assertEqual([], self.spool_files())
        release.set()
        [task] = self.tasks_of('req-async')
        self.assertEqual(1001, task['status'])

    def test_nova_start_then_error_fails_the_task_and_records_the_fault(self):
        notifier = self.notifier('nova-compute:compute')
        context = base.user_context()
        start = samples.load('nova/instance-create-start')
        error = samples.load(NOVA_ERROR)
        notifier.info(context, start['event_type'], start['payload'])
        [task] = self.tasks_of(context.request_id)
        self.assertEqual((1000, True), (task['status'], task['running']))
        notifier.error(context, error['event_type'], error['payload'])
        [task] = self.tasks_of(context.request_id)
        self.assertEqual(1002, task['status'])
        lines = list(fault_persist.request_log_lines(
            base.admin_context(), task_id=task['task_id']))
        self.assertEqual(2, len(lines))
        self.assertIn('Failure on Nova task ID %d: instance.create '
                      '178b0921-8f85-4257-88b6-2e743b5a975c '
                      "(FlavorDiskTooSmall The created instance's disk would "
                      'be too small.)' % task['task_id'], lines[0])
        self.assertEqual(1, len(self.listed()))
