"""The real API server on 127.0.0.1 with a known request log, for tests.

:class:`ActivityLogServer` starts what ``fault-persist-api`` starts
(:func:`fault_persist.cmd.api.make_server`, noauth) on a free port in a
thread, over a migrated SQLite file that :func:`seed` fills through the
public Python API: :func:`fault_persist.track_task`,
:func:`fault_persist.save_fault` and a notification captured by the
notifier driver. Times are frozen while seeding, so every test knows when
each entry happened.
"""

import datetime
import json
import os
import queue
import textwrap
import threading

import fixtures
from oslo_config import cfg
from oslo_context import context as o_context
import oslo_messaging
from oslo_utils import timeutils

import fault_persist
import fault_persist.conf
from fault_persist import config
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import task_events

fp_fixtures.ensure_default_engine()

#: When the seeded request log begins (UTC).
T0 = datetime.datetime(2026, 5, 4, 10, 0, 0)
#: Project A: the Trove sample's project, so the captured error is A's.
PROJECT_A = task_events.SAMPLE_PROJECT
PROJECT_B = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0'
USER_A = 'alice'
USER_B = 'bob'
IP_A = '192.0.2.10'
IP_B = '198.51.100.20'
#: The task that runs from T0 to T0 + 30 min while others come and go.
LONG_TARGET = '/plugins/kimchi/vms/long/clone'
#: The Nova instance whose create started at T0 + 40 min and never ended.
RUNNING_INSTANCE = task_events.NOVA_INSTANCE
#: Words found only in project B's records.
B_MARK = 'beta'
DETAILS_A = 'Traceback (most recent call last):\n  alpha disk'
DETAILS_B = 'Traceback (most recent call last):\n  beta disk'

CONFIG = """
[fault_persist]
state_path = {state_path}

[api]
auth_strategy = noauth
bind_host = 127.0.0.1
bind_port = {port}

[oslo_messaging_notifications]
driver = fault_persist
"""


def minutes(count):
    """``T0`` plus ``count`` minutes."""
    return T0 + datetime.timedelta(minutes=count)


def context_of(project_id, user_id, ip, roles=('member', 'reader')):
    """A caller of ``project_id``; an admin with ``roles=('admin',)``."""
    ctxt = o_context.RequestContext(project_id=project_id, user_id=user_id,
                                    roles=list(roles))
    # What a host's context (Nova's, Trove's) carries besides.
    ctxt.remote_address = ip
    return ctxt


ADMIN = context_of('admin', 'admin', None, roles=('admin', 'member'))


