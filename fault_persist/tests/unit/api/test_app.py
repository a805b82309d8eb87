"""The application around the views: its middleware and JSON bodies."""

import json

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
