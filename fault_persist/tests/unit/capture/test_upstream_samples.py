"""Every upstream error sample becomes the right fault (SQLite)."""

import fault_persist
from fault_persist.capture import pipeline as capture_pipeline
from fault_persist import request_log_text as text
from fault_persist.tests import base
from fault_persist.tests import samples
from fault_persist.tests import upstream_expectations as expectations


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
            self.assertIn((event['instance_id'], event['message'],
                           event['code']), stored)
            reason = ' '.join(filter(None, (event['code'],
                                            event['message'])))
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
            self.assertIn(event['kind'], ('start', 'end'), name)
            kind, path = _COMPANION_RESOURCES[name.split('/')[0]]
            if name.startswith('nova/scheduler'):
                # The conductor's request spec names the instance.
                path = ('nova_object.data', 'instance_uuid')
            if name.startswith('ironic/baremetal-port'):
                kind = 'port'
            payload = message['payload']
            for key in path:
                payload = payload[key]
            self.assertEqual((kind, payload), (event['resource_type'],
                                               event['instance_id']), name)
            self.assertIsNone(event['message'])
            seen += 1
        self.assertGreaterEqual(seen, 15)
