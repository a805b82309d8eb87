"""The write-ahead log of a SQLite file, kept from growing without end.

In ``wal`` mode (``[fault_persist] sqlite_journal_mode``, the default)
SQLite copies its log into the database file (a checkpoint) at the
commit that takes it past 1,000 pages, but starts the log over only when
no transaction still reads from it. The listener's storers (two by
default) write one batch after the other, each beginning its transaction
while the other's is under way: the log is copied, but never started
over, and grows with an error storm, a page and a half an error (150 MB
after 72,000 errors in ``bench_listener.py --sqlite``), and with it the
``-wal`` file and the search of the log at every page read.

So a writer, after its commit and at most once every
:data:`CHECK_SECONDS` per process, asks SQLite how long the log is (a
passive checkpoint: it copies what the automatic ones left and waits for
no one) and, past :data:`RESTART_PAGES`, restarts it: a ``RESTART``
checkpoint waits for the transactions reading the log to end, holding
other writers meanwhile, and the next writer starts the log over. It
waits :data:`RESTART_WAIT_SECONDS` at most, not the connection's busy
timeout (the 5 s other writers wait for the write lock before they fail
with "database is locked"): a reader that stays longer (a long listing)
leaves the log as it is until a later look. The commit is done by then:
whatever the checkpoint meets is logged, never raised.

In a storm the log grows by about 4,500 pages a second: looked at once a
second, it passed 16,000 pages between two looks, and a restart that
found the other storer's transaction under way waited a second more.
Looked at every tenth of a second, the ``-wal`` file stayed at 57 to 89
MB in four rounds of 36,000 errors, where it grew to 109 to 182 MB
without; a look costs one statement, the restart (every four seconds or
so in a storm) the other storer's wait for the write lock.
"""

import logging
import sqlite3
import time

LOG = logging.getLogger(__name__)

#: How often, at most, a process looks at the log's length (seconds).
CHECK_SECONDS = 0.1
#: The log's length, in pages (4 KiB each), past which it is restarted:
#: 64 MiB.
RESTART_PAGES = 16384
#: How long, at most, a restart waits for the log's readers (seconds),
#: holding other writers meanwhile.
RESTART_WAIT_SECONDS = 0.5

# When this process looks next (time.monotonic()); a fork inherits it.
_next_check = 0.0


def after_commit(cursor):
    """Restart the log of ``cursor``'s SQLite file if it grew too long.

    :param cursor: a ``sqlite3`` cursor of a connection with no
        transaction open (just committed).
    :returns: ``True`` when it restarted the log.
    """
    global _next_check
    now = time.monotonic()
    if now < _next_check:
        return False
    _next_check = now + CHECK_SECONDS
    try:
        # (busy, pages in the log, pages copied): -1 pages outside wal
        # mode, or while another connection checkpoints (looked at again
        # next time).
        _, pages, _ = cursor.execute(
            'PRAGMA wal_checkpoint(PASSIVE)').fetchone()
        if pages <= RESTART_PAGES:
            return False
        busy, pages, copied = _restart(cursor)
    except sqlite3.Error as exc:
        LOG.warning('fault_persist could not check the write-ahead log of '
                    'its SQLite database (%s); it is checked again in '
                    '%.1f s.', exc, CHECK_SECONDS)
        return False
    if busy:
        LOG.debug('The write-ahead log of %d pages (%d copied) was not '
                  'restarted: a transaction kept reading it.', pages, copied)
        return False
    return True


def _restart(cursor):
    """A ``RESTART`` checkpoint waiting :data:`RESTART_WAIT_SECONDS`.

    :returns: ``(busy, pages in the log, pages copied)``.
    """
    busy_timeout = cursor.execute('PRAGMA busy_timeout').fetchone()[0]
    cursor.execute('PRAGMA busy_timeout=%d' % (RESTART_WAIT_SECONDS * 1000))
    try:
        return cursor.execute('PRAGMA wal_checkpoint(RESTART)').fetchone()
    finally:
        cursor.execute('PRAGMA busy_timeout=%d' % busy_timeout)
