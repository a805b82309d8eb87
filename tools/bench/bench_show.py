#!/usr/bin/env python3
"""The show view at 100,000 and 1,000,000 faults: API vs raw SQL.

Usage::

    python tools/bench/bench_show.py [--sizes 100000,1000000]
        [--db /tmp/fp_bench_show] [--rounds 7] [--loops 300]
        [--postgresql postgresql+psycopg2://root@127.0.0.1/fp_bench_show]
        [--clock wall|cpu]

SQLite files are built once per size (``<db>-<size>.sqlite``, bulk
inserted after our migrations) and reused by later runs; delete them to
build again. With ``--postgresql URL`` a database per size, named as in
the URL with a ``_<size>`` suffix, is created (it must not exist, or be
one this bench made: it is dropped and built again) and dropped at the
end, with ``psql`` as the server's admin.

Each instance has five faults, newest last: the three oldest resolved,
one in ten instances deleted, and one fault in a hundred a host's. One
instance in ten projects. At each size, the median of ``--rounds``
rounds of ``--loops`` calls, in us per call; in one process, every call
of every size in each round (in a shifted order), so that the sizes meet
the same load of other work:

* ``raw``: the show view's indexed query (the newest visible fault of an
  instance), on one DB-API connection held open: the floor;
* ``get_fault admin`` and ``get_fault member`` (a member of the
  instance's project: no details);
* ``raw page``: the page query of ``get_faults`` for 1,000 ids, as the
  admin asks it (the newest fault of each instance, with its details),
  in the backend's shape and compiled as ``get_faults`` compiles it, on
  the open connection;
* ``get_faults admin`` and ``get_faults member`` for a page of 1,000
  instances (the member's own).

Targets: get_fault within 3x raw at 1,000,000 faults; growth of get_fault
from the first size to the last at most 1.2x; get_faults of 1,000 ids
under 20x one get_fault.

``--clock cpu`` measures this process's CPU time instead of the wall
clock: on a machine other work keeps busy, the wall clock also counts the
time this process waits for a CPU. SQLite does all its work in this
process; a server's work (PostgreSQL) is not counted.
"""

import argparse
import datetime
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

from oslo_context import context as o_context
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

import fault_persist
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist.db import migration
from fault_persist.db import plans

import benchconf  # beside this file

TARGET_RAW = 3.0
TARGET_GROWTH = 1.2
TARGET_PAGE = 20.0
PAGE = 1000
PER_INSTANCE = 5
PROJECTS = ['project-%02d' % number for number in range(10)]
BASE_TIME = datetime.datetime(2026, 1, 1)
COLUMNS = ('id', 'instance_id', 'message', 'details', 'created', 'updated',
           'deleted', 'deleted_at', 'message_id', 'project_id', 'user_id',
           'request_id', 'event_type', 'publisher_id', 'host', 'priority',
           'code', 'resource_type', 'resolved_at')
DETAILS = ('Traceback (most recent call last):\n'
           '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py",'
           ' line 2523, in _build_and_run_instance\n' * 8
           + 'nova.exception.BuildAbortException: Build of instance aborted')
RAW_SQL = ('SELECT created, message, details, project_id FROM '
           'instance_faults WHERE instance_id = {p} AND deleted = {false} '
           'AND resolved_at IS NULL AND resource_type != \'host\' '
           'ORDER BY {order} LIMIT 1')


def instance_id(number):
    return '%08x-0000-4000-8000-%012x' % (number, number)


