"""A loopback TCP proxy that a test can cut: a database outage for one client.

The database servers are shared by every test running in parallel, so a
test must not stop them. Instead it points the process under test at this
proxy and cuts it: open connections are closed and new ones are accepted
and closed at once (a client sees "server closed the connection", fast,
never a hang). :meth:`TcpProxy.restore` lets connections through again.
"""

import socket
import threading

import fixtures


class TcpProxy(fixtures.Fixture):
    """Forward ``127.0.0.1:<port>`` to ``host:port`` until cut.

    :param host: the server's host.
    :param port: the server's port.

    ``port`` (after set-up) is where clients connect; ``refused`` counts
    the connections turned away while cut.
    """

    def __init__(self, host, port):
        super().__init__()
        self.target = (host, port)
        self.refused = 0
        self.port = None

    def _setUp(self):
        self._open = True
        self._stopping = False
        self._lock = threading.Lock()
        self._sockets = set()
        self._server = socket.create_server(('127.0.0.1', 0))
        # A timeout lets the accept loop notice the end of the test.
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop,
                                        name='tcp-proxy', daemon=True)
        self._thread.start()
        self.addCleanup(self._stop)

    def cut(self):
        """Close every open connection and turn new ones away."""
        with self._lock:
            self._open = False
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def restore(self):
        """Let connections through again."""
        with self._lock:
            self._open = True

    def _stop(self):
        self._stopping = True
        self.cut()
        self._thread.join(5)
        self._server.close()

    def _accept_loop(self):
        while not self._stopping:
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self._lock:
                is_open = self._open
                if not is_open:
                    self.refused += 1
            if not is_open:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if not self._open:
                    _close(client)
                    _close(upstream)
                    continue
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink),
                                 name='tcp-proxy-pump', daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(sink)
            _close(source)
            _close(sink)


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class BlackHole(fixtures.Fixture):
    """A server on ``127.0.0.1:<port>`` that accepts and never answers.

    A client connecting to it waits for a greeting that never comes, as
    behind a firewall that drops packets after the handshake.
    """

    def _setUp(self):
        self._server = socket.create_server(('127.0.0.1', 0))
        self.port = self._server.getsockname()[1]
        self._held = []
        self._stopping = False
        self._server.settimeout(0.1)
        thread = threading.Thread(target=self._accept_loop,
                                  name='black-hole', daemon=True)
        thread.start()
        self.addCleanup(self._stop, thread)

    def _accept_loop(self):
        while not self._stopping:
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._held.append(client)

    def _stop(self, thread):
        self._stopping = True
        thread.join(5)
        self._server.close()
        for sock in self._held:
            _close(sock)
