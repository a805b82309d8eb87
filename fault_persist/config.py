"""Start-up of fault_persist inside a host process: :func:`init`."""

import threading

from oslo_log import log as logging

from fault_persist.db import api as db_api
from fault_persist.db import migration
from fault_persist import exception
from fault_persist import opts
from fault_persist import policy

LOG = logging.getLogger(__name__)

_LOCK = threading.Lock()
_CONF = None


def init(conf):
    """Register options, set up the database engine and the policy enforcer.

    Call it once when the service starts; later calls with the same
    configuration do nothing. The engine connects lazily, so a database
    that is down at start-up does not stop the host from starting.

    :param conf: the host's oslo.config ``ConfigOpts`` (usually
        ``oslo_config.cfg.CONF``), parsed or not.
    """
    global _CONF
    with _LOCK:
        if _CONF is conf:
            return
        opts.register_opts(conf)
        db_api.configure(conf)
        policy.init(conf)
        if conf.fault_persist.auto_migrate:
            before = migration.version()
            migration.upgrade()
            after = migration.version()
            if after != before:
                LOG.info('fault_persist schema upgraded from %(before)s to '
                         '%(after)s', {'before': before, 'after': after})
        _CONF = conf


def get_conf():
    """The configuration given to :func:`init`.

    :raises: :class:`~fault_persist.exception.NotInitialized` before it.
    """
    if _CONF is None:
        raise exception.NotInitialized()
    return _CONF


def reset():
    """Forget the configuration given to :func:`init` (tests only)."""
    global _CONF
    with _LOCK:
        _CONF = None
        policy.reset()
