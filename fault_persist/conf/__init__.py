"""Every option of fault_persist, at the bottom of the import graph.

As in Nova's ``nova.conf``, each topic declares its options in a module
of this package, and the package imports nothing else of fault_persist:
any module may import it without making an import cycle, and the options
are found in one place.

=================  ===================================================
module             options
=================  ===================================================
``database``       ``[fault_persist]``: the database and its timeouts
``capture``        ``[fault_persist]``: recognising, extracting,
                   sanitising and writing what is captured
``faults``         ``[fault_persist]``: fault retention and resolution
``request_log``    ``[fault_persist]``: request-log zone and retention
``listener``       ``[fault_persist_listener]``: the listener service
``api``            ``[api]``: ``max_limit`` and the HTTP API's options
``opts``           :func:`~fault_persist.conf.opts.list_opts` for
                   oslo-config-generator and the docs
=================  ===================================================

A library registers no option at import time: :func:`fault_persist.init`
calls :func:`register_opts` on the host's own ``ConfigOpts``.
"""

import itertools

from fault_persist.conf import api
from fault_persist.conf import capture
from fault_persist.conf import database
from fault_persist.conf import faults
from fault_persist.conf import request_log

GROUP = 'fault_persist'


def fault_persist_opts():
    """The ``[fault_persist]`` options, in the order the docs show them."""
    return list(itertools.chain(
        database.database_opts,
        capture.recognise_opts,
        capture.extract_opts,
        capture.sanitize_opts,
        capture.writer_opts,
        capture.spool_opts,
        capture.counters_opts,
        faults.retention_opts,
        faults.resolution_opts,
        request_log.text_opts,
        request_log.retention_opts,
    ))


def register_opts(conf):
    """Register the options a host needs on ``conf`` (idempotent).

    The ``[fault_persist]`` options and ``[api] max_limit``; the options
    of the listener and of the HTTP API are registered by those services
    (:func:`fault_persist.conf.listener.register_opts`,
    :func:`fault_persist.conf.api.register_opts`).

    :param conf: an oslo.config ``ConfigOpts``.
    """
    conf.register_opts(fault_persist_opts(), group=GROUP)
    api.register_limit_opts(conf)


def set_defaults(conf, **defaults):
    """Change the defaults of ``[fault_persist]`` options for a host.

    A host calls it before :func:`fault_persist.init` to ship its own
    defaults, e.g. a ``state_path`` under its own state directory; values
    in configuration files still win.

    :param conf: an oslo.config ``ConfigOpts``.
    :param defaults: ``{option name: default}``.
    """
    register_opts(conf)
    for name, value in defaults.items():
        conf.set_default(name, value, group=GROUP)
