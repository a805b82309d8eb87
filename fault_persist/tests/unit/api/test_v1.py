"""The HTTP API on SQLite; the same tests run on PostgreSQL and MariaDB
in ``tests/functional/api``."""

from werkzeug import datastructures
from werkzeug import http

from fault_persist.api import v1
from fault_persist.tests import api_behaviour
from fault_persist.tests import base


class TestApiOnSQLite(api_behaviour.ApiBehaviour, base.TestCase):
    pass


class TestAcceptWithoutParsing(base.TestCase):
    """The headers skipped unparsed never rank text above JSON."""

    HEADERS = ['', 'application/json', '*/*', 'application/*',
               'image/png', 'application/json, */*', 'TEXT/PLAIN',
               'text/*', 'text/plain', 'application/json, text/plain',
               '*/*;q=0.5, application/json;q=0.1',
               'application/json;q=0.1, */*', 'text/plain;q=0.2, */*',
               'application/json;q=0, */*;q=0.1']

    def prefers_text(self, header):
        accept = http.parse_accept_header(header,
                                          datastructures.MIMEAccept)
        return accept.best_match([v1.JSON, v1.TEXT]) == v1.TEXT and (
            accept[v1.TEXT] > accept[v1.JSON])

    def test_skipped_headers_prefer_json(self):
        for header in self.HEADERS:
            if not v1._may_prefer_text(header):
                self.assertFalse(self.prefers_text(header), header)

    def test_headers_with_parameters_are_parsed(self):
        header = '*/*;q=0.5, application/json;q=0.1'
        self.assertTrue(self.prefers_text(header))
        self.assertTrue(v1._may_prefer_text(header))
