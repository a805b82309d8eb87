"""Each ``[api] auth_strategy`` in front of the same views."""

import base64

import bcrypt
import fixtures
from keystonemiddleware import fixture as ksm_fixture
from keystonemiddleware import opts as ksm_opts
from oslo_config import cfg
import webtest

import fault_persist
from fault_persist.api import app as api_app
from fault_persist.api import auth
from fault_persist.cmd import api as cmd_api
from fault_persist.conf import api as api_opts
from fault_persist.tests import base


def _basic(user, password):
    token = base64.b64encode(('%s:%s' % (user, password)).encode('utf-8'))
    return {'Authorization': 'Basic ' + token.decode('ascii')}


class _AuthTestCase(base.TestCase):

    STRATEGY = None

    def setUp(self):
        super().setUp()
        api_opts.register_opts(self.conf)
        self.api_flags(auth_strategy=self.STRATEGY)
        fault_persist.save_fault(base.user_context('project-a'), 'inst-a',
                                 'Failed in a', details='Traceback a')
        fault_persist.save_fault(base.user_context('project-b'), 'inst-b',
                                 'Failed in b', details='Traceback b')

    def api_flags(self, **overrides):
        self.fault_persist.config.config(group=api_opts.GROUP, **overrides)

    def build(self):
        # keystonemiddleware sets HTTP_X_AUTH_TOKEN to None in the environ
        # of an unauthenticated request, which webtest's lint refuses.
        return webtest.TestApp(api_app.build_app(self.conf),
                               lint=self.STRATEGY != api_opts.KEYSTONE)

    def instances(self, response):
        return sorted(fault['instance_id']
                      for fault in response.json['faults'])

    def assertVersionDocument(self, app):
        for path in ('/v1', '/v1/'):
            self.assertEqual(
                {'version': {'id': 'v1', 'status': 'CURRENT',
                             'links': [{'rel': 'self',
                                        'href': 'http://localhost/v1/'}],
                             'auth_strategy': self.STRATEGY}},
                app.get(path).json, path)

    def assert401(self, response):
        self.assertEqual(401, response.status_int)
        self.assertEqual(401, response.json['error']['code'])
        self.assertEqual('Unauthorized', response.json['error']['title'])


class TestNoAuth(_AuthTestCase):

    STRATEGY = api_opts.NOAUTH

    def test_the_caller_is_who_its_headers_say(self):
        app = self.build()
        member = app.get('/v1/faults', headers={
            'X-Project-Id': 'project-b', 'X-User-Id': 'u',
            'X-Roles': 'member'})
        self.assertEqual(['inst-b'], self.instances(member))
        self.assertNotIn('details', member.json['faults'][0])
        admin = app.get('/v1/faults', headers={
            'X-Project-Id': 'p', 'X-User-Id': 'u', 'X-Roles': 'admin'})
        self.assertEqual(['inst-a', 'inst-b'], self.instances(admin))
        self.assertIn('details', admin.json['faults'][0])

    def test_the_version_document_says_noauth(self):
        # The page sends its identity headers only when it reads this.
        self.assertVersionDocument(self.build())

    def test_without_headers_the_caller_sees_nothing(self):
        self.assertEqual([], self.build().get('/v1/faults').json['faults'])

    def test_refuses_an_address_others_reach(self):
        self.api_flags(bind_host='0.0.0.0')
        self.assertRaises(auth.NoAuthRefused, auth.check_noauth, self.conf)
        self.api_flags(bind_host='192.0.2.10')
        self.assertRaises(auth.NoAuthRefused, auth.check_noauth, self.conf)

    def test_loopback_or_the_override_start_with_a_warning(self):
        logger = self.useFixture(fixtures.FakeLogger(
            name='fault_persist.api.auth'))
        for host in ('127.0.0.1', '::1', 'localhost'):
            self.api_flags(bind_host=host)
            auth.check_noauth(self.conf)
        self.api_flags(bind_host='0.0.0.0', allow_noauth_on_any_address=True)
        auth.check_noauth(self.conf)
        self.assertIn('noauth', logger.output)

    def test_the_console_script_refuses_to_start(self):
        path = self.useFixture(fixtures.TempDir()).join('api.conf')
        with open(path, 'w') as conf_file:
            conf_file.write('[api]\nauth_strategy = noauth\n'
                            'bind_host = 0.0.0.0\n'
                            '[fault_persist]\nconnection = %s\n'
                            % self.database.url)
        self.useFixture(fixtures.MonkeyPatch('fault_persist.cmd.api.CONF',
                                             cfg.ConfigOpts()))
        # The test run's logging stays as it is.
        self.useFixture(fixtures.MockPatch(
            'fault_persist.cmd.api.logging.setup'))
        self.assertEqual(1, cmd_api.main(['--config-file', path]))


