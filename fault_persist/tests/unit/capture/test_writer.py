"""The background writer: every wait of the host is bounded."""

import threading
import time

import fixtures
import testtools

from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import spool as capture_spool
from fault_persist.capture import writer as capture_writer
from fault_persist.tests.unit.capture import test_spool

BOUND = 0.3
# What a loaded CI machine may add to the bound.
MARGIN = 1.5


class HungStore:
    """A store that hangs like a locked table until released."""

    def __init__(self):
        self.release = threading.Event()
        self.stored = []

    def __call__(self, events):
        self.release.wait(30)
        self.stored.extend(events)


class BrokenSpool(capture_spool.Spool):
    def append(self, events):
        raise OSError(28, 'No space left on device')


class WriterTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.directory = self.useFixture(fixtures.TempDir()).join('spool')
        self.spool = capture_spool.Spool(self.directory)
        self.counters = capture_pipeline.Counters()
        self.store = HungStore()
        self.addCleanup(self.store.release.set)

    def writer(self, spool=None, **kwargs):
        return capture_writer.BackgroundWriter(
            self.store, spool or self.spool, self.counters, BOUND, 1.0,
            **kwargs)

    def spooled_events(self):
        events = []
        reader = capture_spool.Spool(self.directory)
        self.spool.close()
        reader.replay(events.extend)
        return events

    def timed(self, function, *args):
        started = time.monotonic()
        result = function(*args)
        return result, time.monotonic() - started


class TestBoundedWaits(WriterTestCase):

    def test_submit_to_a_hung_database_returns_within_the_bound(self):
        writer = self.writer()
        stored, took = self.timed(writer.submit, [test_spool._event(1)])
        self.assertFalse(stored)
        self.assertLess(took, BOUND + MARGIN)
        self.assertEqual([test_spool._event(1)], self.spooled_events())

    def test_later_calls_do_not_wait_while_the_database_hangs(self):
        writer = self.writer()
        writer.submit([test_spool._event(1)])
        _, took = self.timed(writer.submit, [test_spool._event(2)])
        self.assertLess(took, BOUND)

    def test_call_returns_the_result_of_work_done_in_time(self):
        writer = self.writer()
        self.store.release.set()
        self.assertEqual((True, 42),
                         writer.call(lambda: 42, [test_spool._event(1)]))
        self.assertEqual({}, self.counters.snapshot())

    def test_call_of_hung_work_spools_its_events_within_the_bound(self):
        writer = self.writer()
        (stored, result), took = self.timed(
            writer.call, lambda: self.store([]), [test_spool._event(1)])
        self.assertEqual((False, None), (stored, result))
        self.assertLess(took, BOUND + MARGIN)
        self.assertEqual(1, self.counters.snapshot()['spooled'])

    def test_handed_over_events_reach_the_spool_within_the_bound(self):
        writer = self.writer()
        events = [test_spool._event(n) for n in range(50)]
        for event in events:
            writer.hand_over([event])
        time.sleep(BOUND + MARGIN)
        # Not held in memory while the database hangs: on disk.
        self.assertEqual(50, self.counters.snapshot().get('spooled'))
        self.assertEqual(events, self.spooled_events())


class TestQueueBound(WriterTestCase):

    def test_events_past_the_count_bound_are_spooled_by_the_caller(self):
        writer = self.writer(max_events=5)
        # The store thread is stuck in the database with a first batch.
        writer.hand_over([test_spool._event(0)])
        time.sleep(0.1)
        for number in range(1, 20):
            writer.hand_over([test_spool._event(number)])
        self.assertLessEqual(writer._queued_events, 5)
        self.assertGreaterEqual(self.counters.snapshot()['spooled'], 10)

    def test_events_past_the_byte_bound_are_spooled_by_the_caller(self):
        writer = self.writer(max_bytes=1024)
        big = test_spool._event(1)._replace(details='x' * 4096)
        writer.hand_over([big])
        self.assertEqual(0, writer._queued_bytes)
        self.assertEqual(1, self.counters.snapshot()['spooled'])


class TestCounting(WriterTestCase):

    def test_lost_counts_each_event_once(self):
        writer = self.writer(spool=BrokenSpool(self.directory))
        for number in range(12):
            writer.submit([test_spool._event(number)])
        self.store.release.set()
        writer.flush(10)
        self.assertEqual(12, self.counters.snapshot()['lost'])
        self.assertNotIn('spooled', self.counters.snapshot())

    def test_a_late_commit_is_not_spooled_twice(self):
        writer = self.writer()
        writer.submit([test_spool._event(1)])
        self.store.release.set()
        deadline = time.monotonic() + 10
        while not self.store.stored and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(writer.flush(10))
        self.assertEqual(1, self.counters.snapshot()['spooled'])
        # Committed late, then replayed: the database's message_id
        # keeps it single.
        self.assertEqual({'m-1'}, {e.message_id for e in self.store.stored})

    def test_spooled_events_are_replayed_once_the_database_answers(self):
        writer = self.writer()
        writer.submit([test_spool._event(1)])
        self.store.release.set()
        deadline = time.monotonic() + 10
        # The file goes before the counter moves: wait for both.
        while (not self.counters.snapshot().get('replayed')
               and time.monotonic() < deadline):
            time.sleep(0.05)
        self.assertFalse(self.spool.pending())
        self.assertEqual(1, self.counters.snapshot().get('replayed'))
