import fixtures
import oslo_messaging

import fault_persist
from fault_persist.capture import combined
from fault_persist.tests import base


class TestOneLineDriverNames(base.TestCase):
    """``driver = messagingv2,fault_persist`` as one value works."""

    def setUp(self):
        super().setUp()
        self.flags(track_tasks=False)
        self.transport = oslo_messaging.get_notification_transport(
            self.conf, url='fake:/')

    def notifier(self, *drivers):
        self.fault_persist.config.config(
            group='oslo_messaging_notifications', driver=list(drivers))
        return oslo_messaging.Notifier(self.transport,
                                       publisher_id='svc.host-1')

    def test_one_line_value_loads_both_drivers(self):
        notifier = self.notifier('messagingv2,fault_persist')
        drivers = [ext.obj for ext in notifier._driver_mgr.extensions]
        self.assertEqual(1, len(drivers))
        self.assertIsInstance(drivers[0],
                              combined.MessagingV2WithFaultPersist)
        bus = self.useFixture(fixtures.MockPatchObject(
            drivers[0]._other, 'notify')).mock
        notifier.error({}, 'svc.build.error',
                       {'instance_id': 'i-1', 'message': 'Boom'})
        self.assertEqual(1, bus.call_count)
        self.assertEqual('svc.build.error',
                         bus.call_args[0][1]['event_type'])
        self.assertEqual('Boom', fault_persist.get_fault(
            base.admin_context(), 'i-1')['message'])

    def test_one_line_value_logs_the_two_line_form(self):
        # oslo.log says a deprecation once per process: start afresh.
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_log.versionutils._deprecated_messages_sent', {}))
        logs = self.useFixture(fixtures.FakeLogger(
            name='fault_persist.capture.combined'))
        notifier = self.notifier('log,fault_persist')
        notifier.info({}, 'svc.metrics.update', {})
        self.assertIn('"driver = log" and "driver = fault_persist"',
                      logs.output)
        self.assertIn('Deprecated', logs.output)

    def test_two_lines_load_both_drivers(self):
        notifier = self.notifier('messagingv2', 'fault_persist')
        self.assertEqual(2, len(notifier._driver_mgr.extensions))
        notifier.error({}, 'svc.build.error',
                       {'instance_id': 'i-2', 'message': 'Boom'})
        self.assertIsNotNone(fault_persist.get_fault(base.admin_context(),
                                                     'i-2'))

    def test_failing_bus_still_records_the_fault(self):
        notifier = self.notifier('log,fault_persist')
        driver = notifier._driver_mgr.extensions[0].obj
        self.useFixture(fixtures.MockPatchObject(
            driver._other, 'notify', side_effect=RuntimeError('bus down')))
        notifier.error({}, 'svc.build.error',
                       {'instance_id': 'i-3', 'message': 'Boom'})
        self.assertIsNotNone(fault_persist.get_fault(base.admin_context(),
                                                     'i-3'))
