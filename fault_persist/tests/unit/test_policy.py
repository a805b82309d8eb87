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

    def test_oldest_decision_goes_first_when_full(self):
        self.useFixture(fixtures.MockPatchObject(policy, 'DECISIONS_KEPT',
                                                 2))
        for project_id in ('project-b', 'project-c', 'project-b',
                           'project-d', 'project-b'):
            policy.allowed(policies.FAULT_DETAILS, base.admin_context(),
                           {'project_id': project_id})
        # b, c, then d pushes b out (its hit did not renew it): b again.
        self.assertEqual(4, self.authorize.call_count)
        self.assertEqual(2, len(policy._ENFORCER._decisions))

    def test_target_key_follows_the_items(self):
        self.assertEqual((('project_id', 'p'),),
                         policy._target_key({'project_id': 'p'}))
        self.assertEqual((('roles', ('a', 'b')),),
                         policy._target_key({'roles': ['a', 'b']}))


class _ServiceContext(o_context.RequestContext):
    """A host's context with a policy value of its own, as some have."""

    def __init__(self, *args, zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def to_policy_values(self):
        values = super().to_policy_values()
        values['zone'] = self.zone
        return values


class TestCredentials(testtools.TestCase):
    """The key of a caller's credentials: to_policy_values(), frozen."""

    def test_plain_context_key_is_its_policy_values(self):
        ctxt = o_context.RequestContext(
            user_id='u', user_domain_id='ud', system_scope='all',
            domain_id='d', project_id='p', project_domain_id='pd',
            roles=['admin', 'reader'], is_admin_project=False,
            service_user_id='su', service_user_domain_id='sud',
            service_project_id='sp', service_project_domain_id='spd',
            service_roles=['service'])
        expected = tuple(
            (name, tuple(value) if isinstance(value, list) else value)
            for name, value in ctxt.to_policy_values().items())
        self.assertEqual(13, len(expected))
        self.assertEqual(expected, policy.credentials(ctxt))

    def test_to_policy_values_of_the_instance_is_asked(self):
        ctxt = o_context.RequestContext(project_id='p', roles=['member'])
        ctxt.to_policy_values = lambda: {'project_id': 'p', 'zone': 'a'}
        self.assertEqual((('project_id', 'p'), ('zone', 'a')),
                         policy.credentials(ctxt))

    def test_overridden_to_policy_values_is_asked(self):
        one = _ServiceContext(project_id='p', roles=['member'], zone='a')
        other = _ServiceContext(project_id='p', roles=['member'], zone='b')
        self.assertIn(('zone', 'a'), policy.credentials(one))
        self.assertNotEqual(policy.credentials(one),
                            policy.credentials(other))

    def test_computed_policy_values_turn_the_direct_read_off(self):
        def lower_roles(self):
            return {'project_id': self.project_id,
                    'roles': [role.lower() for role in self.roles]}

        self.useFixture(fixtures.MockPatchObject(
            o_context.RequestContext, 'to_policy_values', lower_roles))
        self.assertIsNone(policy._policy_values_reader())

    def test_renamed_policy_values_turn_the_direct_read_off(self):
        def renamed(self):
            return {'tenant': self.project_id, 'roles': self.roles}

        self.useFixture(fixtures.MockPatchObject(
            o_context.RequestContext, 'to_policy_values', renamed))
        self.assertIsNone(policy._policy_values_reader())

    def test_this_oslo_context_is_read_directly(self):
        names, _ = policy._policy_values_reader()
        self.assertEqual(tuple(o_context.RequestContext().to_policy_values()),
                         names)
