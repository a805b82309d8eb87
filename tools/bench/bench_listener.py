#!/usr/bin/env python3
"""Listener throughput: fault_persist's listener against a bare one.

Usage::

    python tools/bench/bench_listener.py [--preset realistic|storm]
        [--messages 5000] [--errors 0.9] [--tasks 0.0] [--rounds 5]
        [--hand-off] [--store-processes N] [--batch-size N] [--prefetch N]
        [--workers N] [--sqlite]

Presets: ``realistic`` is a real ``notifications`` topic (1 % errors,
20 % task starts and ends, the rest ignored): target 90 % of the bare
rate, and the listener process spending at most 1.15 times the bare
listener's CPU per message. ``storm`` is an error storm (90 % errors):
target 80 % of the bare rate.

Needs RabbitMQ, and PostgreSQL unless ``--sqlite``
(``tools/test-setup.sh``). The same set of
notifications (by default 90 % Trove- and Nova-style errors, the rest
ignored ones; with ``--tasks``, that share of task starts and ends, a
pair per task; the same message dicts, ids included) is put on a fresh
queue as a backlog and consumed, in turn, ``--rounds`` times:

1. by a bare oslo.messaging batch notification listener whose endpoint
   does nothing;
2. with ``--hand-off``, by fault_persist's listener whose storers store
   nothing: what handing the batches to storer processes costs alone;
3. by :func:`fault_persist.capture.listener.build_listener` with its
   storer processes, storing into a scratch PostgreSQL database
   (``fp_bench``, created, migrated and dropped by this script; emptied
   before each round), or with ``--sqlite`` into a SQLite file in a new
   temporary directory (SQLite's work is then the storers' CPU).

Both listeners have the same transport, batch size, batch timeout,
prefetch, pool and executor, and each run's listener is a process of its
own, started afresh (``spawn``), as ``fault-persist-listener`` is. The
rate is the messages over the time from the first message handed to the
endpoint to the last one handled (stored, for ours). Each round prints
both rates, their ratio and the CPU each spent (ours: the listener
process and its storers; and, when PostgreSQL runs on this host and its
processes can be read, the backends serving the storers), and checks
that every error and task event was stored exactly once. The summary
gives the median CPU per message of each process side by side (the bare
listener, our listener process, its storer processes, the database), how
much of both CPUs the machine left idle during each run (near 0: the run
was bound by the CPU) and the targets of the preset (without one: the
median ratio at 90 % or better).
"""

import argparse
import multiprocessing
import os
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time

from oslo_config import cfg
import oslo_messaging
from oslo_messaging.notify import messaging as notify_messaging
from oslo_utils import uuidutils
import sqlalchemy as sa

from fault_persist.capture import listener
from fault_persist.capture import pipeline as capture_pipeline
import fault_persist.conf
from fault_persist.conf import listener as listener_opts
from fault_persist import config
from fault_persist.db import migration
from fault_persist.db import sqlite_wal
from fault_persist.tests.functional.capture import notifications
from fault_persist.tests.functional.capture import rabbit

TARGET_RATIO = 0.9

#: name -> (error share, task share, rate target, listener CPU target)
PRESETS = {
    'realistic': (0.01, 0.2, 0.9, 1.15),
    'storm': (0.9, 0.0, 0.8, None),
}


class Progress:
    """First and last handling times of a run, and when it is complete.

    :param messages: the messages the run must see.
    :param stored: the events it must store (0 for the bare listener).
    """

    def __init__(self, messages, stored=0):
        self._lock = threading.Lock()
        self._needed = (messages, stored)
        self._messages = 0
        self._stored = 0
        self.first = None
        self.last = None
        self.done = threading.Event()

    def begin(self):
        """A batch reached the endpoint."""
        now = time.perf_counter()
        with self._lock:
            if self.first is None:
                self.first = now

    def add(self, messages, stored=0):
        """``messages`` more were handled; ``stored`` events in all."""
        now = time.perf_counter()
        with self._lock:
            self._messages += messages
            self._stored = max(self._stored, stored)
            if (not self.done.is_set()
                    and self._messages >= self._needed[0]
                    and self._stored >= self._needed[1]):
                self.last = now
                self.done.set()