class TaskFailure(Exception):
    """A failure with a service's error code, as track_task reads it."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _at(when):
    timeutils.set_time_override(when)


def _task(ctxt, app, target, start, end, failure=None):
    _at(start)
    try:
        with fault_persist.track_task(ctxt, app, target):
            _at(end)
            if failure:
                raise failure
    except TaskFailure:
        pass


def seed(conf):
    """Fill the request log and the faults (34 entries, 3 faults).

    Project A (``alice``): a long kimchi task from T0 to T0 + 30 min; 12
    trove resizes, one every 3 minutes from T0 + 2 min, each ending a
    minute later, every fourth failing; the Nova start sample captured by
    the notifier driver at T0 + 40 min (a task still running); the Trove
    error sample captured at T0 + 45 min (a failed task and a fault with
    details); a fault saved
    directly at T0 + 46 min. Project B (``bob``): 3 nova rebuilds at T0 +
    4, 16 and 28 min, the second failing; a fault at T0 + 47 min.

    :param conf: the ``ConfigOpts`` fault_persist was initialised with.
    """
    alice = context_of(PROJECT_A, USER_A, IP_A)
    bob = context_of(PROJECT_B, USER_B, IP_B)
    try:
        _at(minutes(0))
        long_task = fault_persist.track_task(alice, 'kimchi', LONG_TARGET)
        long_task.__enter__()
        for index in range(12):
            start = 2 + 3 * index
            failure = None
            if index % 4 == 3:
                failure = TaskFailure('TRV%04dE' % index,
                                      'resize failed on db-%02d' % index)
            _task(alice, 'trove', '/instances/db-%02d/resize' % index,
                  minutes(start), minutes(start + 1), failure)
            if index == 9:
                _at(minutes(30))
                long_task.__exit__(None, None, None)
        for index, start in enumerate((4, 16, 28)):
            failure = None
            if index == 1:
                failure = TaskFailure('NOVA0001E', 'no host for %s-%d'
                                      % (B_MARK, index))
            _task(bob, 'nova', '/servers/%s-%d/rebuild' % (B_MARK, index),
                  minutes(start), minutes(start + 1), failure)
        _at(minutes(40))
        # A start whose end never came: a task still running.
        _notify(conf, alice, task_events.NOVA_START, 'nova-compute:compute')
        _at(minutes(45))
        _notify(conf, alice, task_events.TROVE_ERROR, 'taskmanager.trove-1')
        _at(minutes(46))
        fault_persist.save_fault(alice, 'vm-alpha', 'Alpha disk full',
                                 details=DETAILS_A, code='DiskFull')
        _at(minutes(47))
        fault_persist.save_fault(bob, 'vm-%s' % B_MARK, 'Beta disk full',
                                 details=DETAILS_B, code='DiskFull')
        fault_persist.flush()
    finally:
        timeutils.clear_time_override()


def _notify(conf, ctxt, sample_name, publisher_id):
    """A sample sent as its service sends it, captured by the driver."""
    path = os.path.join(task_events.SAMPLES, sample_name)
    with open(path, encoding='utf-8') as stream:
        sample = json.load(stream)
    transport = oslo_messaging.get_notification_transport(conf)
    notifier = oslo_messaging.Notifier(transport, publisher_id=publisher_id)
    getattr(notifier, sample['priority'].lower())(
        ctxt, sample['event_type'], sample['payload'])


class ActivityLogServer(fixtures.Fixture):
    """``fault-persist-api`` (noauth) in a thread, over a seeded database.

    :ivar url: the server's base URL, ``http://127.0.0.1:PORT/``.
    :ivar conf: its ``ConfigOpts``.
    """

    def __init__(self, seed_database=True):
        super().__init__()
        self.seed_database = seed_database

    def _setUp(self):
        # Imported here: the module of a merged API branch.
        from fault_persist.cmd import api as api_cmd

        self.useFixture(fp_fixtures.SQLiteDatabase())
        state_path = self.useFixture(fixtures.TempDir()).path
        config_file = os.path.join(state_path, 'api.conf')
        with open(config_file, 'w', encoding='utf-8') as stream:
            stream.write(textwrap.dedent(CONFIG).format(
                state_path=state_path, port=0))
        self.conf = cfg.ConfigOpts()
        fault_persist.conf.register_opts(self.conf)
        self.conf(['--config-file', config_file], project='fault_persist')
        config.reset()
        self.addCleanup(config.reset)
        fault_persist.init(self.conf)
        if self.seed_database:
            seed(self.conf)
        made = queue.SimpleQueue()
        thread = threading.Thread(target=_serve, args=(api_cmd, self.conf,
                                                       made),
                                  name='activity-log-server', daemon=True)
        thread.start()
        server = made.get(timeout=30)
        if isinstance(server, BaseException):
            raise server
        self.addCleanup(server.server_close)
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.shutdown)
        self.url = 'http://127.0.0.1:%d/' % server.server_port


def _serve(api_cmd, conf, made):
    """Make the server and serve, in a daemon thread.

    The server's worker threads are then daemon threads too: a test
    runner that stops the class's server only at exit (stestr's workers
    call no ``tearDownClass``; ``atexit`` runs after Python has waited
    for every other thread) does not wait for them for ever.
    """
    try:
        server = api_cmd.make_server(conf)
    except BaseException as exc:  # noqa: handed to the test's thread
        made.put(exc)
        return
    made.put(server)
    server.serve_forever()
