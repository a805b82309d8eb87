"""fault-persist-listener: store the errors and task events on the bus.

Usage::

    fault-persist-listener --config-file /etc/fault-persist/listener.conf

Runs ``[fault_persist_listener] workers`` processes, each a batch
notification listener. SIGTERM or SIGINT stops them cleanly: each
finishes and acknowledges the batch in hand, then exits.
"""

import os
import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

from fault_persist.capture import listener
from fault_persist.capture import pipeline as capture_pipeline
from fault_persist import config
from fault_persist import opts

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _wait_for_stop_signal():
    stop = threading.Event()
    for signum in _STOP_SIGNALS:
        signal.signal(signum, lambda *args: stop.set())
    while not stop.wait(1.0):
        pass


def run_worker(conf):
    """Run one listener until SIGTERM or SIGINT.

    :param conf: the parsed ``ConfigOpts``.
    """
    config.init(conf)
    pipeline = capture_pipeline.Pipeline.from_conf(conf)
    server = listener.build_listener(conf, pipeline)
    server.start()
    LOG.info('fault-persist-listener %(pid)d consuming %(topics)s '
             '(pool %(pool)s)', {'pid': os.getpid(),
                                 'topics': conf[listener.GROUP].topics,
                                 'pool': conf[listener.GROUP].pool})
    _wait_for_stop_signal()
    LOG.info('fault-persist-listener %d stopping: finishing the batch in '
             'hand', os.getpid())
    server.stop()
    server.wait()
    LOG.info('fault-persist-listener %(pid)d stopped; counters: '
             '%(counters)s', {'pid': os.getpid(),
                              'counters': pipeline.counters.snapshot()})


def _fork_worker(conf):
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for signum in _STOP_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            run_worker(conf)
        except Exception:  # noqa: report and exit non-zero
            LOG.exception('fault-persist-listener worker failed')
            code = 1
        finally:
            os._exit(code)
    return pid


def run_workers(conf, count):
    """Run ``count`` worker processes; stop them all on a stop signal.

    A worker that dies unexpectedly is started again.
    """
    children = {_fork_worker(conf) for _ in range(count)}
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()
        for child in list(children):
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    for signum in _STOP_SIGNALS:
        signal.signal(signum, stop)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if not stopping.is_set():
            LOG.error('fault-persist-listener worker %(pid)d exited '
                      '(status %(status)d); starting another',
                      {'pid': pid, 'status': status})
            children.add(_fork_worker(conf))


def main(argv=None):
    opts.register_opts(CONF)
    CONF.register_opts(listener.listener_opts, group=listener.GROUP)
    logging.register_options(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='fault_persist',
         prog='fault-persist-listener')
    logging.setup(CONF, 'fault_persist')
    workers = CONF[listener.GROUP].workers
    if workers == 1:
        run_worker(CONF)
    else:
        run_workers(CONF, workers)
    return 0


if __name__ == '__main__':
    sys.exit(main())
