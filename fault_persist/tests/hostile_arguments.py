"""Every public function, called with hostile values in every argument.

Each call either succeeds or raises our own exception (a
:class:`~fault_persist.exception.FaultPersistError`) with a message; never
a raw database, ``ValueError``, ``OverflowError`` or ``UnicodeError``.
Mixed into SQLite (unit), PostgreSQL and MariaDB (functional) test cases.
"""

import datetime
import uuid

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from oslo_context import context as o_context

import fault_persist
from fault_persist import exception
from fault_persist.tests import base

_SEEDS = ['proj-a', '1', '1000', '1001', '2026-05-04T10:00:00Z',
          'abc', uuid.UUID(int=7).hex, 'TASK', 'pt_BR', 'instance',
          '10.0.0.1', 'kimchi', '2026-05-04T10:00:00+01:00']
_MUTATIONS = [
    lambda v: v + '\x00',
    lambda v: '\x00' + v,
    lambda v: v + '\ud800',
    lambda v: '\udfff' + v,
    lambda v: v + '\n',
    lambda v: v + '\x1b[31m',
    lambda v: v.upper(),
    lambda v: ' ' + v + ' ',
    lambda v: v * 40,
    lambda v: v + '²',
    lambda v: v + '\u202e',
    lambda v: v.encode('utf-8'),
    lambda v: v + '\U0001f525',
    lambda v: v + "'; DROP TABLE instance_faults; --",
    lambda v: v + '%s%(x)s{0}',
]
_SPECIAL = [
    None, '', ' ', '\t', '\x00', '\ud800', '\udc00\ud800', '²', '٣', '¹⁰',
    '１２', 'Ⅻ', '0', '-1', '+1', '1.5', '1e3', 'inf', 'nan', '-inf',
    '0x10', '00000000000000000000000000001', '9' * 19, '9' * 40,
    '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00',
    '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1969-12-31T23:59:59Z',
    '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T25:00:00Z',
    '2026-01-01T00:00:00+25:00', '2026-01-01T00:00:00+23:59',
    '2026-01-01', '20260101T000000Z', 'yesterday', 'now', '²⁰²⁶-01-01',
    '٢٠٢٦-01-01T00:00:00Z', 'x' * 64, 'x' * 65, 'x' * 256, 'x' * 70000,
    0, 1, -1, 1000, 1001, 1002, 999, True, False, 2 ** 31 - 1, 2 ** 31,
    2 ** 53, 2 ** 63 - 1, 2 ** 63, 2 ** 64, 10 ** 100, -2 ** 63,
    0.0, 1.5, -0.5, float('inf'), float('-inf'), float('nan'), 1e308,
    b'', b'\xff\xfe', bytearray(b'abc'), [], ['a'], {}, {'a': 1}, (1,),
    {1}, object(), uuid.UUID(int=0), 1j,
    datetime.datetime.min, datetime.datetime.max,
    datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(
        datetime.timedelta(hours=1))),
    datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.timezone(
        datetime.timedelta(hours=-1))),
    datetime.datetime(2026, 5, 4, 10, 0, 0), datetime.date(2026, 5, 4),
    datetime.timedelta(days=1), datetime.timedelta.max,
    datetime.timedelta(days=-1),
]
#: The hostile values: a few hundred.
HOSTILE = _SPECIAL + [mutate(seed) for seed in _SEEDS
                      for mutate in _MUTATIONS]


def member():
    return o_context.RequestContext(project_id='proj-a', user_id='u',
                                    roles=['member', 'reader'])


def _track(*args, **kwargs):
    with fault_persist.track_task(*args, **kwargs):
        pass


def _lines(*args, **kwargs):
    return list(fault_persist.request_log_lines(*args, **kwargs))


#: ``(function, valid positional arguments, valid keyword arguments)``:
#: each argument in turn is replaced by every hostile value.
CALLS = {
    'get_fault': (fault_persist.get_fault, ['i-1'], {}),
    'list_faults': (fault_persist.list_faults, [], dict(
        instance_id='i-1', project_id='proj-a', since=None, before=None,
        limit=10, marker=None, resource_type='instance', unresolved=False)),
    'resolve_faults': (fault_persist.resolve_faults, ['i-1'], {}),
    'delete_faults': (fault_persist.delete_faults, ['i-1'], {}),
    'save_fault': (fault_persist.save_fault, ['i-1', 'Boom'], dict(
        details='Traceback', resource_type='instance', project_id='proj-a',
        user_id='u', request_id='req-1', message_id=None, code='E1',
        event_type='x.error', host='h', priority='ERROR')),
    'purge_faults': (fault_persist.purge_faults, [365000], {}),
    'track_task': (_track, ['kimchi', '/vms/x'], dict(
        task_id=None, instance_id='i-1')),
    'list_request_log': (fault_persist.list_request_log, [], dict(
        app='kimchi', user='u', ip='10.0.0.1', req='TASK', status=1001,
        since=None, before=None, task_id=None, instance_id='i-1',
        request_id='req-1', project_id='proj-a', limit=10, marker=None)),
    'request_log_lines': (_lines, [], dict(
        locale=None, app='kimchi', status=1001, since=None, limit=10,
        marker=None, task_id=None, project_id='proj-a')),
    'get_task': (fault_persist.get_task, [1], {}),
    'list_tasks': (fault_persist.list_tasks, [], dict(
        app='kimchi', status=1001, instance_id='i-1', request_id='req-1',
        project_id='proj-a', user='u', limit=10, marker=None)),
    'entries_between': (fault_persist.entries_between, [1], dict(
        limit=10, marker=None)),
    'purge_request_log': (fault_persist.purge_request_log, [365000], {}),
}


