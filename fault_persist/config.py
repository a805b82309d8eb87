"""Start-up of fault_persist inside a host process: :func:`init`."""

import threading

from oslo_log import log as logging
import sqlalchemy as sa

import fault_persist.conf
from fault_persist.db import engine as db_engine
from fault_persist.db import migration
from fault_persist import exception
from fault_persist import policy

LOG = logging.getLogger(__name__)

_LOCK = threading.Lock()
_CONF = None
# What the first init() set up: (database URL, spool directory).
_SETTINGS = None


def init(conf):
    """Register options, set up the database engine and the policy enforcer.

    Call it once when the service starts; later calls with the same
    configuration do nothing. The engine connects lazily, so a database
    that is down at start-up does not stop the host from starting.

    A later call with another ``ConfigOpts`` that names the same database
    and spool directory adopts it (e.g. the notifier driver's copy). One
    that names another database or spool directory raises
    :class:`~fault_persist.exception.AlreadyInitialized` rather than
    re-pointing: records already queued or spooled for the first database
    would be replayed into the second, and the host would silently write
    to two places; a restart with the new configuration is the one safe
    way to move.

    :param conf: the host's oslo.config ``ConfigOpts`` (usually
        ``oslo_config.cfg.CONF``), parsed or not.
    :raises: :class:`~fault_persist.exception.AlreadyInitialized`.
    """
    global _CONF, _SETTINGS
    with _LOCK:
        if _CONF is conf:
            return
        fault_persist.conf.register_opts(conf)
        settings = (db_engine.connection_url(conf),
                    conf.fault_persist.spool_dir)
        if _SETTINGS is not None and settings != _SETTINGS:
            if settings[0] != _SETTINGS[0]:
                raise exception.AlreadyInitialized(
                    setting='database', before=_masked(_SETTINGS[0]),
                    after=_masked(settings[0]))
            raise exception.AlreadyInitialized(
                setting='spool_dir', before=_SETTINGS[1], after=settings[1])
        if _SETTINGS is not None:
            _CONF = conf
            return
        db_engine.configure(conf)
        policy.init(conf)
        if conf.fault_persist.auto_migrate:
            before = migration.version()
            migration.upgrade()
            after = migration.version()
            if after != before:
                LOG.info('fault_persist schema upgraded from %(before)s to '
                         '%(after)s', {'before': before, 'after': after})
        _CONF = conf
        _SETTINGS = settings


def _masked(url):
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: a URL SQLAlchemy cannot read is shown as is
        return url


def get_conf():
    """The configuration given to :func:`init`.

    :raises: :class:`~fault_persist.exception.NotInitialized` before it.
    """
    if _CONF is None:
        raise exception.NotInitialized()
    return _CONF


def reset():
    """Forget the configuration given to :func:`init` (tests only)."""
    global _CONF, _SETTINGS
    with _LOCK:
        _CONF = _SETTINGS = None
        policy.reset()
