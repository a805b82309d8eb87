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

What is timed, and why it is fair:

* ``python``: the public Python API in this process, the call that
  returns the page's dicts. It is the baseline: the HTTP view makes the
  same call (for ``limit=100`` it asks for 101 rows, in the same query,
  to know whether a ``next`` link follows).
* ``http``: real HTTP over one kept-alive connection, from sending the
  request to the last byte of the body received. That is what "the HTTP
  layer adds": routing, authentication, the middleware, JSON encoding,
  the server and the socket. Decoding the JSON is the client's work, in
  whatever language it is written; it is shown (``+decode``) but not
  judged.
* ``wsgi``: the same request through the whole WSGI application in this
  process, without a server or a socket: what our own code (middleware,
  Flask, the view, the JSON) adds. Shown, not judged; the rest of
  ``http`` is the server, the socket and the scheduler handing the CPU
  between two processes (on a busy machine, most of the noise).

The calls alternate, python then http, so that a busy machine slows both
alike; each round is the median of ``--loops`` pairs, and the result the
median of ``--rounds`` rounds. Target: the HTTP layer adds at most 25 % or
2 ms to the Python API, whichever is larger.

The judged ``python`` call runs right after the in-process ``wsgi`` one,
which made the same query: its code and data are in the CPU's caches. The
server is never so lucky: it waits while this process works, and its
request starts on caches the other process filled, on a CPU that may
have gone idle. A second table, shown and not judged, measures the two
in the same position, each call right after the other (http, python,
http, python ...): the difference is what the HTTP layer adds when the
Python API, too, starts after another process's work. On a machine of
two CPUs shared with other work the two tables differ by about half a
millisecond.

``--server`` names the servers measured, each in its own process, each
keeping the connection alive (HTTP/1.1), as a dashboard's client does; the
client checks that every call went over the same connection:

* ``uwsgi``: ``fault_persist.api.wsgi:application`` under uWSGI (one
  process, 4 threads, ``--http11-socket``), as OpenStack deployments run
  their APIs; measured when uWSGI is installed (``pip install -r
  tools/bench/requirements.txt`` installs it and gunicorn);
* ``gunicorn``: the same under gunicorn (one ``gthread`` worker, 4
  threads); measured when gunicorn is installed (``pip install
  gunicorn``);
* ``fault-persist-api``: the console script's server (cheroot, a thread
  pool; werkzeug's development server before, which closed every
  connection).

