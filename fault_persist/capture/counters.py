"""Counters: what fault_persist captured, for operators.

Every capture keeps :class:`Counters` of what it saw and did; a process
holds the counters of its notifier driver and direct calls, or of its
listener. :func:`counters` adds up all of them in this process;
:class:`CountersLog` logs them every ``[fault_persist]
counters_interval`` seconds, and :func:`serve_metrics` serves them to
Prometheus.

Names (see :data:`DESCRIPTIONS`) are plain (``stored``) or carry a label
after a dot (``rejected.data_error``: events refused, for the reason
``data_error``); a labelled count is also part of its plain total
(``rejected``).

Usage::

    counts = Counters()
    counts.add('stored', 3)
    count_ignored = counts.incrementer('ignored')   # hot paths, lock-free
    count_ignored()
    fault_persist.counters()      # {'ignored': 1, 'stored': 3, ...}
"""

import collections
import itertools
import json
import os
import threading
import time
import weakref

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

#: What each counter counts, for the logs, the docs and Prometheus.
DESCRIPTIONS = collections.OrderedDict([
    ('received', 'Notifications handed to fault_persist (the driver: '
                 'every notification the host sent; a listener: every '
                 'notification taken from the bus, redeliveries included).'),
    ('ignored', 'Notifications neither errors nor task events.'),
    ('errors', 'Error notifications recognised.'),
    ('starts', 'Task start notifications recognised.'),
    ('ends', 'Task end notifications recognised.'),
    ('no_instance', 'Errors that name no resource (stored as faults of '
                    'their host).'),
    ('malformed', 'Notifications that could not be read (logged).'),
    ('stored', 'Events stored for the first time.'),
    ('duplicate', 'Events found stored already (a redelivery or a replay): '
                  'not stored twice.'),
    ('rejected', 'Events the database refused for what they hold, by '
                 'reason (logged and dropped).'),
    ('spooled', 'Events written to the spool because the database failed.'),
    ('replayed', 'Events stored from the spool.'),
    ('requeued', 'Notifications handed back to the bus because the '
                 'database failed.'),
    ('lost', 'Events neither stored nor spooled (the database and the '
             'spool both failed).'),
])

#: The label of the counters that are split, e.g. ``rejected.data_error``.
LABELS = {'rejected': 'reason'}

# Every Counters of this process, for counters().
_ALL = weakref.WeakSet()
_ALL_LOCK = threading.Lock()


class Counters:
    """Thread-safe counts of what a capture saw and did.

    :meth:`add` takes a lock; :meth:`incrementer` gives a lock-free
    callable for the paths a host runs for every notification.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = collections.Counter()
        # name -> [itertools.count, the value take() took last]
        self._fast = {}
        with _ALL_LOCK:
            _ALL.add(self)

    def add(self, name, count=1):
        """Add ``count`` to counter ``name``."""
        with self._lock:
            self._counts[name] += count

    def incrementer(self, name, also=()):
        """A callable adding one to counter ``name``, without a lock.

        ``next()`` of an ``itertools.count`` is one C call under the
        interpreter lock: it loses no increment between threads and costs
        a fraction of taking a lock.

        :param also: names of other counters each call adds one to, so
            that a hot path pays one call for several counts.
        """
        names = (name,) + tuple(also)
        with self._lock:
            fast = self._fast.setdefault(names, [itertools.count(), 0])
        return fast[0].__next__

    def _fast_counts(self):
        # The next value a count would give is the number of calls so far;
        # repr() is the one public way to read it without moving it.
        counts = collections.Counter()
        for names, fast in self._fast.items():
            value = int(repr(fast[0])[6:-1]) - fast[1]
            for name in names:
                counts[name] += value
        return counts

    def snapshot(self):
        """A copy of the counts, as a plain dict (zeros left out)."""
        with self._lock:
            counts = collections.Counter(self._counts)
            counts.update(self._fast_counts())
        return {name: value for name, value in counts.items() if value}

    def take(self):
        """The counts so far, as a plain dict; counting starts again."""
        with self._lock:
            counts = collections.Counter(self._counts)
            self._counts.clear()
            for names, fast in self._fast.items():
                value = int(repr(fast[0])[6:-1]) - fast[1]
                fast[1] += value
                for name in names:
                    counts[name] += value
        return {name: value for name, value in counts.items() if value}

    def merge(self, counts):
        """Add the counts of ``counts`` (a dict, as :meth:`take` gives)."""
        with self._lock:
            self._counts.update(counts)


class RemoteCounts:
    """The counts other processes report, e.g. a listener's workers.

    Each process reports its cumulative counts; a process that is gone
    keeps its last report in the totals, so totals never go down. Only
    the process that made it sees the counts: a child forked from it does
    not report its parent's workers as its own.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._live = {}
        self._gone = collections.Counter()
        with _ALL_LOCK:
            _ALL.add(self)

    def report(self, key, counts):
        """Record the cumulative ``counts`` of process ``key``."""
        with self._lock:
            self._live[key] = dict(counts)

    def gone(self, key):
        """Process ``key`` is gone: keep its last counts in the totals."""
        with self._lock:
            self._gone.update(self._live.pop(key, {}))

    def snapshot(self):
        """The totals of every process reported, as a plain dict."""
        if os.getpid() != self._owner:
            return {}
        with self._lock:
            counts = collections.Counter(self._gone)
            for reported in self._live.values():
                counts.update(reported)
        return dict(counts)