class BareEndpoint:
    """A batch endpoint that does nothing but count."""

    def __init__(self, progress):
        self.progress = progress
        for priority in listener.PRIORITIES:
            setattr(self, priority, self.handle)

    def handle(self, messages):
        self.progress.begin()
        self.progress.add(len(messages))


class TimedEndpoint(listener.NotificationEndpoint):
    """Our endpoint, telling :class:`Progress` what it handled and stored."""

    progress = None

    def handle(self, messages, priority):
        self.progress.begin()
        result = super().handle(messages, priority)
        if result is None:
            self.progress.add(
                len(messages), self.pipeline.counters.snapshot()['stored'])
        return result


def build_bare_listener(conf, progress):
    """What build_listener builds, with an endpoint that does nothing."""
    group = conf[listener_opts.GROUP]
    transport = oslo_messaging.get_notification_transport(
        conf, url=group.transport_url)
    conf.set_override('rabbit_qos_prefetch_count', listener.prefetch_of(group),
                      group='oslo_messaging_rabbit')
    targets = [oslo_messaging.Target(topic=topic) for topic in group.topics]
    return oslo_messaging.get_batch_notification_listener(
        transport, targets, [BareEndpoint(progress)], executor='threading',
        allow_requeue=True, pool=group.pool, batch_size=group.batch_size,
        batch_timeout=group.batch_timeout)


class HandOffOnly(capture_pipeline.Pipeline):
    """A pipeline whose storers count what they are handed, and store none.

    The listener still drops what is not of interest, so the storers see
    what they would store.
    """

    def store_batch(self, messages, priority):
        self.counters.add('stored', len(messages))


def build_our_listener(conf, progress, pipeline=capture_pipeline.Pipeline):
    """build_listener with an endpoint that reports its progress."""
    TimedEndpoint.progress = progress
    real, listener.NotificationEndpoint = (listener.NotificationEndpoint,
                                           TimedEndpoint)
    try:
        return listener.build_listener(conf, pipeline.from_conf(conf))
    finally:
        listener.NotificationEndpoint = real


def build_hand_off_listener(conf, progress):
    """Our listener with storers that store nothing."""
    return build_our_listener(conf, progress, HandOffOnly)


def _messages(count, error_share, task_share=0.0):
    """The message dicts of the run: errors, task events and ignored ones.

    Task events come in pairs, the start and the end of one task, Trove
    and Nova ones in turn; the shuffle puts most ends in a later batch
    than their start, as a service's traffic does.
    """
    errors = notifications.errors(int(count * error_share))
    task_events = []
    while len(task_events) < int(count * task_share) - 1:
        task_events.extend(notifications.task_pair(len(task_events) % 4 == 0))
    others = []
    while len(errors) + len(task_events) + len(others) < count:
        others.extend(n for n in notifications.noise()
                      if n.event_type != 'instance.create.start')
    chosen = (errors + task_events
              + others[:count - len(errors) - len(task_events)])
    # Spread the task events and the ignored ones through the errors.
    chosen.sort(key=lambda n: uuidutils.generate_uuid())
    return [(n.context.to_dict(),
             {'message_id': uuidutils.generate_uuid(),
              'publisher_id': 'bench.host',
              'event_type': n.event_type,
              'priority': n.priority,
              'payload': n.payload,
              'timestamp': '2026-01-02 03:04:05.000006'},
             n.priority.lower())
            for n in chosen]


