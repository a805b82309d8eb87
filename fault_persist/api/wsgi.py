"""The WSGI entry of the HTTP API for uWSGI, mod_wsgi or gunicorn.

``fault_persist.api.wsgi:application``; the configuration files come
from the environment variable ``FAULT_PERSIST_CONFIG_FILE``, a
comma-separated list (default ``/etc/fault-persist/fault-persist.conf``).
Example (``http11-socket`` keeps a client's connection alive between its
calls)::

    FAULT_PERSIST_CONFIG_FILE=/etc/fault-persist/api.conf \\
        uwsgi --http11-socket 127.0.0.1:8787 --processes 2 --threads 4 \\
              --module fault_persist.api.wsgi:application

or ``gunicorn --worker-class gthread --threads 4 --bind 127.0.0.1:8787
fault_persist.api.wsgi:application``.
"""

import os

from oslo_config import cfg
from oslo_log import log as logging

from fault_persist.api import app
from fault_persist.api import auth

CONFIG_FILE_ENV = 'FAULT_PERSIST_CONFIG_FILE'
DEFAULT_CONFIG_FILE = '/etc/fault-persist/fault-persist.conf'


def config_files(environ=None):
    """The configuration files named by ``FAULT_PERSIST_CONFIG_FILE``."""
    value = (environ or os.environ).get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE)
    return [name.strip() for name in value.split(',') if name.strip()]


def init_application(conf=None, environ=None):
    """Parse the configuration files and build the application.

    :param conf: the ``ConfigOpts`` to use; a new one by default.
    :param environ: the environment to read ``FAULT_PERSIST_CONFIG_FILE``
        from; ``os.environ`` by default.
    """
    conf = conf if conf is not None else cfg.ConfigOpts()
    logging.register_options(conf)
    conf([], project='fault_persist',
         default_config_files=config_files(environ))
    logging.setup(conf, 'fault_persist')
    application = app.build_app(conf)
    auth.check_noauth(conf)
    return application


application = None
if os.environ.get(CONFIG_FILE_ENV) or os.path.exists(DEFAULT_CONFIG_FILE):
    application = init_application()
