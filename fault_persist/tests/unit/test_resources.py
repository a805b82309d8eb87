import testtools

from fault_persist import resources
from fault_persist.tests.unit import test_payloads

envelope = test_payloads.envelope

RANKING = resources.KeyRanking(
    ['uuid', '*_uuid', '*_id', 'resource_id', 'id'],
    ignored=['project_id', 'tenant_id', 'user_id', 'request_id'])


class TestKeyRanking(testtools.TestCase):

    def test_kind_from_the_key(self):
        self.assertEqual(('volume', 'v-1'), RANKING.find(
            {'volume_id': 'v-1', 'tenant_id': 't', 'user_id': 'u'}))

    def test_kind_from_the_object(self):
        payload = envelope('NodeSetPowerStatePayload',
                           {'uuid': 'n-1', 'chassis_uuid': 'c-1'}, 'ironic')
        self.assertEqual(('node', 'n-1'), RANKING.find(payload))

    def test_default_kind_for_a_plain_id(self):
        self.assertEqual(('share', 's-1'),
                         RANKING.find({'id': 's-1'}, 'x', 'share'))
        self.assertEqual(('instance', 's-1'), RANKING.find({'id': 's-1'}))

    def test_the_event_type_breaks_ties(self):
        payload = {'snapshot_id': 's-1', 'volume_id': 'v-1'}
        self.assertEqual(('volume', 'v-1'),
                         RANKING.find(payload, 'volume.create.error'))
        self.assertEqual(('snapshot', 's-1'),
                         RANKING.find(payload, 'snapshot.create.error'))

    def test_shallowest_first(self):
        # Nova's conductor: ComputeTaskPayload's instance_uuid, not the
        # request spec's image.
        payload = envelope('ComputeTaskPayload', {
            'request_spec': envelope('RequestSpecPayload', {
                'image': envelope('ImageMetaPayload', {'id': 'img'}),
                'instance_uuid': 'i-1'}),
            'instance_uuid': 'i-1', 'reason': test_payloads.EXCEPTION})
        self.assertEqual(('instance', 'i-1'), RANKING.find(payload))

    def test_nested_call_arguments(self):
        # Nova's legacy wrap_exception: the call's arguments.
        payload = {'exception': {'kwargs': {'code': 500}},
                   'args': {'instance': envelope('Instance',
                                                 {'uuid': 'i-7'})}}
        self.assertEqual(('instance', 'i-7'), RANKING.find(payload))

    def test_no_resource(self):
        for payload in ({'tenant_id': 't'}, test_payloads.EXCEPTION,
                        {'context': {'instance_id': 'i'}},
                        {'items': [{'id': 'a'}, {'id': 'b'}]},
                        {'id': 'x' * 65}, {'id': True}, None, 'text'):
            self.assertIsNone(RANKING.find(payload), payload)


class TestKinds(testtools.TestCase):

    def test_kind_of_object(self):
        self.assertEqual('instance',
                         resources.kind_of_object('InstanceActionPayload'))
        self.assertEqual('node', resources.kind_of_object('NodePayload'))
        self.assertIsNone(resources.kind_of_object(None))

    def test_resource_id(self):
        self.assertEqual('42', resources.resource_id(42))
        self.assertEqual('a', resources.resource_id(' a '))
        for value in (None, '', True, 'x' * 65, 'a\nb', {'a': 1}):
            self.assertIsNone(resources.resource_id(value), value)