def _backlog(conf, name, build, messages):
    """A fresh queue (pool) holding ``messages``; returns its fixture.

    Cleaning the fixture up deletes the queue, and the queues the
    notifier declares on the topic (``<topic>.<priority>``, which hold a
    copy of every message).
    """
    pool = rabbit.unique_name('bench-' + name)
    conf.set_override('pool', pool, group=listener_opts.GROUP)
    topic = conf[listener_opts.GROUP].topics[0]
    topic_queues = rabbit.Queues(rabbit.listener_queues(topic))
    topic_queues.setUp()
    queues = rabbit.Queues([pool])
    queues.setUp()
    queues.addCleanup(topic_queues.cleanUp)
    try:
        # A first start declares the queue and its bindings, as the listener
        # does them; then the backlog goes on it.
        server = build(conf, Progress(0))
        server.start()
        server.stop()
        server.wait()
        server.transport.cleanup()
        transport = oslo_messaging.get_notification_transport(
            conf, url=conf[listener_opts.GROUP].transport_url)
        sender = notify_messaging.MessagingV2Driver(
            conf, topics=[topic], transport=transport)
        for ctxt, message, priority in messages:
            sender.notify(ctxt, message, priority, -1)
        deadline = time.monotonic() + 120
        while queues.messages() < len(messages):
            if time.monotonic() > deadline:
                raise SystemExit('%d of %d messages reached the queue'
                                 % (queues.messages(), len(messages)))
            time.sleep(0.1)
        transport.cleanup()
    except BaseException:
        queues.cleanUp()
        raise
    return queues


def _run(conf, name, build, messages, stored, database_cpu=None):
    """Put ``messages`` on a fresh queue, then time ``build``'s listener.

    The listener runs in a process of its own, started afresh (``spawn``)
    for the run, as ``fault-persist-listener`` runs: not in this script's
    process, whose heap (the run's messages, about 100 MB) storers forked
    from it would share, so that the listener copied each page it wrote
    to afterwards (some 50,000 page faults at the start of each run, a
    cost the service pays once when it starts, not with every batch).

    :param database_cpu: a function giving the CPU seconds of the
        database's backends so far, or ``None``.
    """
    queues = _backlog(conf, name, build, messages)
    context = multiprocessing.get_context('spawn')
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_listen, name='bench-%s' % name,
        args=(_settings(conf), build, len(messages), stored, theirs))
    try:
        process.start()
        theirs.close()
        _answer(ours, name, 60)  # built
        backends_cpu = database_cpu() if database_cpu else None
        machine = _machine_ticks()
        ours.send('start')
        run = _answer(ours, name, 660)
        machine = [after - before
                   for after, before in zip(_machine_ticks(), machine)]
        if backends_cpu is not None:
            # Read before the storers stop: their backends end with them.
            backends_cpu = database_cpu() - backends_cpu
        ours.send('stop')
        run.update(_answer(ours, name, 120))
        if not run['finished']:
            raise SystemExit('%s: the listener did not finish in 600 s'
                             % name)
        run['rate'] = (len(messages) - 1) / run['elapsed']
        run['database_cpu'] = backends_cpu
        # The whole machine's CPUs, idle or waiting for the disk, from the
        # start to the last message: near 0 means the run was bound by the
        # CPU.
        run['idle'] = machine[1] / machine[0] if machine[0] else 0.0
        return run
    finally:
        ours.close()
        process.join(30)
        if process.is_alive():
            process.kill()
        queues.cleanUp()


def _answer(connection, name, timeout):
    """The listener process's next answer, or exit when none comes."""
    if not connection.poll(timeout):
        raise SystemExit('%s: the listener process did not answer in %d s'
                         % (name, timeout))
    try:
        return connection.recv()
    except EOFError:
        raise SystemExit('%s: the listener process died' % name)


def _settings(conf):
    """What a listener process needs to build ``conf`` again."""
    group = conf[listener_opts.GROUP]
    return {'connection': conf.fault_persist.connection,
            listener_opts.GROUP: {name: group[name] for name in (
                'transport_url', 'topics', 'pool', 'batch_size',
                'batch_timeout', 'prefetch', 'store_processes')}}


def _listen(settings, build, messages, stored, connection):
    """A listener process of :func:`_run`: build, start on the word, time.

    Answers three times: once built; once every message is handled (the
    times and the CPU of this process); once stopped (the CPU of its
    storers, reaped by then).
    """
    conf = _conf_of(settings['connection'], settings[listener_opts.GROUP])
    config.init(conf)
    progress = Progress(messages, stored)
    server = build(conf, progress)
    connection.send('built')
    connection.recv()
    started = time.perf_counter()
    children_cpu = _children_cpu()
    cpu = time.process_time()
    server.start()
    finished = progress.done.wait(600)
    cpu = time.process_time() - cpu
    connection.send({
        'finished': finished,
        'elapsed': (progress.last - progress.first) if finished else None,
        'wall': (progress.last - started) if finished else None,
        'cpu': cpu})
    connection.recv()
    server.stop()
    server.wait()
    server.transport.cleanup()
    # The storers, reaped once the listener has stopped.
    connection.send({'children_cpu': _children_cpu() - children_cpu})


