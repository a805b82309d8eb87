import os
import threading
from unittest import mock

import fixtures
from prometheus_client import exposition
from prometheus_client import registry as prom_registry

import fault_persist
from fault_persist.capture import counters as capture_counters
from fault_persist.tests import base


class TestCounters(base.TestCase):

    def test_incrementer_counts_with_add_and_take_starts_again(self):
        counts = capture_counters.Counters()
        count_ignored = counts.incrementer('ignored')
        for _ in range(3):
            count_ignored()
        counts.add('ignored')
        counts.add('stored', 2)
        self.assertEqual({'ignored': 4, 'stored': 2}, counts.snapshot())
        self.assertEqual({'ignored': 4, 'stored': 2}, counts.take())
        count_ignored()
        self.assertEqual({'ignored': 1}, counts.snapshot())

    def test_incrementer_loses_nothing_between_threads(self):
        counts = capture_counters.Counters()
        count = counts.incrementer('received')

        def run():
            for _ in range(20000):
                count()

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual({'received': 80000}, counts.snapshot())

    def test_counters_adds_up_every_capture_of_the_process(self):
        before = fault_persist.counters().get('requeued', 0)
        first = capture_counters.Counters()
        second = capture_counters.Counters()
        first.add('requeued', 2)
        second.add('requeued', 3)
        self.assertEqual(before + 5, fault_persist.counters()['requeued'])

    def test_remote_counts_of_a_gone_process_stay_in_the_totals(self):
        remote = capture_counters.RemoteCounts()
        remote.report(1, {'stored': 2})
        remote.report(1, {'stored': 5})
        remote.report(2, {'stored': 1})
        remote.gone(1)
        remote.report(3, {'stored': 4})
        self.assertEqual({'stored': 10}, remote.snapshot())

    def test_reports_through_a_pipe(self):
        read_fd, write_fd = os.pipe()
        reporter = capture_counters._Reporter(write_fd)
        with mock.patch.object(capture_counters, 'counters',
                               side_effect=[{'lost': 7}, {'lost': 7},
                                            {'lost': 9}]):
            reporter.send()
            reporter.send()  # unchanged: not written again
            reporter.send()
        os.close(write_fd)
        remote = capture_counters.RemoteCounts()
        capture_counters.read_reports(read_fd, 'worker', remote)
        self.assertEqual({'lost': 9}, remote.snapshot())

    def test_prometheus_metrics_name_every_counter(self):
        counts = capture_counters.Counters()
        counts.add('rejected.data_error', 2)
        counts.add('rejected', 2)
        registry = prom_registry.CollectorRegistry(auto_describe=False)
        registry.register(capture_counters._Collector())
        text = exposition.generate_latest(registry).decode()
        for name in capture_counters.DESCRIPTIONS:
            self.assertIn('# HELP fault_persist_%s_total ' % name, text)
        self.assertIn('fault_persist_rejected_total{reason="data_error"}',
                      text)
        self.assertIn('fault_persist_stored_total ', text)

    def test_log_lines_name_the_role_and_pid(self):
        log = self.useFixture(fixtures.FakeLogger(
            name='fault_persist'))
        logger = capture_counters.CountersLog(0.01, 'driver').start()
        self.addCleanup(logger.stop)
        deadline = threading.Event()
        for _ in range(200):
            if 'fault_persist counters (driver %d)' % os.getpid() in (
                    log.output):
                break
            deadline.wait(0.01)
        self.assertIn('fault_persist counters (driver %d)' % os.getpid(),
                      log.output)

    def test_interval_zero_logs_nothing(self):
        logger = capture_counters.CountersLog(0, 'driver').start()
        self.assertIsNone(logger._thread)
