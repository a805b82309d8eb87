"""fault-persist-api: the HTTP API and the Activity Log page.

Usage::

    fault-persist-api --config-file /etc/fault-persist/fault-persist.conf

Serves on ``[api] bind_host``:``[api] bind_port`` with cheroot (CherryPy's
WSGI server: pure Python, a pool of ``[api] server_threads`` threads,
HTTP/1.1 connections kept alive, so that a dashboard polling the API does
not reconnect at every call; werkzeug's development server, used before,
closes every connection). Deployments that run their APIs under uWSGI,
mod_wsgi or gunicorn use ``fault_persist.api.wsgi:application`` instead.
"""

import logging as std_logging
import sys

from cheroot import wsgi as cheroot_wsgi
from oslo_config import cfg
from oslo_log import log as logging

from fault_persist.api import app
from fault_persist.api import auth
from fault_persist.conf import api as api_opts

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class Server:
    """The application served on a bound address, until :meth:`shutdown`.

    Binds and starts its worker threads when made, in the calling thread
    (they are daemon threads when it is one).

    :param application: the WSGI application.
    :param host: the address to listen on.
    :param port: the port; ``0`` takes a free one (:attr:`server_port`).
    :param threads: how many requests are served at once.
    """

    def __init__(self, application, host, port, threads):
        self._server = _LoggingServer((host, port), application,
                                      numthreads=threads,
                                      server_name='fault-persist-api')
        # Binds now: a taken port fails here, before anything is served.
        self._server.prepare()

    @property
    def server_port(self):
        """The port the server listens on."""
        return self._server.bind_addr[1]

    def serve_forever(self):
        """Serve requests until :meth:`shutdown` is called."""
        self._server.serve()

    def shutdown(self):
        """Stop serving; requests in hand are finished first."""
        self._server.stop()

    def server_close(self):
        """Stop serving if it still does, and release the socket."""
        self._server.stop()


class _LoggingServer(cheroot_wsgi.Server):
    """cheroot's server, its errors in our log rather than on stderr."""

    def error_log(self, msg='', level=std_logging.INFO, traceback=False):
        LOG.log(level, 'fault-persist-api: %s', msg, exc_info=traceback)


def make_server(conf):
    """The server of the application on ``[api] bind_host``/``bind_port``.

    :param conf: the parsed ``ConfigOpts``.
    :returns: a :class:`Server`, bound; ``serve_forever()`` runs it.
    """
    # Refuse before touching the database: nothing is set up in vain.
    api_opts.register_opts(conf)
    auth.check_noauth(conf)
    application = app.build_app(conf)
    group = conf[api_opts.GROUP]
    return Server(application, group.bind_host, group.bind_port,
                  group.server_threads)


def main(argv=None):
    logging.register_options(CONF)
    api_opts.register_opts(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='fault_persist',
         prog='fault-persist-api')
    logging.setup(CONF, 'fault_persist')
    try:
        server = make_server(CONF)
    except (auth.NoAuthRefused, auth.InvalidUserFile) as exc:
        LOG.error('%s', exc)
        return 1
    except OSError as exc:
        # A taken port, an address not of this host: one line, not a
        # traceback.
        LOG.error('fault-persist-api cannot listen on %(host)s:%(port)s: '
                  '%(error)s', {'host': CONF.api.bind_host,
                                'port': CONF.api.bind_port,
                                'error': exc.strerror or exc})
        return 1
    LOG.info('fault-persist-api serving on http://%(host)s:%(port)d/ '
             '(auth_strategy %(auth)s)',
             {'host': CONF.api.bind_host, 'port': server.server_port,
              'auth': CONF.api.auth_strategy})
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
