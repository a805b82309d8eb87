"""The upstream notification corpus: loadable, complete, and expected."""

import os

import testtools
import yaml

from fault_persist.tests import samples

EXPECTED_FILE = os.path.join(samples.UPSTREAM_DIR, 'expected.yaml')
EXPECTATION_KEYS = {'name', 'resource_type', 'resource_id', 'message',
                    'code', 'has_traceback', 'app'}


def _expectations():
    with open(EXPECTED_FILE, encoding='utf-8') as stream:
        return yaml.safe_load(stream)


def _refs(value):
    """Every ``$ref`` left anywhere in a loaded sample."""
    if isinstance(value, dict):
        found = [value['$ref']] if '$ref' in value else []
        for item in value.values():
            found.extend(_refs(item))
        return found
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def _is_error(notification):
    # Trove sends its errors at INFO priority; the event type says it.
    return (notification['priority'].upper() in ('ERROR', 'CRITICAL')
            or notification['event_type'].endswith('.error'))


class TestUpstreamSamples(testtools.TestCase):

    def test_every_sample_loads_as_a_notification_without_refs(self):
        for name in samples.upstream_names():
            notification = samples.load_upstream(name)
            self.assertEqual(
                {'event_type', 'payload', 'priority', 'publisher_id'},
                set(notification), name)
            self.assertEqual([], _refs(notification), name)

    def test_every_error_sample_has_an_expectation(self):
        expected = {entry['name'] for entry in _expectations()}
        errors = {name for name in samples.upstream_names()
                  if _is_error(samples.load_upstream(name))}
        self.assertEqual(set(), errors - expected)

    def test_every_expectation_names_an_error_sample(self):
        for entry in _expectations():
            self.assertTrue(_is_error(samples.load_upstream(entry['name'])),
                            entry['name'])

    def test_expectations_are_complete_and_unique(self):
        entries = _expectations()
        names = [entry['name'] for entry in entries]
        self.assertEqual(len(names), len(set(names)))
        for entry in entries:
            self.assertEqual(set(), EXPECTATION_KEYS - set(entry),
                             entry['name'])

    def test_expected_messages_are_normalised(self):
        for entry in _expectations():
            message = entry['message']
            if message is not None:
                self.assertEqual(' '.join(message.split())[:255], message,
                                 entry['name'])

    def test_nova_sample_merges_overrides_over_the_referenced_payload(self):
        payload = samples.load_upstream(
            'nova/compute_task-migrate_server-error')['payload']
        data = payload['nova_object.data']
        # The sample overrides the shared ComputeTaskPayload's state only.
        self.assertEqual('active', data['state'])
        self.assertEqual(
            'NoValidHost', data['reason']['nova_object.data']['exception'])

    def test_nova_sample_override_replaces_a_null_field(self):
        data = samples.load_upstream(
            'nova/instance-resize-error')['payload']['nova_object.data']
        self.assertEqual('FlavorDiskTooSmall',
                         data['fault']['nova_object.data']['exception'])
        self.assertEqual('some-server', data['display_name'])

    def test_upstream_names_by_service_leave_out_shared_documents(self):
        names = samples.upstream_names('nova')
        self.assertIn('nova/instance-create-error', names)
        self.assertFalse([name for name in names
                          if 'common_payloads' in name])
