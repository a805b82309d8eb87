import datetime
import os
import threading
import time

import fixtures
import testtools

from fault_persist.capture import spool as capture_spool
from fault_persist import events


def _event(number):
    return events.Event(
        kind='error', message_id='m-%d' % number, event_type='x.error',
        action='x', app='x', target='x i-%d' % number,
        instance_id='i-%d' % number, message='caf\u00e9 %d' % number,
        timestamp=datetime.datetime(2026, 1, 1, 0, 0, number))


class TestSpool(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.directory = self.useFixture(fixtures.TempDir()).join('spool')
        self.spool = capture_spool.Spool(self.directory)
        self.stored = []

    def test_direct_records_and_events_read_back_as_they_were(self):
        record = {'kind': 'fault', 'id': 'f-1', 'message_id': 'f-1',
                  'instance_id': 'i-1', 'message': 'm',
                  'timestamp': datetime.datetime(2026, 1, 1)}
        self.spool.append([record, _event(1)])
        self.spool.replay(self.stored.extend)
        self.assertEqual([record, _event(1)], self.stored)
        self.assertIsInstance(self.stored[1], events.Event)

    def test_append_then_replay_gives_back_every_event(self):
        events = [_event(n) for n in range(5)]
        self.spool.append(events[:2])
        self.spool.append(events[2:])
        self.assertTrue(self.spool.pending())
        self.assertEqual(5, self.spool.replay(self.stored.extend))
        self.assertEqual(events, self.stored)
        self.assertFalse(self.spool.pending())
        self.assertEqual([], os.listdir(self.directory))

    def test_failed_replay_keeps_the_file(self):
        self.spool.append([_event(1)])

        def failing_store(events):
            raise RuntimeError('database down')

        self.assertRaises(RuntimeError, self.spool.replay, failing_store)
        self.assertTrue(self.spool.pending())
        self.assertEqual(1, self.spool.replay(self.stored.extend))
        self.assertEqual([_event(1)], self.stored)

    def test_replay_in_batches(self):
        self.spool.append([_event(n) for n in range(7)])
        batches = []
        self.spool.replay(batches.append, batch_size=3)
        self.assertEqual([3, 3, 1], [len(batch) for batch in batches])

    def test_torn_line_is_kept_aside_not_dropped(self):
        self.spool.append([_event(1)])
        with open(self.spool.files()[0], 'a') as stream:
            stream.write('{"kind": "err')  # a write cut by a crash
        self.assertEqual(1, self.spool.replay(self.stored.extend))
        rejected = [name for name in os.listdir(self.directory)
                    if name.endswith('.rejected')]
        self.assertEqual(1, len(rejected))

    def test_append_after_replay_starts_a_new_file(self):
        self.spool.append([_event(1)])
        self.spool.replay(self.stored.extend)
        self.spool.append([_event(2)])
        self.spool.replay(self.stored.extend)
        self.assertEqual([_event(1), _event(2)], self.stored)

    def test_files_of_other_processes_are_replayed(self):
        other = os.path.join(self.directory, 'otherhost-1.spool')
        self.spool.append([_event(1)])
        os.rename(self.spool.files()[0], other)
        self.assertEqual(1, self.spool.replay(self.stored.extend))

    def test_empty_directory(self):
        self.assertFalse(self.spool.pending())
        self.assertEqual(0, self.spool.replay(self.stored.extend))


class TestSpoolsOfSeveralWriters(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.directory = self.useFixture(fixtures.TempDir()).join('spool')
        self.writer = capture_spool.Spool(self.directory)
        self.replayer = capture_spool.Spool(self.directory)
        self.stored = []

    def test_each_writer_has_a_file_of_its_own(self):
        self.writer.append([_event(1)])
        self.replayer.append([_event(2)])
        names = os.listdir(self.directory)
        self.assertEqual(2, len(names))
        self.assertTrue(all(str(os.getpid()) in name for name in names))

    def test_the_file_of_a_live_writer_is_skipped(self):
        self.writer.append([_event(1)])
        self.assertEqual(0, self.replayer.replay(self.stored.extend))
        self.assertEqual(1, len(self.writer.files()))

    def test_the_file_of_a_closed_writer_is_taken_over(self):
        self.writer.append([_event(1)])
        self.writer.close()
        self.assertEqual(1, self.replayer.replay(self.stored.extend))
        self.assertEqual([_event(1)], self.stored)

    def test_append_never_waits_for_a_replay_in_progress(self):
        self.writer.append([_event(1)])
        self.writer.close()
        release = threading.Event()
        self.addCleanup(release.set)

        def hung_store(events):
            release.wait(30)

        replay = threading.Thread(target=self.replayer.replay,
                                  args=(hung_store,), daemon=True)
        replay.start()
        time.sleep(0.2)  # the replayer holds the old file, stuck
        started = time.monotonic()
        self.writer.append([_event(2)])
        self.assertLess(time.monotonic() - started, 0.5)
        release.set()
        replay.join(10)
