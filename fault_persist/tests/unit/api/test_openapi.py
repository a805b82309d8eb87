"""The OpenAPI document against the application.

schemathesis generates requests from ``/v1/openapi.json`` and sends them
to the application in process; every response must be documented (status,
content type, body) and none may be a 500. Bounded for CI: a few examples
per operation, the whole test well under a minute.
"""

import base64
import os

import bcrypt
import fixtures
import hypothesis
import schemathesis
from schemathesis import checks as st_checks

import fault_persist
from fault_persist.api import app as api_app
from fault_persist.api import openapi
from fault_persist.conf import api as api_opts
from fault_persist.tests import api_behaviour
from fault_persist.tests import base

MAX_EXAMPLES = 25
# Each operation's examples, the database included, in well under 60 s.
SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES, deadline=None, database=None,
    derandomize=True, phases=[hypothesis.Phase.explicit,
                              hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck))
# htpasswd users: an admin, and a member of project-a.
CALLERS = (('root', 's3cret', ''), ('alice', 'wonder', ':project-a:member'))


class TestOpenAPIDocument(base.TestCase):

    def test_every_view_is_documented_and_nothing_else(self):
        documented = set(openapi.document()['paths'])
        routed = set()
        for rule in api_app.flask_app().url_map.iter_rules():
            if rule.rule == '/v1' or rule.rule.startswith('/v1/'):
                routed.add(rule.rule.replace('<', '{').replace('>', '}'))
        self.assertEqual(documented, routed)


class TestSchemathesis(api_behaviour.ApiBehaviourFixtures, base.TestCase):
    """Property-based tests of every operation in the document."""

    def setUp(self):
        super().setUp()
        self.some_faults()
        self.some_tasks()
        # HTTP basic: a real authentication, which schemathesis checks is
        # not ignored.
        user_file = self.useFixture(fixtures.TempDir()).join('htpasswd')
        with open(user_file, 'w') as users:
            for user, password, extra in CALLERS:
                hashed = bcrypt.hashpw(password.encode('utf-8'),
                                       bcrypt.gensalt(rounds=4))
                users.write('%s:%s%s\n' % (user, hashed.decode('ascii'),
                                           extra))
        self.fault_persist.config.config(
            group=api_opts.GROUP, auth_strategy=api_opts.HTTP_BASIC,
            http_basic_auth_user_file=user_file)
        self.schema = schemathesis.openapi.from_wsgi(
            '/v1/openapi.json', api_app.build_app(self.conf))

    def _check(self, operation, caller):
        user, password = caller[:2]
        token = base64.b64encode(('%s:%s' % (user, password)).encode())
        headers = {'Authorization': 'Basic ' + token.decode('ascii')}

        @SETTINGS
        @hypothesis.given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            self.assertLess(response.status_code, 500, response.text)
            case.validate_response(
                response, headers=headers,
                excluded_checks=[st_checks.positive_data_acceptance])

        check()

    def test_no_response_is_a_500_or_undocumented(self):
        operations = [result.ok() for result in
                      self.schema.get_all_operations()]
        # Every path but the document's own, which schemathesis leaves out.
        self.assertEqual(
            {'GET ' + path for path in openapi.document()['paths']
             if path != api_app.OPENAPI_PATH},
            {operation.label for operation in operations})
        for operation in operations:
            for caller in CALLERS:
                self._check(operation, caller)
        # The data the examples ran against is still there.
        self.assertTrue(fault_persist.list_faults(base.admin_context()))


class TestReferenceDocs(base.TestCase):
    """doc/source/user/http-api.rst names every path and parameter."""

    DOC = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..',
                       'doc', 'source', 'user', 'http-api.rst')

    def _sections(self):
        with open(self.DOC, encoding='utf-8') as doc:
            text = doc.read()
        reference = text.split('API reference\n')[1].split('\nExamples\n')[0]
        sections = {}
        for chunk in reference.split('\n``GET ')[1:]:
            path, _, body = chunk.partition('``')
            sections[path] = body
        return sections

    def _parameters(self, document, operation):
        for parameter in operation.get('parameters', []):
            if '$ref' in parameter:
                parameter = document['components']['parameters'][
                    parameter['$ref'].rsplit('/', 1)[1]]
            if parameter['in'] == 'query':
                yield parameter['name']

    def test_every_path_and_query_parameter_is_in_the_reference(self):
        document = openapi.document()
        sections = self._sections()
        self.assertEqual(set(document['paths']), set(sections))
        for path, item in document['paths'].items():
            for name in self._parameters(document, item['get']):
                self.assertIn('``%s``' % name, sections[path],
                              '%s: %s' % (path, name))
