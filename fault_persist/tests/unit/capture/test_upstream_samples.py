"""Every upstream error sample becomes the right fault (SQLite)."""

import fault_persist
from fault_persist.capture import pipeline as capture_pipeline
from fault_persist import request_log_text as text
from fault_persist.tests import base
from fault_persist.tests import samples
from fault_persist.tests import upstream_expectations as expectations

PROJECT = '6f70656e737461636b20342065766572'


class TestUpstreamErrors(base.TestCase):

    def setUp(self):
        super().setUp()
        self.pipeline = capture_pipeline.Pipeline.from_conf(self.conf)
        self.expected = expectations.load()
        self.messages = [expectations.notification(expected, number)
                         for number, expected in enumerate(self.expected)]

    def test_every_sample_is_read_as_expected(self):
        wrong = []
        for expected, message in zip(self.expected, self.messages):
            event = self.pipeline.event_of({}, message)
            wrong.extend(expectations.mismatches(expected, event, message))
        self.assertEqual([], wrong)

    def test_every_sample_is_stored_as_a_fault_with_its_failure_entry(self):
        events = [self.pipeline.event_of({}, message)
                  for message in self.messages]
        self.pipeline.store(events)
        admin = base.admin_context()
        stored = {(fault['instance_id'], fault['message'], fault['code'])
                  for fault in fault_persist.list_faults(admin, limit=1000)}
        entries = fault_persist.list_request_log(admin, status=text.FAILED,
                                                 limit=1000)
        self.assertEqual(len(events), len(entries))
        failures = [entry['message'] for entry in entries]
        for event in events:
            self.assertIn((event.instance_id, event.message,
                           event.code), stored)
            reason = ' '.join(filter(None, (event.code,
                                            event.message)))
            self.assertTrue(any(reason[:200] in failure
                                for failure in failures), reason)
        self.assertNotIn('UnknownError', ' '.join(failures))


# Where each service's start and end samples name their resource, as read
# from the samples (not from our definitions).
_COMPANION_RESOURCES = {
    'heat': ('stack', ('stack_identity',)),
    'ironic': ('node', ('ironic_object.data', 'uuid')),
    'nova': ('instance', ('nova_object.data', 'uuid')),
}


class TestUpstreamTaskEvents(base.TestCase):

    def test_starts_and_ends_name_their_resource(self):
        pipeline = capture_pipeline.Pipeline.from_conf(self.conf)
        errors = {expected['name'] for expected in expectations.load()}
        seen = 0
        for name in samples.upstream_names():
            if name in errors or '/common_payloads' in name:
                continue
            message = samples.load_upstream(name)
            event = pipeline.event_of({}, message)
            self.assertIn(event.kind, ('start', 'end'), name)
            kind, path = _COMPANION_RESOURCES[name.split('/')[0]]
            if name.startswith('nova/scheduler'):
                # The conductor's request spec names the instance.
                path = ('nova_object.data', 'instance_uuid')
            if name.startswith('ironic/baremetal-port'):
                kind = 'port'
            payload = message['payload']
            for key in path:
                payload = payload[key]
            self.assertEqual((kind, payload), (event.resource_type,
                                               event.instance_id), name)
            self.assertIsNone(event.message)
            seen += 1
        self.assertGreaterEqual(seen, 15)


class TestUpstreamShowView(base.TestCase):
    """What the show view makes of real samples: host faults, recoveries."""

    def setUp(self):
        super().setUp()
        self.pipeline = capture_pipeline.Pipeline.from_conf(self.conf)

    def _store(self, name, second, message_id=None):
        message = samples.load_upstream(name)
        message.update(message_id=message_id or name,
                       timestamp='2026-11-22 10:00:%02d.000000' % second)
        event = self.pipeline.event_of(
            {'project_id': PROJECT, 'request_id': 'req-%s' % name}, message)
        self.pipeline.store([event])
        return event

    def test_host_errors_are_listed_for_admins_and_never_shown(self):
        event = self._store('nova/compute-exception', 1)
        self.assertEqual(('host', 'fake-mini'),
                         (event.resource_type, event.instance_id))
        admin = base.admin_context()
        self.assertIsNone(fault_persist.get_fault(admin, 'fake-mini'))
        [fault] = fault_persist.list_faults(admin, resource_type='host')
        self.assertEqual(('fake-mini', event.message),
                         (fault['instance_id'], fault['message']))
        member = base.user_context(PROJECT)
        self.assertEqual([], fault_persist.list_faults(member))
        self.assertIsNone(fault_persist.get_fault(member, 'fake-mini'))

    def test_a_later_success_of_the_instance_resolves_its_fault(self):
        error = self._store('nova/instance-create-error', 1)
        owner = base.user_context(PROJECT)
        self.assertEqual(error.message, fault_persist.get_fault(
            owner, error.instance_id)['message'])
        # Any action that completes on the instance afterwards: a reboot.
        self._store('nova/instance-reboot-start', 2)
        self._store('nova/instance-reboot-end', 3)
        self.assertIsNone(fault_persist.get_fault(owner,
                                                  error.instance_id))
        [fault] = fault_persist.list_faults(owner,
                                            instance_id=error.instance_id)
        self.assertEqual(('2026-11-22T10:00:03Z', error.message),
                         (fault['resolved_at'], fault['message']))

    def test_a_success_that_arrives_first_resolves_an_older_fault(self):
        self._store('nova/instance-reboot-end', 3)
        error = self._store('nova/instance-create-error', 1)
        owner = base.user_context(PROJECT)
        self.assertIsNone(fault_persist.get_fault(owner,
                                                  error.instance_id))
        # A newer error is the show fault again.
        newer = self._store('nova/instance-reboot-error', 4,
                            message_id='reboot-error-2')
        self.assertEqual(newer.message, fault_persist.get_fault(
            owner, error.instance_id)['message'])