class TestHttpBasic(_AuthTestCase):

    STRATEGY = api_opts.HTTP_BASIC

    def setUp(self):
        super().setUp()
        self.user_file = self.useFixture(fixtures.TempDir()).join('htpasswd')

        def entry(user, password, extra=''):
            hashed = bcrypt.hashpw(password.encode('utf-8'),
                                   bcrypt.gensalt(rounds=4)).decode('ascii')
            return '%s:%s%s\n' % (user, hashed, extra)

        with open(self.user_file, 'w') as user_file:
            user_file.write('# operators\n\n')
            user_file.write(entry('root', 's3cret'))
            user_file.write(entry('alice', 'wonder', ':project-a:member'))
            user_file.write(entry('bob', 'builder', ':project-b:member,admin'))
        self.api_flags(http_basic_auth_user_file=self.user_file)
        self.app = self.build()

    def test_a_user_without_project_is_an_admin_of_project_admin(self):
        response = self.app.get('/v1/faults', headers=_basic('root',
                                                             's3cret'))
        self.assertEqual(['inst-a', 'inst-b'], self.instances(response))
        self.assertIn('details', response.json['faults'][0])

    def test_a_user_gets_the_project_and_roles_of_its_line(self):
        alice = self.app.get('/v1/faults', headers=_basic('alice', 'wonder'))
        self.assertEqual(['inst-a'], self.instances(alice))
        self.assertNotIn('details', alice.json['faults'][0])
        bob = self.app.get('/v1/faults', headers=_basic('bob', 'builder'))
        self.assertEqual(['inst-a', 'inst-b'], self.instances(bob))

    def test_forged_identity_headers_are_ignored(self):
        response = self.app.get('/v1/faults', headers=dict(
            _basic('alice', 'wonder'), **{'X-Roles': 'admin',
                                          'X-Project-Id': 'project-b'}))
        self.assertEqual(['inst-a'], self.instances(response))

    def test_no_or_wrong_credentials_are_401_with_a_prompt(self):
        for headers in ({}, _basic('alice', 'wrong'),
                        _basic('mallory', 'wonder'),
                        {'Authorization': 'Basic !!!'},
                        {'Authorization': 'Bearer abc'}):
            response = self.app.get('/v1/faults', headers=headers,
                                    status=401)
            self.assert401(response)
            self.assertEqual('Basic realm="fault_persist"',
                             response.headers['WWW-Authenticate'])

    def test_the_page_asks_for_the_password_too(self):
        self.assert401(self.app.get('/', status=401))
        self.assertEqual(200, self.app.get(
            '/', headers=_basic('alice', 'wonder')).status_int)

    def test_health_and_the_document_need_no_password(self):
        self.assertEqual(200, self.app.get('/healthcheck').status_int)
        self.assertEqual(200, self.app.get('/v1/openapi.json').status_int)

    def test_the_version_document_needs_no_password(self):
        self.assertVersionDocument(self.app)

    def test_a_file_without_bcrypt_hashes_is_refused(self):
        with open(self.user_file, 'w') as user_file:
            user_file.write('root:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n')
        error = self.assertRaises(auth.InvalidUserFile, self.build)
        self.assertIn('bcrypt', str(error))
        self.api_flags(http_basic_auth_user_file='/nonexistent/htpasswd')
        self.assertRaises(auth.InvalidUserFile, self.build)


class TestKeystone(_AuthTestCase):

    STRATEGY = api_opts.KEYSTONE

    def setUp(self):
        super().setUp()
        for group, options in ksm_opts.list_auth_token_opts():
            self.conf.register_opts(options, group=group)
        self.fault_persist.config.config(
            group='keystone_authtoken',
            www_authenticate_uri='http://127.0.0.1:5000/v3')
        self.tokens = self.useFixture(ksm_fixture.AuthTokenFixture())
        # add_token_data returns nothing: the ids are ours.
        self.member, self.admin = 'member-token', 'admin-token'
        self.tokens.add_token_data(
            token_id=self.member, user_id='user-a', project_id='project-a',
            role_list=['member', 'reader'])
        self.tokens.add_token_data(
            token_id=self.admin, user_id='admin', project_id='admin-project',
            role_list=['admin', 'member', 'reader'])
        self.app = self.build()

    def test_a_members_token_reads_its_project_without_details(self):
        response = self.app.get('/v1/faults',
                                headers={'X-Auth-Token': self.member})
        self.assertEqual(['inst-a'], self.instances(response))
        self.assertNotIn('details', response.json['faults'][0])
        self.assertEqual(404, self.app.get(
            '/v1/instances/inst-b/fault', status=404,
            headers={'X-Auth-Token': self.member}).status_int)

    def test_an_admins_token_reads_every_project_with_details(self):
        response = self.app.get('/v1/faults',
                                headers={'X-Auth-Token': self.admin})
        self.assertEqual(['inst-a', 'inst-b'], self.instances(response))
        self.assertIn('details', response.json['faults'][0])

    def test_forged_identity_headers_are_ignored(self):
        response = self.app.get('/v1/faults', headers={
            'X-Auth-Token': self.member, 'X-Roles': 'admin',
            'X-Project-Id': 'project-b'})
        self.assertEqual(['inst-a'], self.instances(response))

    def test_no_or_a_bad_token_is_401(self):
        self.assert401(self.app.get('/v1/faults', status=401))
        self.assert401(self.app.get('/v1/faults', status=401,
                                    headers={'X-Auth-Token': 'forged'}))
        self.assert401(self.app.get('/v1/tasks/1', status=401,
                                    headers={'X-Roles': 'admin'}))

    def test_the_page_and_the_document_need_no_token(self):
        self.assertEqual(200, self.app.get('/').status_int)
        self.assertEqual(200, self.app.get('/v1/openapi.json').status_int)
        self.assertEqual(200, self.app.get('/healthcheck').status_int)

    def test_the_version_document_needs_no_token(self):
        self.assertVersionDocument(self.app)

    def test_a_public_path_never_reaches_a_view_that_reads_records(self):
        self.assert401(self.app.get('/v1//faults', status=401))
        response = self.app.get('/static/../v1/faults', status='*')
        self.assertNotIn('faults', response.json)
