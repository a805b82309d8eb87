"""fault-persist-listener: store the errors and task events on the bus.

Usage::

    fault-persist-listener --config-file /etc/fault-persist/listener.conf

Runs ``[fault_persist_listener] workers`` processes, each a batch
notification listener. SIGTERM or SIGINT stops them cleanly: each
finishes and acknowledges the batch in hand, then exits.

With several workers, the first process supervises them: it starts again
a worker that dies, and adds up their counters (each worker reports its
own, its storers' included, through a pipe) to log them every
``[fault_persist] counters_interval`` seconds and to serve them on
``[fault_persist_listener] metrics_port``. The workers, and their
storers, die with it (:mod:`fault_persist.capture.lifeline`).
"""

import os
import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

from fault_persist.capture import counters as capture_counters
from fault_persist.capture import lifeline
from fault_persist.capture import listener
from fault_persist.capture import pipeline as capture_pipeline
import fault_persist.conf
from fault_persist.conf import listener as listener_opts
from fault_persist import config

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _wait_for_stop_signal():
    stop = threading.Event()
    for signum in _STOP_SIGNALS:
        signal.signal(signum, lambda *args: stop.set())
    while not stop.wait(1.0):
        pass


def _show_counters(conf):
    """Log and serve this process's counters, as the configuration says."""
    capture_counters.CountersLog(conf.fault_persist.counters_interval,
                                 'listener').start()
    group = conf[listener_opts.GROUP]
    if group.metrics_port is not None:
        return capture_counters.serve_metrics(group.metrics_host,
                                              group.metrics_port)
    return None


def run_worker(conf, report_fd=None):
    """Run one listener until SIGTERM or SIGINT.

    :param conf: the parsed ``ConfigOpts``.
    :param report_fd: a pipe to report the counters to the supervisor
        through; ``None`` when this process is the whole listener, which
        then logs and serves its counters itself.
    """
    config.init(conf)
    pipeline = capture_pipeline.Pipeline.from_conf(conf)
    server = listener.build_listener(conf, pipeline)
    server.start()
    reporter = None
    if report_fd is None:
        _show_counters(conf)
    else:
        reporter = capture_counters.report_to(report_fd)
    LOG.info('fault-persist-listener %(pid)d consuming %(topics)s '
             '(pool %(pool)s)', {'pid': os.getpid(),
                                 'topics': conf[listener_opts.GROUP].topics,
                                 'pool': conf[listener_opts.GROUP].pool})
    _wait_for_stop_signal()
    LOG.info('fault-persist-listener %d stopping: finishing the batch in '
             'hand', os.getpid())
    server.stop()
    server.wait()
    if reporter is not None:
        reporter.send()
    LOG.info('fault-persist-listener %(pid)d stopped; counters: '
             '%(counters)s', {'pid': os.getpid(),
                              'counters': pipeline.counters.snapshot()})


class _Supervisor:
    """Fork the workers, restart those that die, add up their counters."""

    def __init__(self, conf):
        self.conf = conf
        self.pid = os.getpid()
        self.children = set()
        self.stopping = threading.Event()
        self.remote = capture_counters.RemoteCounts()
        self._readers = []
        self._metrics = None
        # Read ends of the workers' pipes: a new worker closes them.
        self._read_fds = set()

    def fork_worker(self):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            self._run_child(read_fd, write_fd)
        os.close(write_fd)
        self._read_fds.add(read_fd)
        reader = threading.Thread(target=self._read, args=(read_fd, pid),
                                  name='fault_persist-worker-counters',
                                  daemon=True)
        reader.start()
        self._readers.append(reader)
        self.children.add(pid)
        return pid

    def _read(self, read_fd, pid):
        try:
            capture_counters.read_reports(read_fd, pid, self.remote)
        finally:
            self._read_fds.discard(read_fd)

    def _run_child(self, read_fd, write_fd):
        code = 0
        try:
            lifeline.die_with_parent(self.pid)
            for signum in _STOP_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            inherited = list(self._read_fds) + [read_fd]
            if self._metrics is not None:
                # The supervisor serves the metrics; a worker must not
                # keep its port open.
                inherited.append(self._metrics.fileno())
            for fd in inherited:
                try:
                    os.close(fd)
                except OSError:
                    pass
            run_worker(self.conf, write_fd)
        except Exception:  # noqa: report and exit non-zero
            LOG.exception('fault-persist-listener worker failed')
            code = 1
        finally:
            os._exit(code)

    def stop(self, signum=None, frame=None):
        self.stopping.set()
        for child in list(self.children):
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self, count):
        for _ in range(count):
            self.fork_worker()
        for signum in _STOP_SIGNALS:
            signal.signal(signum, self.stop)
        self._metrics = _show_counters(self.conf)
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            self.children.discard(pid)
            if not self.stopping.is_set():
                LOG.error('fault-persist-listener worker %(pid)d exited '
                          '(status %(status)d); starting another',
                          {'pid': pid, 'status': status})
                self.fork_worker()
        for reader in self._readers:
            reader.join(5.0)
        LOG.info('fault-persist-listener %(pid)d: workers stopped; their '
                 'total counters: %(counters)s',
                 {'pid': self.pid,
                  'counters': capture_counters.counters()})


def run_workers(conf, count):
    """Run ``count`` worker processes; stop them all on a stop signal.

    A worker that dies unexpectedly is started again; the workers die
    with this process.
    """
    _Supervisor(conf).run(count)


def main(argv=None):
    fault_persist.conf.register_opts(CONF)
    listener_opts.register_opts(CONF)
    logging.register_options(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='fault_persist',
         prog='fault-persist-listener')
    logging.setup(CONF, 'fault_persist')
    workers = CONF[listener_opts.GROUP].workers
    if workers == 1:
        run_worker(CONF)
    else:
        run_workers(CONF, workers)
    return 0


if __name__ == '__main__':
    sys.exit(main())
