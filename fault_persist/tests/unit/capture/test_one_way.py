"""Data flows one way from the notifier driver to the committed row.

The calls between fault_persist's modules while a real ``Notifier`` error
goes through the driver to a committed fault and request-log entry are
recorded; no module may call back into a module that called it, directly
or through others (the call graph between modules has no cycle), and the
database layer calls nothing above it.
"""

import collections
import sys
import threading

import oslo_messaging

import fault_persist
from fault_persist.tests import base
from fault_persist.tests import samples

# What the database layer may call: pure leaves below it.
_BELOW_DB = ('fault_persist.db', 'fault_persist.conf',
             'fault_persist.request_log_text', 'fault_persist.sanitize',
             'fault_persist.i18n', 'fault_persist.exception')


class _ModuleCalls:
    """The calls from one fault_persist module to another, on all threads."""

    def __init__(self):
        self.edges = collections.defaultdict(set)

    def __call__(self, frame, event, arg):
        if event != 'call':
            return
        callee = frame.f_globals.get('__name__', '')
        caller_frame = frame.f_back
        if caller_frame is None or not callee.startswith('fault_persist'):
            return
        caller = caller_frame.f_globals.get('__name__', '')
        if (caller != callee and caller.startswith('fault_persist')
                and '.tests' not in caller and '.tests' not in callee):
            self.edges[caller].add(callee)

    def __enter__(self):
        threading.setprofile(self)
        sys.setprofile(self)
        return self

    def __exit__(self, *exc_info):
        sys.setprofile(None)
        threading.setprofile(None)


def _cycle(edges):
    """A cycle of the graph, as a list of modules, or ``None``."""
    state = {}

    def visit(node, path):
        state[node] = 'open'
        for following in sorted(edges.get(node, ())):
            if state.get(following) == 'open':
                return path[path.index(following):] + [following]
            if following not in state:
                found = visit(following, path + [following])
                if found:
                    return found
        state[node] = 'done'
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


class TestOneWay(base.TestCase):

    def test_a_captured_error_flows_one_way_to_its_rows(self):
        self.flags(driver_write_timeout=5.0)
        transport = oslo_messaging.get_notification_transport(
            self.conf, url='fake:/')
        self.fault_persist.config.config(
            group='oslo_messaging_notifications', driver=['fault_persist'])
        notifier = oslo_messaging.Notifier(
            transport, publisher_id='taskmanager.trove-host-1')
        sample = samples.load('trove/dbaas-instance_create-error')
        # The driver's writer thread starts inside: it is recorded too.
        with _ModuleCalls() as calls:
            notifier.info({'request_id': 'req-one-way'},
                          sample['event_type'], sample['payload'])
            self.assertTrue(fault_persist.flush(10))
        instance = sample['payload']['instance_id']
        self.assertIsNotNone(fault_persist.get_fault(base.admin_context(),
                                                     instance))
        edges = calls.edges
        self.assertIn('fault_persist.extract',
                      edges['fault_persist.capture.pipeline'])
        self.assertTrue(any(callee.startswith('fault_persist.db')
                            for callee in edges['fault_persist.capture.'
                                                'pipeline']))
        self.assertIsNone(_cycle(edges), dict(edges))
        upward = {(caller, callee) for caller, callees in edges.items()
                  if caller.startswith('fault_persist.db')
                  for callee in callees
                  if not callee.startswith(_BELOW_DB)}
        self.assertEqual(set(), upward)