def counters():
    """What fault_persist captured in this process so far, as a dict.

    The counts of the notifier driver and the direct calls of a host
    process, or of fault-persist-listener (in the listener's first
    process: of all its workers and storers). A labelled count such as
    ``rejected.data_error`` is part of its total, ``rejected``. Names are
    described in the admin guide; counts that are still zero are left
    out.

    :returns: ``{name: count}``.
    """
    with _ALL_LOCK:
        sources = list(_ALL)
    total = collections.Counter()
    for source in sources:
        total.update(source.snapshot())
    return dict(total)


class CountersLog:
    """Log :func:`counters` every ``interval`` seconds, on a thread.

    :param interval: seconds between two lines; 0 never logs.
    :param role: what the process is, e.g. ``driver``, ``listener``.
    """

    def __init__(self, interval, role):
        self.interval = interval
        self.role = role
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        """Start logging, unless the interval is 0."""
        if not self.interval:
            return self
        self._thread = threading.Thread(
            target=self._run, name='fault_persist-counters-log', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop logging."""
        self._stop.set()

    def _run(self):
        pid = os.getpid()
        while not self._stop.wait(self.interval):
            if os.getpid() != pid:
                return  # a forked child: its parent logs
            LOG.info('fault_persist counters (%(role)s %(pid)d): '
                     '%(counters)s', {'role': self.role, 'pid': pid,
                                      'counters': counters()})


_DRIVER_LOG_LOCK = threading.Lock()
# (pid, CountersLog) of the driver's log in this process.
_DRIVER_LOG = (None, None)


def log_driver_counters(conf):
    """Log the driver's counters every ``counters_interval`` (once a process).

    :param conf: a ``ConfigOpts`` fault_persist was initialised with.
    """
    global _DRIVER_LOG
    with _DRIVER_LOG_LOCK:
        pid, log = _DRIVER_LOG
        if pid == os.getpid():
            return
        _DRIVER_LOG = (os.getpid(), CountersLog(
            conf.fault_persist.counters_interval, 'driver').start())


def _restart_driver_log_in_child():
    # A host that forks its workers after its notifier was set up: each
    # worker logs its own counts, as it sends its own notifications.
    global _DRIVER_LOG
    pid, log = _DRIVER_LOG
    if log is not None and log.interval:
        _DRIVER_LOG = (os.getpid(), CountersLog(log.interval,
                                                'driver').start())


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_restart_driver_log_in_child)


def report_to(fd, interval=1.0):
    """Write this process's counters to pipe ``fd``, on a thread.

    A JSON line of the cumulative counts every ``interval`` seconds when
    they changed, and one more when :func:`flush_report` is called; the
    reader (a listener's supervisor) adds them up with
    :class:`RemoteCounts`.
    """
    reporter = _Reporter(fd)
    threading.Thread(target=reporter.run, args=(interval,),
                     name='fault_persist-counters-report',
                     daemon=True).start()
    return reporter


class _Reporter:

    def __init__(self, fd):
        self.fd = fd
        self._lock = threading.Lock()
        self._last = None

    def run(self, interval):
        while True:
            time.sleep(interval)
            self.send()

    def send(self):
        """Write the counts now, when they changed."""
        with self._lock:
            counts = counters()
            if counts == self._last:
                return
            try:
                os.write(self.fd, json.dumps(counts).encode() + b'\n')
            except OSError:
                return  # the reader is gone; it will not need them
            self._last = counts


def read_reports(fd, key, remote):
    """Read the JSON lines of :func:`report_to` from ``fd`` into ``remote``.

    Returns at the end of the pipe (the writer is gone), after keeping
    the last counts in the totals.
    """
    buffered = b''
    with open(fd, 'rb', buffering=0) as stream:
        while True:
            chunk = stream.read(65536)
            if not chunk:
                break
            buffered += chunk
            *lines, buffered = buffered.split(b'\n')
            for line in lines:
                try:
                    remote.report(key, json.loads(line))
                except ValueError:
                    LOG.warning('fault_persist ignored an unreadable '
                                'counters report: %.200r', line)
    remote.gone(key)


class _Collector:
    """The counters as Prometheus metrics, read at each scrape."""

    def collect(self):
        from prometheus_client import core
        counts = counters()
        names = list(DESCRIPTIONS) + sorted(
            {name.split('.', 1)[0] for name in counts} - set(DESCRIPTIONS))
        for name in names:
            metric = 'fault_persist_%s' % ''.join(
                char if char.isalnum() else '_' for char in name)
            description = DESCRIPTIONS.get(name, 'A fault_persist counter.')
            label = LABELS.get(name)
            if label is None:
                yield core.CounterMetricFamily(metric, description,
                                               value=counts.get(name, 0))
                continue
            family = core.CounterMetricFamily(metric, description,
                                              labels=[label])
            prefix = name + '.'
            for key, value in sorted(counts.items()):
                if key.startswith(prefix):
                    family.add_metric([key[len(prefix):]], value)
            yield family


def serve_metrics(host, port):
    """Serve :func:`counters` to Prometheus on ``http://host:port/metrics``.

    Each counter is a metric ``fault_persist_<name>_total``; a split one
    has a label (``fault_persist_rejected_total{reason="data_error"}``).
    The HTTP server runs on a daemon thread of prometheus_client.

    :returns: the HTTP server (``shutdown()`` stops it).
    """
    # Imported here: only a listener that serves metrics needs it.
    import prometheus_client
    registry = prometheus_client.CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    server, _thread = prometheus_client.start_http_server(
        port, addr=host, registry=registry)
    LOG.info('fault_persist serves its counters to Prometheus on '
             'http://%(host)s:%(port)d/metrics', {'host': host, 'port': port})
    return server