def _contexts():
    return [member(), base.admin_context(), None, {'project_id': 'proj-a'}]


class HostileArgumentBehaviour:
    """Needs ``self`` to be a TestCase with fault_persist initialised."""

    def setUp(self):
        super().setUp()
        fault_persist.save_fault(member(), 'i-1', 'Boom')
        _track(member(), 'kimchi', '/vms/x', instance_id='i-1')

    def call(self, name, position, value):
        """Call ``name`` with ``value`` in ``position``: ours or nothing.

        :returns: ``1`` (the call was made), for counting.
        """
        function, args, kwargs = CALLS[name]
        args, kwargs = list(args), dict(kwargs)
        if isinstance(position, int):
            args[position] = value
        else:
            kwargs[position] = value
        if not name.startswith('purge_'):
            args.insert(0, member())
        try:
            function(*args, **kwargs)
        except exception.FaultPersistError as exc:
            self.assertTrue(str(exc), (name, position, value))
        except BaseException as exc:
            self.fail('%s(%s=%r) raised %s: %s' % (
                name, position, value, type(exc).__name__, exc))
        return 1

    def _all_positions(self, name):
        _function, args, kwargs = CALLS[name]
        calls = 0
        for position in list(range(len(args))) + list(kwargs):
            for value in HOSTILE:
                calls += self.call(name, position, value)
        return calls

    def test_there_are_hundreds_of_hostile_values(self):
        self.assertGreaterEqual(len(HOSTILE), 200)

    def test_hostile_contexts(self):
        for name in CALLS:
            if name.startswith('purge_'):
                continue
            function, args, kwargs = CALLS[name]
            for value in HOSTILE + [
                    {'project_id': value} for value in HOSTILE[:60]] + [
                    o_context.RequestContext(project_id=value)
                    for value in HOSTILE[:60]]:
                try:
                    function(value, *args, **kwargs)
                except exception.FaultPersistError:
                    pass
                except BaseException as exc:
                    self.fail('%s(context=%r) raised %s: %s' % (
                        name, value, type(exc).__name__, exc))


def _test_of(name):
    def test(self):
        self.assertGreater(self._all_positions(name), 0)
    test.__name__ = 'test_hostile_arguments_of_%s' % name
    test.__doc__ = 'Every argument of %s, every hostile value.' % name
    return test


for _name in CALLS:
    setattr(HostileArgumentBehaviour, 'test_hostile_arguments_of_%s' % _name,
            _test_of(_name))

_TEXT = st.one_of(st.text(max_size=80),
                  st.text(alphabet=st.characters(), max_size=80),
                  st.binary(max_size=40).map(lambda b: b.decode(
                      'utf-8', 'surrogateescape')))
_ANY = st.one_of(st.none(), _TEXT, st.integers(), st.floats(),
                 st.booleans(), st.datetimes(timezones=st.one_of(
                     st.none(), st.timezones())))


class HypothesisArgumentBehaviour:
    """Property: any text, number or time; ours or nothing."""

    @settings(max_examples=200, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(instance_id=_ANY, project_id=_ANY, since=_ANY, limit=_ANY,
           marker=_ANY)
    def test_list_faults_takes_any_argument(self, instance_id, project_id,
                                            since, limit, marker):
        self._ours(fault_persist.list_faults, base.admin_context(),
                   instance_id=instance_id, project_id=project_id,
                   since=since, limit=limit, marker=marker)

    @settings(max_examples=200, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(app=_ANY, user=_ANY, status=_ANY, before=_ANY, task_id=_ANY,
           marker=_ANY)
    def test_list_request_log_takes_any_argument(self, app, user, status,
                                                 before, task_id, marker):
        self._ours(fault_persist.list_request_log, base.admin_context(),
                   app=app, user=user, status=status, before=before,
                   task_id=task_id, marker=marker)

    @settings(max_examples=200, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(instance_id=_ANY, message=_ANY, details=_ANY, project=_ANY,
           code=_ANY)
    def test_save_fault_takes_any_argument(self, instance_id, message,
                                           details, project, code):
        self._ours(fault_persist.save_fault, {'project_id': project},
                   instance_id, message, details=details, code=code)

    @settings(max_examples=200, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(app=_ANY, target=_ANY, task_id=_ANY, instance_id=_ANY,
           project=_ANY)
    def test_track_task_takes_any_argument(self, app, target, task_id,
                                           instance_id, project):
        self._ours(_track, {'project_id': project}, app, target,
                   task_id=task_id, instance_id=instance_id)

    @settings(max_examples=200, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(task_id=_ANY, limit=_ANY, marker=_ANY, status=_ANY)
    def test_task_reads_take_any_argument(self, task_id, limit, marker,
                                          status):
        self._ours(fault_persist.get_task, base.admin_context(), task_id)
        self._ours(fault_persist.entries_between, base.admin_context(),
                   task_id, limit=limit, marker=marker)
        self._ours(fault_persist.list_tasks, base.admin_context(),
                   status=status, limit=limit, marker=task_id)

    @settings(max_examples=200, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(older_than=st.one_of(st.floats(), st.integers(), st.timedeltas(),
                                st.datetimes(), _TEXT))
    def test_purge_takes_any_age(self, older_than):
        self._ours(fault_persist.purge_faults, older_than)
        self._ours(fault_persist.purge_request_log, older_than)

    def _ours(self, function, *args, **kwargs):
        try:
            function(*args, **kwargs)
        except exception.FaultPersistError as exc:
            self.assertTrue(str(exc))
