#!/usr/bin/env python3
"""Reading the request log at 100,000 and 1,000,000 entries: API vs raw SQL.

Usage::

    python tools/bench/bench_request_log.py [--sizes 100000,1000000]
        [--backends sqlite,postgresql] [--loops 30] [--repeats 7]
        [--pg-admin-url postgresql+psycopg2://root@127.0.0.1/postgres]

For each backend, a scratch database (a temporary SQLite file; the
PostgreSQL database ``fp_bench_request_log``, dropped at the end) is
built by our migrations and bulk-filled with the entries of overlapping
tasks, each task open for about 100 entries. At each size three queries
run, the variants interleaved in one process:

* ``between``: the entries between the start and the end of a task in the
  middle of the log (the task's times, then the range), as
  :func:`fault_persist.entries_between`;
* ``newest``: the newest page of 100 entries, as
  :func:`fault_persist.list_request_log` with ``limit=100``;
* ``marker``: the page of 100 after an entry in the middle of the log.

Each three ways: ``api``, the public API (policy check, query, dicts);
``sql``, the same SQL written by hand on the same indexes, run through
the same engine on a connection checked out per call, as every
fault_persist call is; ``driver``, the same SQL on one DB-API cursor held
open for the whole run, with no pool and no SQLAlchemy: the floor. Then
the growth of each from the first size to the last, and the query plans.

Targets: the API within 2x of raw SQL (api/sql); flat (growth near 1x)
as the log grows 10x.
"""

import argparse
import collections
import csv
import datetime
import functools
import io
import os
import sqlite3
import statistics
import sys
import tempfile
import time

from oslo_context import context as o_context
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

import fault_persist
from fault_persist.db import engine as db_engine
from fault_persist.db import migration
from fault_persist import request_log_text as text

import benchconf  # beside this file

TARGET_RATIO = 2.0
PAGE = 100
# A task stays open while this many other tasks start.
SPAN = 50
BASE_TIME = datetime.datetime(2026, 1, 1)
STEP = datetime.timedelta(milliseconds=100)
PROJECTS = ['project-%02d' % number for number in range(20)]
APPS = [('trove', 'dbaas.instance_create'), ('nova', 'instance.create')]
ENTRY_COLUMNS = ('id', 'message_id', 'task_id', 'created', 'req', 'status',
                 'app', 'user_id', 'ip', 'msg_code', 'detail_code',
                 'detail_message', 'target', 'message', 'event_type',
                 'request_id', 'instance_id', 'project_id')
TASK_COLUMNS = ('id', 'correlation_id', 'action', 'app', 'target', 'status',
                'started_at', 'ended_at', 'request_id', 'instance_id',
                'project_id', 'user_id')
SELECT_COLUMNS = ', '.join(ENTRY_COLUMNS)


class Log:
    """Generates the request log, position by position, across fills."""

    def __init__(self):
        self.position = 0
        self.next_task = 0
        self.open = collections.deque()
        self.tasks = {}

    def _task(self, task_id):
        app, action = APPS[task_id % len(APPS)]
        project = PROJECTS[task_id % len(PROJECTS)]
        instance = 'inst-%08d' % task_id
        return {'id': task_id, 'correlation_id': 'req-%08d' % task_id,
                'action': action, 'app': app,
                'target': '%s %s' % (action, instance), 'status': 1000,
                'started_at': None, 'ended_at': None,
                'request_id': 'req-%08d' % task_id, 'instance_id': instance,
                'project_id': project, 'user_id': 'user-%d' % (task_id % 7)}

    def entries(self, count):
        """``count`` more entries; the tasks they closed are in ``closed``."""
        self.closed = []
        for _ in range(count):
            created = BASE_TIME + STEP * self.position
            if self.position % 2 == 0 or len(self.open) < SPAN:
                self.next_task += 1
                task = self._task(self.next_task)
                task['started_at'] = created
                self.tasks[task['id']] = task
                self.open.append(task['id'])
                status = 1000
            else:
                task = self.tasks.pop(self.open.popleft())
                status = 1002 if task['id'] % 10 == 0 else 1001
                task['status'], task['ended_at'] = status, created
                self.closed.append(task)
            yield self._entry(task, status, created)
            self.position += 1

    def _entry(self, task, status, created):
        failed = status == 1002
        detail = ('RuntimeError', 'A guest error occurred') if failed else (
            None, None)
        return {
            'id': self.position + 1,
            'message_id': 'msg-%09d' % self.position,
            'task_id': task['id'], 'created': created, 'req': 'TASK',
            'status': status, 'app': task['app'], 'user_id': task['user_id'],
            'ip': '10.0.%d.%d' % (task['id'] % 250, self.position % 250),
            'msg_code': text.MESSAGE_CODES[status],
            'detail_code': detail[0], 'detail_message': detail[1],
            'target': task['target'],
            'message': text.message(status, task['app'], task['id'],
                                    task['target'], *detail),
            'event_type': '%s.%s' % (task['action'], {
                1000: 'start', 1001: 'end', 1002: 'error'}[status]),
            'request_id': task['request_id'],
            'instance_id': task['instance_id'],
            'project_id': task['project_id'],
        }

    def running(self):
        return [self.tasks[task_id] for task_id in self.open]


