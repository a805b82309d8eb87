"""Deprecated driver names that pair a standard driver with ``fault_persist``.

oslo.messaging's ``[oslo_messaging_notifications] driver`` is a multi-value
option: two drivers are two lines::

    [oslo_messaging_notifications]
    driver = messagingv2
    driver = fault_persist

Operators also write them on one line, comma-separated, as our own
documentation long did::

    driver = messagingv2,fault_persist

oslo.messaging does not split that value; it looks for a driver *named*
``messagingv2,fault_persist``. The entry points published here carry those
names, so the one-line form works for operators who already wrote it: each
drives the standard driver and ours with the same notification, and logs a
deprecation warning that shows the two-line form once per process.
"""

from oslo_log import log as logging
from oslo_log import versionutils
from oslo_messaging.notify import notifier
from stevedore import driver as stevedore_driver

from fault_persist.capture import driver as capture_driver

LOG = logging.getLogger(__name__)
_NAMESPACE = 'oslo.messaging.notify.drivers'


class _WithFaultPersist(notifier.Driver):
    """Send through a standard driver, then capture with ``fault_persist``.

    Subclasses name the standard driver in :attr:`OTHER`.
    """

    OTHER = None

    def __init__(self, conf, topics, transport):
        super().__init__(conf, topics, transport)
        versionutils.report_deprecated_feature(
            LOG, '[oslo_messaging_notifications] driver = %(other)s,'
            'fault_persist on one line is deprecated: write one line per '
            'driver, "driver = %(other)s" and "driver = fault_persist".',
            {'other': self.OTHER})
        self._other = stevedore_driver.DriverManager(
            _NAMESPACE, self.OTHER, invoke_on_load=True,
            # As oslo.messaging's Notifier loads its drivers.
            invoke_args=(conf,),
            invoke_kwds={'topics': topics, 'transport': transport}).driver
        self._fault_persist = capture_driver.FaultPersistDriver(
            conf, topics, transport)

    def notify(self, ctxt, message, priority, retry):
        try:
            self._other.notify(ctxt, message, priority, retry)
        finally:
            # Our driver never raises; it runs even when the bus failed.
            self._fault_persist.notify(ctxt, message, priority, retry)


class MessagingV2WithFaultPersist(_WithFaultPersist):
    """``driver = messagingv2,fault_persist``."""

    OTHER = 'messagingv2'


class MessagingWithFaultPersist(_WithFaultPersist):
    """``driver = messaging,fault_persist``."""

    OTHER = 'messaging'


class LogWithFaultPersist(_WithFaultPersist):
    """``driver = log,fault_persist``."""

    OTHER = 'log'