def _machine_ticks():
    """All CPUs' time so far, and the part idle or waiting, in ticks."""
    with open('/proc/stat') as stat:
        fields = [int(field) for field in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is in user)
    return sum(fields[:8]), fields[3] + fields[4]


def _row(cells):
    return '%-6s' % cells[0] + ''.join('%16s' % cell for cell in cells[1:])


def _cpu(run, messages):
    """CPU per message: the listener's, and its storers' when it has any."""
    text = '%.0f' % (run['cpu'] / messages * 1e6)
    if run.get('children_cpu'):
        text += ' + %.0f' % (run['children_cpu'] / messages * 1e6)
    return text


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _database_cpu_of(engine, database):
    """A function giving the CPU seconds the database's backends spent.

    PostgreSQL serves each connection from a process of its own; those
    connected to ``database`` (the scratch database: the storers', and
    this script's, which is idle while a listener runs) are read from
    ``/proc``. ``None`` when PostgreSQL runs elsewhere or as a user
    whose processes cannot be read.
    """
    if engine.dialect.name != 'postgresql':
        return None  # SQLite works in the storers: their CPU holds it
    ticks = os.sysconf('SC_CLK_TCK')

    def cpu():
        with engine.connect() as connection:
            pids = connection.execute(sa.text(
                'SELECT pid FROM pg_stat_activity WHERE datname = :name '
                'AND pid <> pg_backend_pid()'), {'name': database}).scalars()
            total = 0
            for pid in pids:
                try:
                    with open('/proc/%d/stat' % pid) as stat:
                        fields = stat.read().rpartition(')')[2].split()
                except OSError:
                    continue  # gone meanwhile
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    try:
        with engine.connect() as connection:
            pid = connection.execute(sa.text(
                'SELECT pg_backend_pid()')).scalar()
        with open('/proc/%d/stat' % pid):
            return cpu
    except OSError:
        return None


def _run_workers(conf, messages, workers, engine, faults):
    """Time ``workers`` listener processes sharing one pool.

    As ``fault-persist-listener`` with ``workers`` does it: forked
    processes, each a listener. Timed from their start to the last fault
    row stored, so compare with the bare listener's ``wall``.
    """
    queues = _backlog(conf, 'workers', build_bare_listener, messages)
    children = []
    try:
        started = time.perf_counter()
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    _serve_until_terminated(conf)
                except BaseException:  # noqa: the child must not return
                    code = 1
                finally:
                    os._exit(code)
            children.append(pid)
        deadline = time.monotonic() + 600
        while _count_faults(engine) < faults:
            if time.monotonic() > deadline:
                raise SystemExit('workers: not finished in 600 s')
            time.sleep(0.02)
        return {'wall': time.perf_counter() - started}
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        for pid in children:
            os.waitpid(pid, 0)
        queues.cleanUp()


def _serve_until_terminated(conf):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *args: stop.set())
    server = listener.build_listener(
        conf, capture_pipeline.Pipeline.from_conf(conf))
    server.start()
    stop.wait()
    server.stop()
    server.wait()


def _count_faults(engine):
    with engine.connect() as connection:
        return connection.execute(sa.text(
            'SELECT count(*) FROM instance_faults')).scalar()


def _stored(engine):
    """What the tables hold: rows and distinct message ids, tasks."""
    with engine.connect() as connection:
        counts = {}
        for table in ('instance_faults', 'request_log'):
            rows, distinct = connection.execute(sa.text(
                'SELECT count(*), count(DISTINCT message_id) FROM %s'
                % table)).one()
            counts[table] = rows
            counts[table + ' message ids'] = distinct
        counts['request_log_tasks'] = connection.execute(sa.text(
            'SELECT count(*) FROM request_log_tasks')).scalar()
        return counts