def fault_rows(size, as_text):
    """The faults of ``size // PER_INSTANCE`` instances, in index order."""
    def when(value):
        return value.strftime('%Y-%m-%d %H:%M:%S.%f') if as_text and (
            value is not None) else value

    for number in range(size // PER_INSTANCE):
        project = PROJECTS[number % len(PROJECTS)]
        deleted = number % 10 == 9
        for index in range(PER_INSTANCE):
            serial = number * PER_INSTANCE + index
            created = BASE_TIME + datetime.timedelta(seconds=serial)
            host = serial % 100 == 42
            resolved = (created + datetime.timedelta(milliseconds=500)
                        if index < 3 else None)
            yield (
                'f-%010d' % serial,
                'compute-%d' % (number % 97) if host
                else instance_id(number),
                'Build of instance %d failed (%d)' % (number, index),
                DETAILS, when(created), when(created),
                deleted, when(created) if deleted else None,
                'msg-%010d' % serial, project, 'user-%d' % (number % 7),
                'req-%010d' % serial, 'compute.instance.create.error',
                'compute.host-1', 'host-1', 'ERROR', 'BuildAbortException',
                'host' if host else 'instance', when(resolved))


class SQLite:
    name = 'sqlite'
    placeholder = '?'
    false = '0'
    # The order of the show view's statement (db.faults._newest_first).
    order = 'created DESC, id DESC'

    def __init__(self, prefix, size):
        self.path = '%s-%d.sqlite' % (prefix, size)
        self.url = 'sqlite:///' + self.path
        self.size = size

    def build(self):
        if os.path.exists(self.path):
            print('sqlite: reusing %s' % self.path)
            return
        started = time.perf_counter()
        building = self.path + '.building'
        if os.path.exists(building):
            os.unlink(building)
        engine = sa.create_engine('sqlite:///' + building)
        migration.upgrade(engine=engine)
        engine.dispose()
        connection = sqlite3.connect(building)
        connection.execute('PRAGMA synchronous = OFF')
        connection.execute('PRAGMA journal_mode = MEMORY')
        with connection:
            connection.executemany(
                'INSERT INTO instance_faults (%s) VALUES (%s)' % (
                    ', '.join(COLUMNS), ', '.join('?' * len(COLUMNS))),
                fault_rows(self.size, as_text=True))
        connection.execute('ANALYZE')
        connection.close()
        os.rename(building, self.path)
        print('sqlite: built %s in %.1f s' % (
            self.path, time.perf_counter() - started))

    def raw(self):
        return sqlite3.connect(self.path, check_same_thread=False)

    def drop(self):
        pass


class PostgreSQL:
    name = 'postgresql'
    placeholder = '%s'
    false = 'false'
    order = 'resolved_at DESC, created DESC, id DESC'

    def __init__(self, url, size):
        parsed = sa.engine.make_url(url)
        self.database = '%s_%d' % (parsed.database, size)
        self.url = parsed.set(database=self.database).render_as_string(
            hide_password=False)
        self.psql = ['psql', '-X', '-q', '-h', parsed.host or '127.0.0.1',
                     '-U', parsed.username or 'root', '-d', 'postgres',
                     '-v', 'ON_ERROR_STOP=1']
        self.size = size

    def _admin(self, statement):
        subprocess.run(self.psql + ['-c', statement], check=True)

    def build(self):
        started = time.perf_counter()
        self._admin('DROP DATABASE IF EXISTS %s' % self.database)
        self._admin('CREATE DATABASE %s' % self.database)
        engine = sa.create_engine(self.url)
        migration.upgrade(engine=engine)
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.copy_expert(
                "COPY instance_faults (%s) FROM STDIN WITH (FORMAT csv, "
                "NULL '\\N')" % ', '.join(COLUMNS), _CsvStream(
                    fault_rows(self.size, as_text=False)))
            cursor.execute('ANALYZE instance_faults')
            connection.commit()
        finally:
            connection.close()
            engine.dispose()
        print('postgresql: built %s in %.1f s' % (
            self.database, time.perf_counter() - started))

    def raw(self):
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        return engine.raw_connection()

    def drop(self):
        self._admin('DROP DATABASE IF EXISTS %s' % self.database)


class _CsvStream:
    """The rows as CSV, read by COPY a chunk at a time."""

    def __init__(self, rows):
        import csv
        import io
        self.rows = iter(rows)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.csv = io

    def read(self, size=-1):
        self.buffer.seek(0)
        self.buffer.truncate()
        for row in self.rows:
            self.writer.writerow(['\\N' if value is None else value
                                  for value in row])
            if self.buffer.tell() > 1 << 20:
                break
        return self.buffer.getvalue()

    readline = read


CLOCKS = {'wall': time.perf_counter, 'cpu': time.process_time}


def _per_call_us(call, args, loops, clock=time.perf_counter):
    count = len(args)
    start = clock()
    for index in range(loops):
        call(args[index % count])
    return (clock() - start) / loops * 1e6


def _contexts():
    admin = o_context.RequestContext(project_id='admin-project',
                                     user_id='admin',
                                     roles=['admin', 'member', 'reader'])
    members = {project: o_context.RequestContext(
        project_id=project, user_id='user-of-' + project,
        roles=['member', 'reader']) for project in PROJECTS}
    return admin, members


def _calls(backend, size):
    """``{name: (call, args, loops_factor)}`` and a check of agreement."""
    instances = size // PER_INSTANCE
    admin, members = _contexts()
    # Spread over the table; every tenth instance is deleted: shown None.
    step = max(1, instances // 997)
    shown = [number for number in range(0, instances, step)][:997]
    one = [instance_id(number) for number in shown]
    as_member = [(members[PROJECTS[number % len(PROJECTS)]],
                  instance_id(number)) for number in shown]
    # A page: 1,000 instances of one project, from the middle.
    start = instances // 2 - instances // 2 % len(PROJECTS)
    page_numbers = range(start, start + PAGE * len(PROJECTS), len(PROJECTS))
    page = [instance_id(number) for number in page_numbers]
    page_owner = members[PROJECTS[start % len(PROJECTS)]]
    connection = backend.raw()
    cursor = connection.cursor()
    sql = RAW_SQL.format(p=backend.placeholder, false=backend.false,
                         order=backend.order)
    # As the admin asks: the newest of each, with its details.
    raw_page = _raw_page(cursor)

    def raw(instance):
        cursor.execute(sql, (instance,))
        return cursor.fetchall()

    calls = {
        'raw': (raw, one, 1),
        'get_fault admin': (
            lambda instance: fault_persist.get_fault(admin, instance),
            one, 1),
        'get_fault member': (
            lambda pair: fault_persist.get_fault(*pair), as_member, 1),
        'raw page': (raw_page, [page], 0.01),
        'get_faults admin': (
            lambda ids: fault_persist.get_faults(admin, ids), [page], 0.01),
        'get_faults member': (
            lambda ids: fault_persist.get_faults(page_owner, ids), [page],
            0.01),
    }
    try:
        # The API and the raw queries agree.
        for instance in one[:50]:
            rows = raw(instance)
            fault = fault_persist.get_fault(admin, instance)
            # An instance with no fault that shows (a deleted one): None
            # from both.
            if ((fault['message'] if fault else None)
                    != (rows[0][1] if rows else None)):
                sys.exit('get_fault and the raw query disagree on %s'
                         % instance)
        listed = fault_persist.get_faults(admin, page)
        if len(listed) != len(raw_page(page)) or len(
                fault_persist.get_faults(page_owner, page)) != len(listed):
            sys.exit('get_faults and the raw page query disagree')
    except BaseException:
        # Or the bench could not drop its PostgreSQL database.
        connection.close()
        raise
    return calls, connection, len(listed)


def _raw_page(cursor):
    """The page query of get_faults as an admin asks it.

    The statement of the engine's dialect (see
    ``fault_persist.db.faults.get_latest_faults``) for the newest fault of
    each id with its details, and no project's, as ``read_rows`` compiles
    and binds it, run on the open DB-API ``cursor``: the database's and
    the driver's time, not the binding's.
    """
    dialect = db_engine.get_engine().dialect
    query = db_faults._page_query(dialect)
    plan = plans.plan_of(dialect, query.statements[False, True])

    bound = {}

    def raw_page(ids):
        # Its SQL and values made once per page, as a raw query has them.
        key = tuple(ids)
        if key not in bound:
            bound[key] = plan.bound({'instance_ids': query.bind(ids),
                                     'project_id': None})
        cursor.execute(*bound[key])
        return cursor.fetchall()

    return raw_page


def _measure(sizes, loops, rounds, clock):
    """Median us per call of each size's calls, all sizes in every round.

    :param sizes: ``{size: (facade, calls)}``; each size's calls run with
        its facade patched in.
    :returns: ``{size: {call name: median}}``.
    """
    results = {size: {name: [] for name in calls}
               for size, (facade, calls) in sizes.items()}
    order = [(size, name) for size, (facade, calls) in sizes.items()
             for name in calls]
    for round_ in range(rounds):
        # Each round in another order; every size meets the same load
        # (other work on the machine) as the others.
        shift = round_ * len(order) // rounds
        for size, name in order[shift:] + order[:shift]:
            facade, calls = sizes[size]
            call, args, factor = calls[name]
            restore = db_engine.context_manager.patch_factory(facade)
            try:
                results[size][name].append(_per_call_us(
                    call, args, max(3, int(loops * factor)), clock))
            finally:
                restore()
    return {size: {name: statistics.median(times)
                   for name, times in calls.items()}
            for size, calls in results.items()}


def _run(backends, loops, rounds, clock):
    """Measure the backends of every size, interleaved.

    :param backends: ``{size: backend}``, each built.
    :returns: ``{size: (medians, shown)}``.
    """
    prepared, shown, cleanups = {}, {}, []
    try:
        for size, backend in backends.items():
            facade = enginefacade.transaction_context()
            # As fault_persist.init() configures its own engine.
            db_engine.configure_facade(facade, backend.url)
            cleanups.append(facade.writer.get_engine().dispose)
            restore = db_engine.context_manager.patch_factory(facade)
            try:
                calls, connection, shown[size] = _calls(backend, size)
            finally:
                restore()
            cleanups.append(connection.close)
            prepared[size] = (facade, calls)
        medians = _measure(prepared, loops, rounds, clock)
        return {size: (medians[size], shown[size]) for size in backends}
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def _report(name, sizes, results):
    first, last = sizes[0], sizes[-1]
    print()
    print('%-10s %-18s %s' % ('backend', 'us per call', ' '.join(
        '%14d' % size for size in sizes)))
    for call in results[first][0]:
        print('%-10s %-18s %s' % (name, call, ' '.join(
            '%14.1f' % results[size][0][call] for size in sizes)))
    for size in sizes:
        medians, shown = results[size]
        for who in ('admin', 'member'):
            ratio = medians['get_fault ' + who] / medians['raw']
            page = medians['get_faults ' + who] / medians['get_fault ' + who]
            print('%-10s %9d faults, %-6s: get_fault/raw %5.2fx%s; '
                  'get_faults(%d ids, %d shown)/get_fault %5.2fx%s' % (
                      name, size, who, ratio,
                      ' (target <= %.0fx: %s)' % (
                          TARGET_RAW, 'met' if ratio <= TARGET_RAW
                          else 'MISSED') if size == last else '',
                      PAGE, shown, page,
                      ' (target < %.0fx: %s)' % (
                          TARGET_PAGE, 'met' if page < TARGET_PAGE
                          else 'MISSED')))
    for call in results[first][0]:
        growth = results[last][0][call] / results[first][0][call]
        target = ''
        if call.startswith('get_fault '):
            target = ' (target <= %.1fx: %s)' % (
                TARGET_GROWTH, 'met' if growth <= TARGET_GROWTH
                else 'MISSED')
        print('%-10s growth %d -> %d faults, %-18s %5.2fx%s' % (
            name, first, last, call + ':', growth, target))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='100000,1000000')
    parser.add_argument('--db', default='/tmp/fp_bench_show',
                        help='Prefix of the cached SQLite files.')
    parser.add_argument('--loops', type=int, default=300)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--postgresql', metavar='URL',
                        help='Also on PostgreSQL: a database this bench '
                             'creates (with a _<size> suffix) and drops.')
    parser.add_argument('--no-sqlite', action='store_true')
    parser.add_argument('--clock', choices=sorted(CLOCKS), default='wall',
                        help='wall: elapsed time (the default); cpu: this '
                             "process's CPU time.")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(',')]
    benchconf.patched_engine_conf()
    print('fault_persist show view: API vs raw SQL, loops %d, rounds %d '
          '(median us per call, %s clock)' % (
              args.loops, args.rounds, args.clock))
    kinds = [] if args.no_sqlite else [
        ('sqlite', lambda size: SQLite(args.db, size))]
    if args.postgresql:
        if not shutil.which('psql'):
            sys.exit('--postgresql needs psql')
        kinds.append(('postgresql',
                      lambda size: PostgreSQL(args.postgresql, size)))
    for name, make in kinds:
        backends = {}
        try:
            for size in sizes:
                backends[size] = make(size)
                backends[size].build()
            results = _run(backends, args.loops, args.rounds,
                           CLOCKS[args.clock])
        finally:
            for backend in backends.values():
                backend.drop()
        _report(name, sizes, results)
        print()


if __name__ == '__main__':
    main()
