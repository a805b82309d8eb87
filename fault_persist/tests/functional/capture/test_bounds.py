"""Every call of the host returns within its bound, whatever the database.

The database hangs (a second connection holds the tables' locks; a
black-hole address accepts and never answers) or refuses: the driver's
``notify``, ``save_fault`` and ``track_task`` each return within
``driver_write_timeout`` plus a margin, and once the database answers
again everything is stored exactly once from the spool.
"""

import os
import subprocess
import sys
import textwrap
import time

from oslo_utils import uuidutils
import sqlalchemy as sa

import fault_persist
from fault_persist.capture import spool as capture_spool
from fault_persist.capture import writer as capture_writer
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist import extract
from fault_persist import recognise
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests.functional.capture import tcp_proxy
from fault_persist.tests.functional.db import base as db_base

BOUND = 0.5
# What a loaded 2-CPU CI machine may add to the bound (an fsync, a
# thread switch); far below any database timeout.
LIMIT = 2.0
TABLES = ('instance_faults', 'request_log_tasks', 'request_log')


class BoundedCalls:
    """The three calls of a host, each timed, then checked stored once."""

    def setUp(self):
        super().setUp()
        self.flags(driver_write_timeout=BOUND, spool_replay_interval=1.0,
                   track_tasks=True)

    def timed(self, function, *args, **kwargs):
        started = time.monotonic()
        result = function(*args, **kwargs)
        took = time.monotonic() - started
        self.assertLess(took, LIMIT, '%s took %.2f s' % (function, took))
        return result

    def notify_error(self, instance_id):
        pipeline, writer = capture_writer.shared(self.conf)
        message = {'message_id': uuidutils.generate_uuid(),
                   'publisher_id': 'svc.host', 'event_type': 'x.build.error',
                   'priority': 'ERROR', 'timestamp': '2026-01-01 00:00:00',
                   'payload': {'instance_id': instance_id,
                               'message': 'Boom'}}
        event = pipeline.event_of({}, message, 'ERROR')
        self.timed(writer.submit, [event])

    def all_three_calls(self):
        self.notify_error('i-notify')
        self.timed(fault_persist.save_fault, None, 'i-direct', 'Boom')
        context = self.timed(fault_persist.track_task, None, 'trove',
                             'resize')
        self.timed(context.__enter__)
        self.timed(context.__exit__, None, None, None)

    def assert_stored_once(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            fault_persist.flush(5)
            faults = db_faults.list_faults()
            tasks = fault_persist.list_tasks(base.admin_context(), app='trove')
            if (len(faults) == 2 and tasks and tasks[0]['status'] == 1001
                    and not self._own_spool_pending()):
                break
            time.sleep(0.2)
        self.assertEqual(['i-direct', 'i-notify'], sorted(
            f.instance_id for f in db_faults.list_faults()))
        [task] = fault_persist.list_tasks(base.admin_context(), app='trove')
        self.assertEqual(2, len(fault_persist.list_request_log(
            base.admin_context(), task_id=task['task_id'])))

    def _own_spool_pending(self):
        return capture_spool.Spool(self.conf.fault_persist.spool_dir).pending()


class HeldLock(BoundedCalls):
    """A second connection holds the tables: the database hangs."""

    def lock_tables(self):
        connection = db_engine.get_engine().connect()
        transaction = connection.begin()
        if connection.dialect.name == 'postgresql':
            connection.execute(sa.text(
                'LOCK TABLE %s IN ACCESS EXCLUSIVE MODE' % ', '.join(TABLES)))
        else:
            connection.execute(sa.text('LOCK TABLES %s' % ', '.join(
                '%s WRITE' % table for table in TABLES)))

        def release():
            if connection.dialect.name != 'postgresql':
                connection.execute(sa.text('UNLOCK TABLES'))
            transaction.rollback()
            connection.close()
        return release

    def test_calls_return_within_the_bound_while_tables_are_locked(self):
        release = self.lock_tables()
        try:
            self.all_three_calls()
        finally:
            release()
        self.assert_stored_once()


class TestHeldLockOnPostgreSQL(HeldLock, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedPostgreSQL


class TestHeldLockOnMySQL(HeldLock, db_base.BackendTestCase):
    FIXTURE = db_base.MigratedMySQL


class _Elsewhere(fp_fixtures.UnreachableDatabase):
    def __init__(self, url):
        super().__init__()
        self.URL = url


class TestUnansweringDatabase(BoundedCalls, base.TestCase):
    """A black-hole address, then a refused one; SQLite answers after."""

    def test_black_hole_address(self):
        hole = self.useFixture(tcp_proxy.BlackHole())
        url = ('postgresql+psycopg2://nobody:x@127.0.0.1:%d/faults'
               '?connect_timeout=3' % hole.port)
        with _Elsewhere(url):
            self.all_three_calls()
        self.assert_stored_once()

    def test_refused(self):
        with fp_fixtures.UnreachableDatabase():
            self.all_three_calls()
        self.assert_stored_once()


REPLAYER = textwrap.dedent('''
    import sys, time
    from fault_persist.capture import spool
    print('replaying', flush=True)
    # A database that hangs: the replay never finishes a store.
    spool.Spool(sys.argv[1]).replay(lambda events: time.sleep(60))
''')


class TestTwoProcessesShareASpool(BoundedCalls, base.TestCase):

    def test_a_replay_elsewhere_never_delays_notify(self):
        directory = self.conf.fault_persist.spool_dir
        # A file left by a dead process, and one of this live process.
        dead = capture_spool.Spool(directory)
        dead.append([_event('i-dead')])
        dead.close()
        with fp_fixtures.UnreachableDatabase():
            self.notify_error('i-first')
            replayer = subprocess.Popen(
                [sys.executable, '-c', REPLAYER, directory],
                stdout=subprocess.PIPE, env=dict(
                    os.environ, PYTHONPATH=os.getcwd()))
            self.addCleanup(replayer.wait)
            self.addCleanup(replayer.kill)
            self.assertEqual(b'replaying\n', replayer.stdout.readline())
            time.sleep(0.5)  # it holds the dead file, stuck in the store
            for number in range(3):
                self.notify_error('i-%d' % number)
        replayer.kill()
        replayer.wait()
        deadline = time.monotonic() + 15
        while len(db_faults.list_faults()) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(['i-0', 'i-1', 'i-2', 'i-dead', 'i-first'], sorted(
            f.instance_id for f in db_faults.list_faults()))


def _event(instance_id):
    return extract.Definitions.load().extract(
        {}, {'message_id': uuidutils.generate_uuid(),
             'publisher_id': 'svc.host', 'event_type': 'x.build.error',
             'priority': 'ERROR', 'timestamp': '2026-01-01 00:00:00',
             'payload': {'instance_id': instance_id, 'message': 'Boom'}},
        recognise.ERROR)