class Backend:
    """A scratch database of one kind, and how to bulk-load it."""

    name = None

    def load(self, entries, closed, running, previous_running):
        raise NotImplementedError

    def raw(self):
        return self.engine.raw_connection()


class SQLiteBackend(Backend):
    name = 'sqlite'
    placeholder = '?'

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix='fp_bench_')
        self.path = os.path.join(self.directory, 'bench.sqlite')
        self.url = 'sqlite:///' + self.path

    @staticmethod
    def _value(value):
        # SQLAlchemy's format of a DATETIME on SQLite.
        if isinstance(value, datetime.datetime):
            return value.strftime('%Y-%m-%d %H:%M:%S.%f')
        return value

    def _rows(self, rows, columns):
        return ([self._value(row[name]) for name in columns] for row in rows)

    def load(self, entries, closed, running, previous_running):
        connection = sqlite3.connect(self.path)
        connection.execute('PRAGMA synchronous = OFF')
        with connection:
            fresh, finished = _split(closed, running, previous_running)
            connection.executemany(
                'UPDATE request_log_tasks SET status = ?, ended_at = ? '
                'WHERE id = ?', [(task['status'],
                                  self._value(task['ended_at']), task['id'])
                                 for task in finished])
            _insert(connection, 'request_log_tasks', TASK_COLUMNS,
                    self._rows(fresh, TASK_COLUMNS), '?')
            _insert(connection, 'request_log', ENTRY_COLUMNS,
                    self._rows(entries, ENTRY_COLUMNS), '?')
        connection.execute('ANALYZE')
        connection.close()

    def drop(self):
        for name in os.listdir(self.directory):
            os.unlink(os.path.join(self.directory, name))
        os.rmdir(self.directory)


class PostgreSQLBackend(Backend):
    name = 'postgresql'
    placeholder = '%s'
    DATABASE = 'fp_bench_request_log'

    def __init__(self, admin_url):
        self.admin = sa.create_engine(admin_url, isolation_level='AUTOCOMMIT')
        with self.admin.connect() as connection:
            connection.execute(sa.text('DROP DATABASE IF EXISTS '
                                       + self.DATABASE))
            connection.execute(sa.text('CREATE DATABASE ' + self.DATABASE))
        self.url = sa.engine.make_url(admin_url).set(
            database=self.DATABASE).render_as_string(hide_password=False)

    @staticmethod
    def _csv(rows, columns):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(['\\N' if row[name] is None else row[name]
                             for name in columns])
        buffer.seek(0)
        return buffer

    def _copy(self, cursor, table, rows, columns):
        cursor.copy_expert(
            "COPY %s (%s) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            % (table, ', '.join(columns)), self._csv(rows, columns))

    def load(self, entries, closed, running, previous_running):
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            fresh, finished = _split(closed, running, previous_running)
            cursor.executemany(
                'UPDATE request_log_tasks SET status = %s, ended_at = %s '
                'WHERE id = %s', [(task['status'], task['ended_at'],
                                   task['id']) for task in finished])
            self._copy(cursor, 'request_log_tasks', fresh, TASK_COLUMNS)
            self._copy(cursor, 'request_log', entries, ENTRY_COLUMNS)
            for table in ('request_log_tasks', 'request_log'):
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, "
                               "'id'), (SELECT max(id) FROM " + table + "))",
                               (table,))
            # Statistics as autovacuum would gather them in time.
            cursor.execute('ANALYZE request_log_tasks')
            cursor.execute('ANALYZE request_log')
            connection.commit()
        finally:
            connection.close()

    def drop(self):
        with self.admin.connect() as connection:
            connection.execute(sa.text('DROP DATABASE IF EXISTS '
                                       + self.DATABASE))
        self.admin.dispose()


