import fixtures
from oslo_context import context as o_context
import testtools

from fault_persist import policies
from fault_persist import policy
from fault_persist.tests import base


class TestRequestContext(testtools.TestCase):

    def test_request_context_is_kept(self):
        ctxt = o_context.RequestContext(project_id='p')
        self.assertIs(ctxt, policy.request_context(ctxt))

    def test_dict_with_user_id_and_project_id(self):
        ctxt = policy.request_context({'user_id': 'u', 'project_id': 'p',
                                       'request_id': 'req-1'})
        self.assertEqual(('u', 'p', 'req-1'),
                         (ctxt.user_id, ctxt.project_id, ctxt.request_id))

    def test_to_dict_form_round_trips(self):
        original = o_context.RequestContext(user_id='u', project_id='p',
                                            roles=['member'])
        ctxt = policy.request_context(original.to_dict())
        self.assertEqual(('u', 'p', ['member']),
                         (ctxt.user_id, ctxt.project_id, ctxt.roles))

    def test_legacy_tenant_key(self):
        self.assertEqual('p', policy.request_context(
            {'tenant': 'p'}).project_id)

    def test_none_is_an_empty_context(self):
        ctxt = policy.request_context(None)
        self.assertIsNone(ctxt.project_id)


class TestRules(base.TestCase):

    def test_admin_passes_member_does_not(self):
        for rule in (policies.FAULT_DETAILS, policies.FAULT_ALL_PROJECTS):
            target = {'project_id': 'project-b'}
            self.assertTrue(policy.allowed(rule, base.admin_context(),
                                           target))
            self.assertFalse(policy.allowed(rule, base.user_context(),
                                            target))

    def test_operator_override_in_policy_file(self):
        path = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        with open(path, 'w') as stream:
            stream.write('"fault_persist:fault:details": "role:member"\n')
        self.fault_persist.config.config(group='oslo_policy',
                                         policy_file=path)
        # The host's enforcer reads its policy file when it starts.
        policy.reset()
        policy.init(self.conf)
        self.assertTrue(policy.allowed(policies.FAULT_DETAILS,
                                       base.user_context(),
                                       {'project_id': 'project-a'}))
