"""Fault storage on SQLite."""

import threading

from fault_persist.db import faults as db_faults
from fault_persist import faults
from fault_persist.tests import base


class TestConcurrentSQLiteWriters(base.TestCase):
    """The driver's writer thread and the host may write at once."""

    def test_concurrent_writers_all_succeed(self):
        failures = []

        def write(prefix):
            try:
                for number in range(25):
                    db_faults.add_faults([faults.fault_record(
                        '%s-%d' % (prefix, number), 'Boom')])
            except Exception as exc:  # noqa: collected for the assertion
                failures.append(exc)

        threads = [threading.Thread(target=write, args=('t%d' % n,))
                   for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual([], failures)
        self.assertEqual(100, len(db_faults.list_faults()))