def _split(closed, running, previous_running):
    """Tasks to insert, and tasks loaded before as running to update."""
    loaded = {task['id'] for task in previous_running}
    fresh = [task for task in closed + running if task['id'] not in loaded]
    finished = [task for task in closed if task['id'] in loaded]
    return fresh, finished


def _insert(connection, table, columns, rows, placeholder):
    values = ', '.join([placeholder] * len(columns))
    connection.executemany('INSERT INTO %s (%s) VALUES (%s)' % (
        table, ', '.join(columns), values), rows)


def _per_call_us(call, loops):
    start = time.perf_counter()
    for _ in range(loops):
        call()
    return (time.perf_counter() - start) / loops * 1e6


VARIANTS = ('api', 'sql', 'driver')


def _measure(calls, loops, repeats):
    """``{query: {variant: [us per call of each repeat]}}``, interleaved."""
    results = {query: {variant: [] for variant in VARIANTS}
               for query in calls}
    for repeat in range(repeats):
        for query, variants in calls.items():
            order = list(VARIANTS[repeat % 3:] + VARIANTS[:repeat % 3])
            for variant in order:
                results[query][variant].append(
                    _per_call_us(variants[variant], loops))
    return results


def _statements(backend, log):
    """The queries as hand-written SQL: ``{query: function(run)}``."""
    p = backend.placeholder
    task_id = log.next_task // 2
    marker = log.position // 2

    def between(run):
        start, end = run('SELECT started_at, ended_at FROM request_log_tasks '
                         'WHERE id = %s' % p, (task_id,))[0]
        return run('SELECT %s FROM request_log WHERE created >= %s AND '
                   'created <= %s ORDER BY created, id'
                   % (SELECT_COLUMNS, p, p), (start, end))

    def newest(run):
        return run('SELECT %s FROM request_log ORDER BY created DESC, id DESC '
                   'LIMIT %d' % (SELECT_COLUMNS, PAGE), ())

    def after_marker(run):
        created = run('SELECT created FROM request_log WHERE id = %s' % p,
                      (marker,))[0][0]
        return run('SELECT %s FROM request_log WHERE created <= %s AND '
                   '(created < %s OR id < %s) ORDER BY created DESC, id DESC '
                   'LIMIT %d' % (SELECT_COLUMNS, p, p, p, PAGE),
                   (created, created, marker))

    return {'between': between, 'newest': newest, 'marker': after_marker}


def _queries(backend, log, admin):
    """Each query three ways, checked to give the same entries.

    ``api``: the public API. ``sql``: the same SQL written by hand, run
    through the same engine, on a pooled connection checked out per call
    as every fault_persist call does (oslo.db's checkout ping and reset
    included). ``driver``: the same SQL on one DB-API cursor held open for
    the whole run: the floor, with no pool, no SQLAlchemy.
    """
    task_id = log.next_task // 2
    marker = log.position // 2
    raw_connection = backend.raw()
    cursor = raw_connection.cursor()

    def driver_run(sql, params):
        cursor.execute(sql, params)
        return cursor.fetchall()

    def through_engine(statement):
        def call():
            with backend.engine.connect() as connection:
                def run(sql, params):
                    return connection.exec_driver_sql(sql, params).fetchall()
                return statement(run)
        return call

    api = {
        'between': lambda: fault_persist.entries_between(admin, task_id),
        'newest': lambda: fault_persist.list_request_log(admin, limit=PAGE),
        'marker': lambda: fault_persist.list_request_log(
            admin, limit=PAGE, marker=marker),
    }
    calls = {}
    for query, statement in _statements(backend, log).items():
        calls[query] = {
            'api': api[query],
            'sql': through_engine(statement),
            'driver': functools.partial(statement, driver_run),
        }
    rows = {}
    for query, variants in calls.items():
        ids = [[entry['id'] for entry in variants['api']()]] + [
            [row[0] for row in variants[variant]()]
            for variant in ('sql', 'driver')]
        if not ids[0] or ids[1:] != [ids[0], ids[0]]:
            sys.exit('%s: the API and raw SQL disagree' % query)
        rows[query] = len(ids[0])
    return calls, rows, raw_connection, cursor


