import fixtures
from oslo_context import context as o_context
from oslo_policy import policy as o_policy
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


class TestDecisions(base.TestCase):
    """Decisions are remembered per rule, credentials and target."""

    USES_SQLITE = False

    def setUp(self):
        super().setUp()
        enforcer = policy._ENFORCER
        self.authorize = self.useFixture(fixtures.MockPatchObject(
            enforcer, 'authorize', wraps=enforcer.authorize)).mock

    def test_equal_callers_and_targets_ask_the_rules_once(self):
        for _ in range(3):
            # A new context each time, as a host makes one per request.
            self.assertTrue(policy.allowed(
                policies.FAULT_DETAILS, base.admin_context(),
                {'project_id': 'project-b'}))
        self.assertEqual(1, self.authorize.call_count)

    def test_another_target_rule_or_caller_is_asked(self):
        target = {'project_id': 'project-b'}
        policy.allowed(policies.FAULT_DETAILS, base.admin_context(), target)
        policy.allowed(policies.FAULT_DETAILS, base.admin_context(),
                       {'project_id': 'project-c'})
        policy.allowed(policies.FAULT_ALL_PROJECTS, base.admin_context(),
                       target)
        self.assertFalse(policy.allowed(policies.FAULT_DETAILS,
                                        base.user_context(), target))
        self.assertEqual(4, self.authorize.call_count)

    def test_credentials_keep_every_value(self):
        admin = policy.credentials(base.admin_context())
        self.assertIn(('roles', ('admin', 'member', 'reader')), admin)
        self.assertNotEqual(admin, policy.credentials(
            base.admin_context(project_id='other')))
        self.assertEqual(admin, policy.credentials(base.admin_context()))

    def test_unhashable_credentials_are_asked_every_time(self):
        ctxt = base.admin_context()
        ctxt.roles = ['admin', bytearray(b'x')]
        self.assertIsNone(policy.credentials(ctxt))
        for _ in range(2):
            policy.allowed(policies.FAULT_DETAILS, ctxt,
                           {'project_id': 'project-b'})
        self.assertEqual(2, self.authorize.call_count)

    def test_changed_rules_forget_the_decisions(self):
        target = {'project_id': 'project-b'}
        self.assertFalse(policy.allowed(policies.FAULT_DETAILS,
                                        base.user_context(), target))
        policy._ENFORCER.set_rules(o_policy.Rules.from_dict(
            {policies.FAULT_DETAILS: 'role:member'}), overwrite=False)
        self.assertTrue(policy.allowed(policies.FAULT_DETAILS,
                                       base.user_context(), target))

    def test_target_key_follows_the_items(self):
        self.assertEqual((('project_id', 'p'),),
                         policy._target_key({'project_id': 'p'}))
        self.assertEqual((('roles', ('a', 'b')),),
                         policy._target_key({'roles': ['a', 'b']}))
