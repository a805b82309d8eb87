"""fault-persist-api's server: bound when made, connections kept alive."""

import http.client
import socket
import threading

import fixtures
from oslo_config import cfg
import testtools

from fault_persist.cmd import api as cmd_api
from fault_persist import config
from fault_persist.tests import base


def _application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'),
                              ('Content-Length', '2')])
    return [b'ok']


class TestServer(testtools.TestCase):

    def _serving(self, port=0):
        server = cmd_api.Server(_application, '127.0.0.1', port, 2)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.shutdown)
        return server

    def test_calls_share_one_kept_alive_connection(self):
        server = self._serving()
        connection = http.client.HTTPConnection('127.0.0.1',
                                                server.server_port)
        self.addCleanup(connection.close)
        sockets = set()
        for _ in range(3):
            connection.request('GET', '/')
            response = connection.getresponse()
            self.assertEqual((200, b'ok'), (response.status,
                                            response.read()))
            self.assertNotEqual('close', response.getheader('Connection'))
            sockets.add(id(connection.sock))
        self.assertEqual(1, len(sockets))

    def test_a_taken_port_fails_when_made(self):
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        self.assertRaises(OSError, cmd_api.Server, _application,
                          '127.0.0.1', taken.getsockname()[1], 2)

    def test_shutdown_stops_serving_and_frees_the_port(self):
        server = cmd_api.Server(_application, '127.0.0.1', 0, 2)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        port = server.server_port
        server.shutdown()
        thread.join(10)
        server.server_close()
        self.assertFalse(thread.is_alive())
        again = socket.socket()
        self.addCleanup(again.close)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(('127.0.0.1', port))


class TestMain(base.TestCase):

    def test_a_taken_port_is_one_error_line_and_exit_1(self):
        taken = socket.socket()
        self.addCleanup(taken.close)
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        directory = self.useFixture(fixtures.TempDir()).path
        path = directory + '/api.conf'
        with open(path, 'w', encoding='utf-8') as conf_file:
            conf_file.write('[api]\nauth_strategy = noauth\n'
                            'bind_port = %d\n'
                            '[fault_persist]\nconnection = %s\n'
                            % (taken.getsockname()[1], self.database.url))
        self.useFixture(fixtures.MonkeyPatch('fault_persist.cmd.api.CONF',
                                             cfg.ConfigOpts()))
        self.useFixture(fixtures.MockPatch(
            'fault_persist.cmd.api.logging.setup'))
        logged = self.useFixture(fixtures.FakeLogger(
            name='fault_persist.cmd.api'))
        # The application initialises fault_persist with its own options.
        config.reset()
        self.addCleanup(config.reset)
        self.assertEqual(1, cmd_api.main(['--config-file', path]))
        self.assertIn('cannot listen on 127.0.0.1:%d' %
                      taken.getsockname()[1], logged.output)
        self.assertNotIn('Traceback', logged.output)
