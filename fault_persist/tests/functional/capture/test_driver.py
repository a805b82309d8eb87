"""The ``fault_persist`` notifier driver inside a host, with no bus at all.

A host enables the driver by configuration alone
(``[oslo_messaging_notifications] driver = fault_persist``) and sends
notifications through a real ``oslo_messaging.Notifier``; the errors are
stored in the database before the call returns, on SQLite (the embedded
default) and on PostgreSQL and MariaDB.
"""

import oslo_messaging

import fault_persist
from fault_persist.db import faults as db_faults
from fault_persist.tests import base
from fault_persist.tests.functional.capture import notifications
from fault_persist.tests.functional.db import base as db_base


class DriverBehaviour:
    """What a host gets from the driver, on any database backend."""

    def _notifier(self):
        # The fake transport: nothing here may need a bus.
        transport = oslo_messaging.get_notification_transport(
            self.conf, url='fake:/')
        self.addCleanup(transport.cleanup)
        self.fault_persist.config.config(
            group='oslo_messaging_notifications', driver=['fault_persist'])
        return oslo_messaging.Notifier(transport,
                                       publisher_id='functional-host')

    def test_errors_are_stored_by_the_time_notify_returns(self):
        notifier = self._notifier()
        errors = notifications.trove_errors() + notifications.nova_errors()
        for notification in errors:
            notification.send(notifier)

        admin = base.admin_context()
        for notification in errors:
            fault = fault_persist.get_fault(admin, notification.instance_id)
            self.assertIsNotNone(fault, notification.event_type)
            self.assertEqual(notification.message, fault['message'])
            self.assertTrue(fault['details'])
            stored, = db_faults.list_faults(notification.instance_id)
            self.assertEqual(
                (notification.event_type, notification.request_id),
                (stored.event_type, stored.request_id))

    def test_notifications_that_are_not_errors_store_nothing(self):
        notifier = self._notifier()
        for notification in notifications.noise():
            notification.send(notifier)
        sentinel, = notifications.trove_errors()
        sentinel.send(notifier)

        stored = db_faults.list_faults()
        self.assertEqual([sentinel.instance_id],
                         [fault.instance_id for fault in stored])


class TestDriverOnSQLite(DriverBehaviour, base.TestCase):
    pass


class TestDriverOnPostgreSQL(DriverBehaviour, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedPostgreSQL


class TestDriverOnMySQL(DriverBehaviour, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedMySQL
