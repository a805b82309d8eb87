#!/usr/bin/env python3
"""The request log through the HTTP API against the Python API.

Usage::

    python tools/bench/bench_api.py [--size 1000000] [--loops 200]

A scratch SQLite database is built by our migrations and bulk-filled with
``--size`` request-log entries the way ``bench_request_log.py`` fills it
(``executemany`` in one transaction). ``fault-persist-api`` then serves it
on 127.0.0.1 in its own process (``noauth``, an admin caller), and two
queries run both ways, interleaved, in this process:

* ``newest``: the newest page of 100 entries
  (``GET /v1/request-log?limit=100``, ``list_request_log(limit=100)``);
* ``filtered``: the newest 100 failures of one app since a date
  (``app=trove&status=1002&since=...``).

``http`` is real HTTP over one kept-alive connection, the JSON parsed;
``python`` is the public Python API in this process. Medians of
``--loops`` calls. Target: the HTTP layer adds at most 25 % or 2 ms to
the Python API, whichever is larger.
"""

import argparse
import http.client
import json
import logging
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

from oslo_config import cfg
from oslo_context import context as o_context
from oslo_db.sqlalchemy import enginefacade

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_request_log as fill  # noqa: E402  (beside this file)

import fault_persist  # noqa: E402
from fault_persist import config  # noqa: E402
from fault_persist.db import migration  # noqa: E402
from fault_persist import opts  # noqa: E402

TARGET_RATIO = 1.25
TARGET_FLOOR_MS = 2.0
PAGE = 100
SINCE = '2026-01-01T06:00:00Z'
QUERIES = {
    'newest': {'limit': PAGE},
    'filtered': {'limit': PAGE, 'app': 'trove', 'status': 1002,
                 'since': SINCE},
}
ADMIN_HEADERS = {'X-Project-Id': 'admin-project', 'X-User-Id': 'admin',
                 'X-Roles': 'admin', 'Accept': 'application/json'}


def _fill(size):
    backend = fill.SQLiteBackend()
    facade = enginefacade.transaction_context()
    facade.configure(connection=backend.url)
    engine = facade.writer.get_engine()
    migration.upgrade(engine=engine)
    engine.dispose()
    started = time.perf_counter()
    log = fill.Log()
    entries = list(log.entries(size))
    backend.load(entries, log.closed, log.running(), [])
    print('sqlite: filled %d entries, %d tasks, in %.1f s'
          % (size, log.next_task, time.perf_counter() - started))
    return backend


def _database(size, path):
    """The database URL, and the backend to drop afterwards (or None).

    With ``path``, a database of ``size`` entries there is reused, and a
    new one is kept there for the next run.
    """
    if path and os.path.exists(path):
        connection = sqlite3.connect(path)
        try:
            count = connection.execute(
                'SELECT count(*) FROM request_log').fetchone()[0]
        finally:
            connection.close()
        if count != size:
            raise SystemExit('%s holds %d entries, not %d: remove it or '
                             'pass --size %d' % (path, count, size, count))
        print('sqlite: reusing %s (%d entries)' % (path, count))
        return 'sqlite:///' + path, None
    backend = _fill(size)
    if not path:
        return backend.url, backend
    shutil.move(backend.path, path)
    backend.drop()
    print('sqlite: kept in %s for the next run (--db)' % path)
    return 'sqlite:///' + path, None


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _config_file(directory, url, port):
    path = os.path.join(directory, 'bench-api.conf')
    with open(path, 'w') as conf_file:
        conf_file.write('[DEFAULT]\ndebug = false\n'
                        '[fault_persist]\nconnection = %s\n'
                        'auto_migrate = false\n'
                        'state_path = %s\n'
                        '[api]\nauth_strategy = noauth\n'
                        'bind_host = 127.0.0.1\nbind_port = %d\n'
                        % (url, directory, port))
    return path


def _start_server(config_file, port, log_file):
    server = subprocess.Popen(
        [sys.executable, '-m', 'fault_persist.cmd.api', '--config-file',
         config_file], stdout=subprocess.DEVNULL, stderr=log_file)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit('fault-persist-api exited; see its log')
            time.sleep(0.1)
    server.kill()
    raise SystemExit('fault-persist-api did not listen within 30 s')


def _http_call(connection, query):
    path = '/v1/request-log?' + urllib.parse.urlencode(query)

    def call():
        connection.request('GET', path, headers=ADMIN_HEADERS)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit('%s answered %d: %s' % (path, response.status,
                                                     body[:300]))
        return json.loads(body)['entries']
    return call


def _python_call(context, query):
    def call():
        return fault_persist.list_request_log(context, **query)
    return call


def _median_ms(call, loops):
    times = []
    for _ in range(loops):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv=None):
    # Neither side pays for debug logging.
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=1000000)
    parser.add_argument('--loops', type=int, default=200)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--db', metavar='PATH',
                        help='an SQLite file to reuse when it holds --size '
                             'entries, or to keep the new one in')
    args = parser.parse_args(argv)

    url, backend = _database(args.size, args.db)
    directory = tempfile.mkdtemp(prefix='fp_bench_api_')
    port = _free_port()
    log_file = open(os.path.join(directory, 'api.log'), 'w')
    server = _start_server(_config_file(directory, url, port), port,
                           log_file)
    try:
        conf = cfg.ConfigOpts()
        conf([], project='fault_persist')
        opts.register_opts(conf)
        conf.set_override('connection', url, group='fault_persist')
        conf.set_override('state_path', directory, group='fault_persist')
        config.init(conf)
        context = o_context.RequestContext(project_id='admin-project',
                                           user_id='admin', roles=['admin'])
        connection = http.client.HTTPConnection('127.0.0.1', port)
        failed = False
        print('%-9s %10s %10s %8s %10s %s' % (
            'query', 'python ms', 'http ms', 'ratio', 'added ms',
            'target (<= 25 % or 2 ms)'))
        for name, query in QUERIES.items():
            http_call = _http_call(connection, query)
            python_call = _python_call(context, query)
            # The same page both ways.
            assert http_call() == python_call(), name
            python_ms, http_ms = [], []
            for _ in range(args.rounds):
                python_ms.append(_median_ms(python_call, args.loops))
                http_ms.append(_median_ms(http_call, args.loops))
            python_median = statistics.median(python_ms)
            http_median = statistics.median(http_ms)
            added = http_median - python_median
            allowed = max(python_median * (TARGET_RATIO - 1),
                          TARGET_FLOOR_MS)
            ok = added <= allowed
            failed = failed or not ok
            print('%-9s %10.3f %10.3f %7.2fx %10.3f %s (allowed %.3f ms, '
                  '%.2fx of the target)'
                  % (name, python_median, http_median,
                     http_median / python_median, added,
                     'ok' if ok else 'MISSED', allowed, added / allowed))
        connection.close()
        return 1 if failed else 0
    finally:
        server.terminate()
        server.wait(10)
        log_file.close()
        if backend is not None:
            backend.drop()
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)


if __name__ == '__main__':
    sys.exit(main())