def _empty(engine):
    with engine.begin() as connection:
        if engine.dialect.name == 'postgresql':
            connection.execute(sa.text(
                'TRUNCATE instance_faults, request_log, request_log_tasks'))
            return
        # Entries first: they refer to their tasks.
        for table in ('instance_faults', 'request_log', 'request_log_tasks'):
            connection.execute(sa.text('DELETE FROM %s' % table))
    if engine.dialect.name == 'sqlite':
        # The log of these deletes, copied back and the -wal file emptied:
        # its size after a run is what the run's own writes made it.
        with engine.connect() as connection:
            connection.exec_driver_sql('PRAGMA wal_checkpoint(TRUNCATE)')


def _conf(args, database_url):
    """The bench's options: a fresh topic, and those ``args`` set."""
    listening = {'transport_url': rabbit.TRANSPORT_URL,
                 'topics': [rabbit.unique_name('bench')]}
    for name in ('batch_size', 'batch_timeout', 'prefetch',
                 'store_processes'):
        value = getattr(args, name)
        if value is not None:
            listening[name] = value
    return _conf_of(database_url, listening)


def _conf_of(database_url, listening):
    """Our options, with ``database_url`` and the listener's ``listening``."""
    conf = cfg.ConfigOpts()
    conf([], project='fault_persist_bench')
    fault_persist.conf.register_opts(conf)
    listener_opts.register_opts(conf)
    conf.set_override('connection', database_url, group='fault_persist')
    for name, value in listening.items():
        conf.set_override(name, value, group=listener_opts.GROUP)
    return conf


def _scratch_sqlite():
    """A SQLite file in a new directory; its URL and a function removing it.

    fault_persist's own journal mode (``sqlite_journal_mode``, WAL by
    default) applies, as for a service whose database is such a file.
    """
    directory = tempfile.mkdtemp(prefix='fp_bench_listener_')
    return ('sqlite:///' + os.path.join(directory, 'fault_persist.sqlite'),
            lambda: shutil.rmtree(directory, ignore_errors=True))