def _plans(backend, log):
    """The plans of the range and the newest page, as the queries run."""
    explain = ('EXPLAIN QUERY PLAN ' if backend.name == 'sqlite'
               else 'EXPLAIN ')
    with backend.engine.connect() as connection:
        start, end = connection.execute(sa.text(
            'SELECT started_at, ended_at FROM request_log_tasks WHERE '
            'id = :id'), {'id': log.next_task // 2}).one()
        statements = {
            'between': ('SELECT * FROM request_log WHERE created >= :start '
                        'AND created <= :end ORDER BY created, id',
                        {'start': start, 'end': end}),
            'newest': ('SELECT * FROM request_log ORDER BY created DESC, '
                       'id DESC LIMIT %d' % PAGE, {}),
        }
        for name, (statement, params) in statements.items():
            rows = connection.execute(sa.text(explain + statement),
                                      params).all()
            print('  plan of %-8s %s' % (name + ':', ' | '.join(
                row[-1].strip() for row in rows)))


def _context():
    return o_context.RequestContext(project_id='admin-project',
                                    user_id='admin', roles=['admin'])


def _run_backend(backend, sizes, loops, repeats):
    facade = enginefacade.transaction_context()
    facade.configure(connection=backend.url)
    backend.engine = facade.writer.get_engine()
    restore = db_engine.context_manager.patch_factory(facade)
    try:
        migration.upgrade(engine=backend.engine)
        log, running, results = Log(), [], {}
        for size in sizes:
            started = time.perf_counter()
            entries = list(log.entries(size - log.position))
            now_running = log.running()
            backend.load(entries, log.closed, now_running, running)
            running = now_running
            print('%s: filled to %d entries, %d tasks, in %.1f s'
                  % (backend.name, log.position, log.next_task,
                     time.perf_counter() - started))
            calls, rows, raw_connection, cursor = _queries(
                backend, log, _context())
            results[size] = (_measure(calls, loops, repeats), rows)
            cursor.close()
            raw_connection.close()
        _plans(backend, log)
        return results
    finally:
        restore()
        backend.engine.dispose()


def _report(name, sizes, results):
    print()
    print('%-10s %-8s %9s %4s %9s %9s %9s %8s %8s' % (
        'backend', 'query', 'entries', 'rows', 'api us', 'sql us',
        'driver us', 'api/sql', 'api/drv'))
    medians = {}
    for size in sizes:
        measured, rows = results[size]
        for query, times in measured.items():
            median = {variant: statistics.median(times[variant])
                      for variant in VARIANTS}
            medians[size, query] = median
            ratio = median['api'] / median['sql']
            print('%-10s %-8s %9d %4d %9.0f %9.0f %9.0f %7.2fx %7.2fx%s' % (
                name, query, size, rows[query], median['api'], median['sql'],
                median['driver'], ratio, median['api'] / median['driver'],
                '' if ratio <= TARGET_RATIO else '  (api/sql over target)'))
    first, last = sizes[0], sizes[-1]
    for query in results[first][0]:
        growth = {variant: medians[last, query][variant]
                  / medians[first, query][variant] for variant in VARIANTS}
        print('%-10s %-8s growth %d -> %d entries: api %.2fx, sql %.2fx, '
              'driver %.2fx' % (name, query, first, last, growth['api'],
                                growth['sql'], growth['driver']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='100000,1000000')
    parser.add_argument('--backends', default='sqlite,postgresql')
    parser.add_argument('--loops', type=int, default=30)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--pg-admin-url',
                        default='postgresql+psycopg2://root@127.0.0.1/'
                                'postgres')
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(',')]
    benchconf.patched_engine_conf()
    print('fault_persist request log: API vs raw SQL, page %d, loops %d, '
          'repeats %d (median us per call)'
          % (PAGE, args.loops, args.repeats))
    for name in args.backends.split(','):
        backend = (SQLiteBackend() if name == 'sqlite'
                   else PostgreSQLBackend(args.pg_admin_url))
        try:
            results = _run_backend(backend, sizes, args.loops, args.repeats)
        finally:
            backend.drop()
        _report(name, sizes, results)
        print()


if __name__ == '__main__':
    main()
