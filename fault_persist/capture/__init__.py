"""Capture: the three ways a fault reaches the store.

- :mod:`fault_persist.capture.driver`, the oslo.messaging notifier driver
  ``fault_persist``, inside the host process;
- :mod:`fault_persist.capture.listener`, the ``fault-persist-listener``
  service, out of process, on the bus;
- :func:`fault_persist.save_fault`, the direct call.

The first two share :mod:`fault_persist.capture.pipeline`.
"""