def _scratch_database(admin_url, name):
    """Create database ``name``; return its URL and a function dropping it."""
    admin = sa.create_engine(admin_url, isolation_level='AUTOCOMMIT')
    with admin.connect() as connection:
        connection.execute(sa.text('DROP DATABASE IF EXISTS %s WITH (FORCE)'
                                   % name))
        connection.execute(sa.text('CREATE DATABASE %s' % name))
    url = sa.engine.make_url(admin_url).set(database=name)

    def drop():
        with admin.connect() as connection:
            connection.execute(sa.text(
                'DROP DATABASE IF EXISTS %s WITH (FORCE)' % name))
        admin.dispose()
    return url.render_as_string(hide_password=False), drop


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--preset', choices=sorted(PRESETS),
                        help='realistic: 1 %% errors, 20 %% task events; '
                             'storm: 90 %% errors; each with its targets')
    parser.add_argument('--messages', type=int, default=5000)
    parser.add_argument('--errors', type=float,
                        help='share of error notifications (default 0.9)')
    parser.add_argument('--tasks', type=float,
                        help='share of task start and end notifications '
                             '(pairs of one task each)')
    parser.add_argument('--admin-url',
                        default='postgresql+psycopg2://root@127.0.0.1/'
                                'postgres',
                        help='PostgreSQL URL allowed to create databases')
    parser.add_argument('--database', default='fp_bench')
    parser.add_argument('--sqlite', action='store_true',
                        help='store into a SQLite file (in a new temporary '
                             'directory) instead of PostgreSQL')
    parser.add_argument('--batch-size', type=int)
    parser.add_argument('--batch-timeout', type=float)
    parser.add_argument('--prefetch', type=int)
    parser.add_argument('--store-processes', type=int)
    parser.add_argument('--rounds', type=int, default=5,
                        help='bare and ours in turn, this many times; the '
                             'median ratio is the result')
    parser.add_argument('--hand-off', action='store_true',
                        help='also time our listener with storers that '
                             'store nothing, each round')
    parser.add_argument('--workers', type=int, default=0,
                        help='also time this many listener processes '
                             'sharing one pool, start to last row')
    args = parser.parse_args(argv)
    errors_share, tasks_share, target_ratio, target_cpu = PRESETS.get(
        args.preset, (0.9, 0.0, TARGET_RATIO, None))
    if args.errors is None:
        args.errors = errors_share
    if args.tasks is None:
        args.tasks = tasks_share

    reason = rabbit.unreachable_reason()
    if reason:
        raise SystemExit('RabbitMQ is not available: %s' % reason)
    if args.sqlite:
        database_url, drop = _scratch_sqlite()
    else:
        database_url, drop = _scratch_database(args.admin_url,
                                               args.database)
    try:
        conf = _conf(args, database_url)
        config.init(conf)
        engine = sa.create_engine(database_url)
        migration.upgrade(engine=engine)
        messages = _messages(args.messages, args.errors, args.tasks)
        recogniser = capture_pipeline.Pipeline.from_conf(conf).recogniser
        recognised = sum(
            1 for _, message, priority in messages
            if recogniser.kind(message['event_type'],
                               priority.upper()) is not None)
        group = conf[listener_opts.GROUP]
        print('fault-persist-listener throughput, %s; preset %s (%.0f %% '
              'errors, %.0f %% task events); %d messages (%d '
              'recognised), batch_size %d, batch_timeout %.1f s, prefetch '
              '%d, store_processes %d; RabbitMQ %s, database %s'
              % (time.strftime('%Y-%m-%d %H:%M:%S'), args.preset or 'none',
                 args.errors * 100, args.tasks * 100, len(messages),
                 recognised, group.batch_size, group.batch_timeout,
                 listener.prefetch_of(group), group.store_processes,
                 rabbit.TRANSPORT_URL, database_url if args.sqlite
                 else 'PostgreSQL ' + args.database))

        errors = sum(1 for _, message, _ in messages
                     if message['event_type'].endswith('.error'))
        task_events = sum(1 for _, message, _ in messages
                          if message['event_type'].endswith(('.start',
                                                             '.end')))
        # Each error is a task of its own; each start and end pair one.
        expected = {'instance_faults': errors,
                    'instance_faults message ids': errors,
                    'request_log': errors + task_events,
                    'request_log message ids': errors + task_events,
                    'request_log_tasks': errors + task_events // 2}
        database_cpu = _database_cpu_of(engine, args.database)
        columns = ['round', 'bare msgs/s', 'ours msgs/s', 'ratio',
                   'bare CPU us', 'ours CPU us']
        if database_cpu:
            columns.append('database CPU us')
        columns += ['bare idle', 'ours idle']
        if args.hand_off:
            columns += ['hand-off msgs/s', 'ratio', 'hand-off CPU us']
        print('  ' + _row(columns))
        ratios = []
        cpus = {'bare': [], 'ours': [], 'storers': [], 'database': [],
                'hand-off': [], 'hand-off storers': []}
        hand_off_ratios = []
        idle = {'bare': [], 'ours': []}
        wal_sizes = []
        wrong = 0
        bare = None
        for number in range(1, args.rounds + 1):
            _empty(engine)
            bare = _run(conf, 'bare', build_bare_listener, messages, 0)
            ours = _run(conf, 'ours', build_our_listener, messages,
                        recognised, database_cpu)
            if args.sqlite:
                wal_sizes.append(_wal_megabytes(database_url))
            ratios.append(ours['rate'] / bare['rate'])
            cpus['bare'].append(bare['cpu'] / len(messages) * 1e6)
            cpus['ours'].append(ours['cpu'] / len(messages) * 1e6)
            cpus['storers'].append(ours['children_cpu'] / len(messages)
                                   * 1e6)
            stored = _stored(engine)
            cells = [number, '%.0f' % bare['rate'], '%.0f' % ours['rate'],
                     '%.1f%%' % (ratios[-1] * 100),
                     _cpu(bare, len(messages)), _cpu(ours, len(messages))]
            if database_cpu:
                cpus['database'].append(ours['database_cpu'] / len(messages)
                                        * 1e6)
                cells.append('%.0f' % cpus['database'][-1])
            idle['bare'].append(bare['idle'])
            idle['ours'].append(ours['idle'])
            cells += ['%.0f%%' % (bare['idle'] * 100),
                      '%.0f%%' % (ours['idle'] * 100)]
            if args.hand_off:
                hand_off = _run(conf, 'hand-off', build_hand_off_listener,
                                messages, recognised)
                hand_off_ratios.append(hand_off['rate'] / bare['rate'])
                cpus['hand-off'].append(hand_off['cpu'] / len(messages)
                                        * 1e6)
                cpus['hand-off storers'].append(
                    hand_off['children_cpu'] / len(messages) * 1e6)
                cells += ['%.0f' % hand_off['rate'],
                          '%.1f%%' % (hand_off_ratios[-1] * 100),
                          _cpu(hand_off, len(messages))]
            print('  ' + _row(cells))
            if stored != expected:
                wrong += 1
                print('  WRONG: stored %s, expected %s' % (stored, expected))
        if args.hand_off:
            print('  hand-off alone, median: %.1f %% of the bare rate'
                  % (statistics.median(hand_off_ratios) * 100))
        ratio = statistics.median(ratios)
        print('  machine idle (both CPUs, from start to the last message), '
              'median: bare %.0f %%, ours %.0f %%'
              % (statistics.median(idle['bare']) * 100,
                 statistics.median(idle['ours']) * 100))
        print('  (CPU: microseconds per message of the listener process, '
              'and of its storer processes%s)'
              % ('; of the PostgreSQL backends they used' if database_cpu
                 else ''))
        met = _summary(cpus, ratio, target_ratio, target_cpu)
        if args.sqlite:
            print('  SQLite write-ahead log (-wal file) at its longest in '
                  'each round: %s MB; restarted past %.0f MB' % (
                      ', '.join('%.0f' % size for size in wal_sizes),
                      sqlite_wal.RESTART_PAGES * 4096 / 2 ** 20))
        print('  every round stored each of the %d error notifications '
              'and %d task events exactly once, in %d tasks'
              % (errors, task_events, expected['request_log_tasks'])
              if not wrong else '  WRONG in %d rounds' % wrong)
        if args.workers > 1:
            _empty(engine)
            workers = _run_workers(conf, messages, args.workers, engine,
                                   errors)
            print('  from start to the last message (start-up included):'
                  ' bare %.0f msgs/s; fault_persist with %d processes in '
                  'one pool %.0f msgs/s, %.1f %% of the bare rate'
                  % (len(messages) / bare['wall'], args.workers,
                     len(messages) / workers['wall'],
                     bare['wall'] / workers['wall'] * 100))
        engine.dispose()
        if wrong:
            return 2
        return 0 if met else 1
    finally:
        drop()


def _wal_megabytes(database_url):
    """The size of a SQLite file's write-ahead log file, in MB.

    The ``-wal`` file keeps its size when SQLite starts the log over:
    emptied before a run (see :func:`_empty`), its size after the run is
    the longest the run's log grew (see :mod:`fault_persist.db.sqlite_wal`).
    """
    path = database_url[len('sqlite:///'):] + '-wal'
    return os.path.getsize(path) / 2 ** 20 if os.path.exists(path) else 0


def _summary(cpus, ratio, target_ratio, target_cpu):
    """Print the medians side by side with the targets; whether met."""
    medians = {name: statistics.median(values)
               for name, values in cpus.items() if values}
    print('  median CPU per message, us: ' + '; '.join(
        '%s %.0f' % (name, value) for name, value in medians.items()))
    cpu_ratio = medians['ours'] / medians['bare']
    print('  listener process CPU per message: %.2f x the bare listener\'s'
          '%s' % (cpu_ratio, ' (target %.2f x): %s' % (
              target_cpu, 'met' if cpu_ratio <= target_cpu else 'MISSED')
              if target_cpu else ''))
    print('  all processes CPU per message: %.2f x the bare listener\'s%s'
          % ((medians['ours'] + medians['storers']) / medians['bare'],
             '; %.2f x with the database\'s' % (
                 (medians['ours'] + medians['storers'] + medians['database'])
                 / medians['bare']) if 'database' in medians else ''))
    print('  median ratio: %.1f %% of the bare rate (target %.0f %%): %s'
          % (ratio * 100, target_ratio * 100,
             'met' if ratio >= target_ratio else 'MISSED'))
    return ratio >= target_ratio and (
        not target_cpu or cpu_ratio <= target_cpu)


if __name__ == '__main__':
    sys.exit(main())
