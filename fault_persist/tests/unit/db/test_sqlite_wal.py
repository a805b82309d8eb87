"""sqlite_wal: a SQLite file's write-ahead log is restarted when too long."""

import logging
import os
import sqlite3
import threading
import time

import fixtures
import testtools

from fault_persist.db import sqlite_wal


class _RecordingCursor(sqlite3.Cursor):
    """A cursor that remembers the statements it ran."""

    def execute(self, sql, *args):
        self.connection.statements.append(sql)
        return super().execute(sql, *args)


class _Connection(sqlite3.Connection):
    statements = None


class TestAfterCommit(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'faults.sqlite')
        self.writer = self._connect()
        # The log only grows: no automatic checkpoint copies it back.
        self.writer.execute('PRAGMA wal_autocheckpoint=0')
        self.writer.execute('CREATE TABLE faults (details TEXT)')
        self.useFixture(fixtures.MockPatchObject(sqlite_wal,
                                                 'RESTART_PAGES', 50))
        self.useFixture(fixtures.MockPatchObject(sqlite_wal,
                                                 '_next_check', 0.0))
        self.logger = self.useFixture(fixtures.FakeLogger(
            name=sqlite_wal.__name__, level=logging.DEBUG))

    def _connect(self):
        connection = sqlite3.connect(self.path, timeout=5.0,
                                     isolation_level=None,
                                     factory=_Connection,
                                     check_same_thread=False)
        connection.statements = []
        self.addCleanup(connection.close)
        connection.execute('PRAGMA journal_mode=WAL')
        return connection

    def _write(self, rows):
        self.writer.executemany('INSERT INTO faults VALUES (?)',
                                [('x' * 4000,)] * rows)

    def _log_pages(self):
        return self.writer.execute(
            'PRAGMA wal_checkpoint(PASSIVE)').fetchone()[1]

    def _cursor(self):
        self.writer.statements.clear()
        return self.writer.cursor(_RecordingCursor)

    def test_a_long_log_is_restarted(self):
        self._write(100)
        self.assertGreater(self._log_pages(), 50)
        self.assertTrue(sqlite_wal.after_commit(self._cursor()))
        self.assertEqual(['PRAGMA wal_checkpoint(PASSIVE)',
                          'PRAGMA wal_checkpoint(RESTART)'],
                         [statement for statement in self.writer.statements
                          if statement.startswith('PRAGMA wal_')])
        self._write(1)
        # The next write started the log over.
        self.assertLess(self._log_pages(), 10)

    def test_a_short_log_is_left_alone(self):
        self._write(5)
        self.assertFalse(sqlite_wal.after_commit(self._cursor()))
        self.assertEqual(['PRAGMA wal_checkpoint(PASSIVE)'],
                         self.writer.statements)

    def test_the_log_is_looked_at_once_a_period(self):
        # However slow the machine, the second look is within the period.
        self.useFixture(fixtures.MockPatchObject(sqlite_wal,
                                                 'CHECK_SECONDS', 3600))
        self._write(100)
        sqlite_wal.after_commit(self._cursor())
        self._write(100)
        self.assertFalse(sqlite_wal.after_commit(self._cursor()))
        self.assertEqual([], self.writer.statements)
        self.assertGreater(self._log_pages(), 50)

    def test_the_restart_waits_for_a_reader_to_end(self):
        self._write(100)
        reader = self._connect()
        reader.execute('BEGIN')
        reader.execute('SELECT count(*) FROM faults').fetchone()
        ends = threading.Timer(0.3, reader.execute, ('COMMIT',))
        ends.start()
        self.addCleanup(ends.join)
        self.assertTrue(sqlite_wal.after_commit(self._cursor()))
        self.assertFalse(reader.in_transaction)

    def test_a_reader_that_stays_leaves_the_log_as_it_is(self):
        self.useFixture(fixtures.MockPatchObject(
            sqlite_wal, 'RESTART_WAIT_SECONDS', 0.1))
        self._write(100)
        reader = self._connect()
        reader.execute('BEGIN')
        reader.execute('SELECT count(*) FROM faults').fetchone()
        started = time.monotonic()
        self.assertFalse(sqlite_wal.after_commit(self._cursor()))
        # Not the connection's own busy timeout (5 s), which it keeps.
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertEqual(5000, self.writer.execute(
            'PRAGMA busy_timeout').fetchone()[0])
        self.assertIn('was not restarted', self.logger.output)
        reader.execute('COMMIT')
        self.assertGreater(self._log_pages(), 50)

    def test_a_failed_check_is_logged_not_raised(self):
        cursor = self._cursor()
        self.writer.close()
        self.assertFalse(sqlite_wal.after_commit(cursor))
        self.assertIn('could not check the write-ahead log',
                      self.logger.output)

    def test_outside_wal_mode_nothing_is_restarted(self):
        self.writer.execute('PRAGMA journal_mode=DELETE')
        self._write(100)
        self.assertFalse(sqlite_wal.after_commit(self._cursor()))
        self.assertEqual(['PRAGMA wal_checkpoint(PASSIVE)'],
                         self.writer.statements)