``--db PATH`` keeps the database (1,000,000 entries take about 80 s to
build) for the next run.
"""

import argparse
import http.client
import importlib.util
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

HERE = os.path.dirname(os.path.abspath(__file__))
# This tree's fault_persist, here and in the servers, whatever is installed.
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, ROOT]
import bench_request_log as fill  # noqa: E402  (beside this file)

import fault_persist  # noqa: E402
from fault_persist.api import app as api_app  # noqa: E402
import fault_persist.conf  # noqa: E402
from fault_persist.conf import api as api_opts  # noqa: E402
from fault_persist import config  # noqa: E402
from fault_persist.db import migration  # noqa: E402

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


SERVERS = ('uwsgi', 'gunicorn', 'fault-persist-api')
APPLICATION = 'fault_persist.api.wsgi:application'


def _uwsgi():
    """The uwsgi program of this virtualenv, or else of the PATH, or None."""
    beside = os.path.join(os.path.dirname(sys.executable), 'uwsgi')
    return beside if os.access(beside, os.X_OK) else shutil.which('uwsgi')


def _installed(server):
    if server == 'uwsgi':
        return _uwsgi() is not None
    if server == 'gunicorn':
        return importlib.util.find_spec('gunicorn') is not None
    return True


def _server_command(server, config_file, port):
    if server == 'uwsgi':
        return [_uwsgi(), '--http11-socket', '127.0.0.1:%d' % port,
                '--module', APPLICATION, '--master', '--processes', '1',
                '--threads', '4', '--lazy-apps', '--die-on-term',
                '--disable-logging']
    if server == 'gunicorn':
        return [sys.executable, '-m', 'gunicorn', '--workers', '1',
                '--worker-class', 'gthread', '--threads', '4',
                '--bind', '127.0.0.1:%d' % port, '--log-level', 'warning',
                '--env', 'FAULT_PERSIST_CONFIG_FILE=' + config_file,
                APPLICATION]
    return [sys.executable, '-m', 'fault_persist.cmd.api', '--config-file',
            config_file]


def _start_server(command, port, log_file, config_file):
    environ = dict(os.environ)
    # In the environment, not uWSGI's --env: pyuwsgi's Python has read its
    # environment before --env sets the variable.
    environ['FAULT_PERSIST_CONFIG_FILE'] = config_file
    environ['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + [path for path in [environ.get('PYTHONPATH')] if path])
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                              stderr=log_file, env=environ)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit('%s exited; see its log' % command[:3])
            time.sleep(0.1)
    server.kill()
    raise SystemExit('%s did not listen within 30 s' % command[:3])


class _Client:
    """One HTTP connection to a server, kept alive as a dashboard keeps it.

    :attr:`connections` counts the connections the calls went over: 1
    when the server keeps the connection alive. A server that closes it
    after each response (werkzeug's development server does) makes every
    call open a new one, as it would for a dashboard: cheap here, on the
    loopback, not over a network with TLS.
    """

    def __init__(self, port):
        self.connection = http.client.HTTPConnection('127.0.0.1', port)
        self.calls = 0
        self.connections = 0
        self._socket = None

    def close(self):
        self.connection.close()

    def summary(self):
        """Whether the calls kept one connection alive, in words."""
        if self.connections == 1:
            return '%d calls over one kept-alive connection' % self.calls
        return ('%d calls over %d connections: the server closes the '
                'connection after each response' % (self.calls,
                                                    self.connections))

    def _count_connection(self):
        # http.client drops its socket after a response with "Connection:
        # close" and opens a new one for the next request.
        self.calls += 1
        if self.connection.sock is not self._socket:
            self._socket = self.connection.sock
            self.connections += 1

    def call(self, query):
        """The call, returning (seconds to the body's last byte, body)."""
        path = '/v1/request-log?' + urllib.parse.urlencode(query)
        connection = self.connection

        def call():
            started = time.perf_counter()
            connection.request('GET', path, headers=ADMIN_HEADERS)
            self._count_connection()
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise SystemExit('%s answered %d: %s'
                                 % (path, response.status, body[:300]))
            return elapsed, body
        return call


def _python_call(context, query):
    def call():
        return fault_persist.list_request_log(context, **query)
    return call


def _wsgi_call(application, query):
    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/v1/request-log',
               'QUERY_STRING': urllib.parse.urlencode(query),
               'SERVER_NAME': '127.0.0.1', 'SERVER_PORT': '80',
               'SERVER_PROTOCOL': 'HTTP/1.1', 'wsgi.url_scheme': 'http',
               'wsgi.errors': sys.stderr}
    environ.update(('HTTP_' + name.upper().replace('-', '_'), value)
                   for name, value in ADMIN_HEADERS.items())

    def start_response(status, headers, exc_info=None):
        if not status.startswith('200'):
            raise SystemExit('in process: %s' % status)

    def call():
        return b''.join(application(dict(environ), start_response))
    return call


def _round(python_call, http_call, wsgi_call, loops):
    """Medians in ms of python, http, http and decoding, wsgi."""
    python, raw, decoded, wsgi = [], [], [], []
    for _ in range(loops):
        started = time.perf_counter()
        python_call()
        python.append(time.perf_counter() - started)
        elapsed, body = http_call()
        started = time.perf_counter()
        json.loads(body)
        raw.append(elapsed)
        decoded.append(elapsed + time.perf_counter() - started)
        started = time.perf_counter()
        wsgi_call()
        wsgi.append(time.perf_counter() - started)
    return [statistics.median(times) * 1000
            for times in (python, raw, decoded, wsgi)]


def _alternating(python_call, http_call, loops):
    """Medians in ms of python and http, each right after the other."""
    python, raw = [], []
    for _ in range(loops):
        raw.append(http_call()[0])
        started = time.perf_counter()
        python_call()
        python.append(time.perf_counter() - started)
    return [statistics.median(times) * 1000 for times in (python, raw)]


def _measure_alternating(server, query_calls, args):
    """The lines of the second table: each call right after the other."""
    lines = []
    for name, calls in query_calls.items():
        python_call, http_call, _ = calls
        rounds = [_alternating(python_call, http_call, args.loops)
                  for _ in range(args.rounds)]
        python_ms, http_ms = [statistics.median(values)
                              for values in zip(*rounds)]
        lines.append('%-17s %-9s %8.3f %8.3f %8.3f'
                     % (server, name, python_ms, http_ms,
                        http_ms - python_ms))
    return lines


def _measure(server, query_calls, args):
    failed = False
    for name, calls in query_calls.items():
        python_call, http_call, wsgi_call = calls
        # The same page both ways.
        assert json.loads(http_call()[1])['entries'] == python_call(), name
        rounds = [_round(python_call, http_call, wsgi_call, args.loops)
                  for _ in range(args.rounds)]
        python_ms, http_ms, decoded_ms, wsgi_ms = [
            statistics.median(values) for values in zip(*rounds)]
        added = http_ms - python_ms
        allowed = max(python_ms * (TARGET_RATIO - 1), TARGET_FLOOR_MS)
        ok = added <= allowed
        failed = failed or not ok
        print('%-17s %-9s %8.3f %8.3f %8.3f %8.3f %8.3f %s (allowed %.3f '
              'ms; %.2fx of it)'
              % (server, name, python_ms, wsgi_ms, http_ms, decoded_ms,
                 added, 'ok' if ok else 'MISSED', allowed, added / allowed))
    return failed


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
    parser.add_argument('--server', action='append', choices=SERVERS,
                        help='a server to measure (repeatable); default '
                             'each one installed')
    args = parser.parse_args(argv)
    servers = args.server or [server for server in SERVERS
                              if _installed(server)]

    url, backend = _database(args.size, args.db)
    directory = tempfile.mkdtemp(prefix='fp_bench_api_')
    try:
        conf = cfg.ConfigOpts()
        conf([], project='fault_persist')
        fault_persist.conf.register_opts(conf)
        conf.set_override('connection', url, group='fault_persist')
        conf.set_override('state_path', directory, group='fault_persist')
        config.init(conf)
        context = o_context.RequestContext(project_id='admin-project',
                                           user_id='admin', roles=['admin'])
        failed = False
        api_opts.register_opts(conf)
        conf.set_override('auth_strategy', api_opts.NOAUTH,
                          group=api_opts.GROUP)
        application = api_app.build_app(conf)
        print('%-17s %-9s %8s %8s %8s %8s %8s %s' % (
            'server', 'query', 'python', 'wsgi', 'http', '+decode', 'added',
            'target: added <= 25 % or 2 ms (ms)'))
        alternating = []
        for server in servers:
            port = _free_port()
            config_file = _config_file(directory, url, port)
            log_path = os.path.join(directory, server + '.log')
            with open(log_path, 'w') as log_file:
                process = _start_server(
                    _server_command(server, config_file, port), port,
                    log_file, config_file)
                client = _Client(port)
                try:
                    query_calls = {
                        name: (_python_call(context, query),
                               client.call(query),
                               _wsgi_call(application, query))
                        for name, query in QUERIES.items()}
                    failed = _measure(server, query_calls, args) or failed
                    print('%-17s %s' % (server, client.summary()))
                    alternating.extend(_measure_alternating(
                        server, query_calls, args))
                finally:
                    client.close()
                    process.terminate()
                    process.wait(10)
        print('\nEach call right after the other (shown, not judged):')
        print('%-17s %-9s %8s %8s %8s' % ('server', 'query', 'python',
                                          'http', 'added'))
        print('\n'.join(alternating))
        return 1 if failed else 0
    finally:
        if backend is not None:
            backend.drop()
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)


if __name__ == '__main__':
    sys.exit(main())
