"""fault-persist-api: the HTTP API and the Activity Log page.

Usage::

    fault-persist-api --config-file /etc/fault-persist/fault-persist.conf

Serves on ``[api] bind_host``:``[api] bind_port`` in a simple threaded
WSGI server, for development and small deployments; production runs
``fault_persist.api.wsgi:application`` under uWSGI, mod_wsgi or gunicorn
instead.
"""

import socket
import sys

from oslo_config import cfg
from oslo_log import log as logging
from werkzeug import serving

from fault_persist.api import app
from fault_persist.api import auth
from fault_persist.conf import api as api_opts

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class _QuietHandler(serving.WSGIRequestHandler):

    def setup(self):
        super().setup()
        # The headers and the body go out in separate writes: without
        # this, Nagle's algorithm holds the body until the client's
        # delayed ACK of the headers, tens of ms on every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                   1)

    def log_request(self, code='-', size='-'):
        LOG.debug('%s "%s" %s %s', self.address_string(), self.requestline,
                  code, size)


def make_server(conf):
    """The server of the application on ``[api] bind_host``/``bind_port``.

    :param conf: the parsed ``ConfigOpts``.
    :returns: a werkzeug threaded server; ``serve_forever()`` runs it.
    """
    # Refuse before touching the database: nothing is set up in vain.
    api_opts.register_opts(conf)
    auth.check_noauth(conf)
    application = app.build_app(conf)
    group = conf[api_opts.GROUP]
    return serving.make_server(group.bind_host, group.bind_port,
                               application, threaded=True,
                               request_handler=_QuietHandler)


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
