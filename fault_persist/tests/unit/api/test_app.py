"""The application around the views: its middleware and JSON bodies."""

import datetime
import json

from oslo_middleware import request_id
import webtest

from fault_persist.api import app as api_app
from fault_persist.tests import api_behaviour
from fault_persist.tests import base

ORIGIN = 'https://dashboard.example.org'


class TestApplication(api_behaviour.ApiBehaviourFixtures, base.TestCase):

    def build(self):
        return webtest.TestApp(api_app.build_app(self.conf))

    def test_json_is_compact_utf8(self):
        self.save('inst-u', 1, details='Échec: größer als erlaubt')
        response = self.get('/v1/faults')
        self.assertEqual('application/json', response.content_type)
        self.assertIn('Échec: größer'.encode('utf-8'), response.body)
        self.assertNotIn(b'\\u', response.body)
        self.assertNotIn(b'": ', response.body)
        self.assertEqual('Échec: größer als erlaubt', json.loads(
            response.body.decode('utf-8'))['faults'][0]['details'])

    def test_cors_headers_for_an_allowed_origin(self):
        self.conf.set_override('allowed_origin', [ORIGIN], group='cors')
        self.app = self.build()
        response = self.get('/v1/faults', headers={'Origin': ORIGIN})
        self.assertEqual(ORIGIN,
                         response.headers['Access-Control-Allow-Origin'])
        self.assertIn('X-OpenStack-Request-ID',
                      response.headers['Access-Control-Expose-Headers'])
        other = self.get('/v1/faults',
                         headers={'Origin': 'https://evil.example.org'})
        self.assertNotIn('Access-Control-Allow-Origin', other.headers)

    def test_without_allowed_origins_no_cors_headers(self):
        response = self.get('/v1/faults', headers={'Origin': ORIGIN})
        self.assertNotIn('Access-Control-Allow-Origin', response.headers)
        self.assertTrue(response.headers['X-OpenStack-Request-ID'])


class TestJSONBodies(base.TestCase):
    """The bytes of a body, whichever encoder writes them."""

    def setUp(self):
        super().setUp()
        self.provider = api_app.flask_app().json

    def standard(self, document):
        return (json.dumps(document, ensure_ascii=False,
                           separators=(',', ':'),
                           default=self.provider.default)
                + '\n').encode('utf-8')

    def test_same_bytes_as_the_standard_library(self):
        document = {'entries': [{'id': 7, 'message': 'Échec "x"\n\t\\ \x01',
                                 'ok': True, 'none': None, 'n': -3,
                                 'emoji': '\U0001f600', 'list': [1, 2.5]}],
                    'entries_links': []}
        self.assertEqual(self.standard(document),
                         self.provider.encode(document))

    def test_lone_surrogate_is_escaped(self):
        body = self.provider.encode({'text': 'a\ud800b'})
        self.assertEqual(b'{"text":"a\\ud800b"}\n', body)

    def test_integer_beyond_64_bits(self):
        self.assertEqual(b'{"n":18446744073709551616}\n',
                         self.provider.encode({'n': 2 ** 64}))

    def test_keys_that_are_not_text(self):
        self.assertEqual(b'{"1":2}\n', self.provider.encode({1: 2}))

    def test_datetimes_as_flask_writes_them(self):
        when = datetime.datetime(2026, 1, 2, 3, 4, 5)
        self.assertEqual(self.standard({'at': when}),
                         self.provider.encode({'at': when}))

    def test_what_json_cannot_hold_raises_type_error(self):
        self.assertRaises(TypeError, self.provider.encode, {'x': object()})


class TestRequestId(base.TestCase):
    """oslo.middleware's request id, added without WebOb."""

    GLOBAL = 'req-12345678-1234-1234-1234-123456789abc'

    def call(self, headers=(), inbound=None):
        seen = {}

        def application(environ, start_response):
            seen.update(environ)
            start_response('200 OK', list(headers))
            return [b'ok']

        environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/'}
        if inbound is not None:
            environ['HTTP_X_OPENSTACK_REQUEST_ID'] = inbound
        started = []
        body = api_app._RequestId(application)(
            environ, lambda status, headers, exc_info=None: started.append(
                (status, headers)))
        self.assertEqual([b'ok'], list(body))
        return seen, started[0][1]

    def test_a_new_id_in_the_environ_and_the_response(self):
        environ, headers = self.call()
        req_id = environ[request_id.ENV_REQUEST_ID]
        self.assertRegex(req_id, request_id.ID_FORMAT)
        self.assertEqual([('x-openstack-request-id', req_id)], headers)
        self.assertNotIn(request_id.GLOBAL_REQ_ID, environ)

    def test_an_inbound_id_is_the_global_request_id(self):
        environ, _ = self.call(inbound=self.GLOBAL)
        self.assertEqual(self.GLOBAL, environ[request_id.GLOBAL_REQ_ID])
        self.assertNotEqual(self.GLOBAL, environ[request_id.ENV_REQUEST_ID])

    def test_an_inbound_id_of_another_form_is_ignored(self):
        environ, _ = self.call(inbound='req-<script>')
        self.assertNotIn(request_id.GLOBAL_REQ_ID, environ)

    def test_a_header_the_application_sets_is_kept(self):
        _, headers = self.call(headers=[('X-OpenStack-Request-ID', 'mine')])
        self.assertEqual([('X-OpenStack-Request-ID', 'mine')], headers)
