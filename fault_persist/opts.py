"""All options of fault_persist, for oslo-config-generator and the docs.

Options are declared beside the code that reads them; this module gathers
them. ``list_opts()`` is published as the ``fault_persist`` namespace of the
``oslo.config.opts`` entry point.
"""

import copy
import itertools

from oslo_config import cfg

from fault_persist.capture import counters
from fault_persist.capture import spool
from fault_persist.capture import writer
from fault_persist.db import api as db_api
from fault_persist import extract
from fault_persist import faults
from fault_persist import query_arguments
from fault_persist import recognise
from fault_persist import request_log
from fault_persist import request_log_text
from fault_persist import sanitize

GROUP = 'fault_persist'


def _fault_persist_opts():
    return list(itertools.chain(
        db_api.database_opts,
        recognise.recognise_opts,
        extract.extract_opts,
        sanitize.sanitize_opts,
        writer.writer_opts,
        spool.spool_opts,
        counters.counters_opts,
        faults.retention_opts,
        faults.resolution_opts,
        request_log_text.text_opts,
        request_log.retention_opts,
    ))


def register_opts(conf):
    """Register every fault_persist option on ``conf`` (idempotent).

    :param conf: an oslo.config ``ConfigOpts``.
    """
    conf.register_opts(_fault_persist_opts(), group=GROUP)
    for opt in query_arguments.api_opts:
        try:
            conf.register_opt(opt, group=query_arguments.API_GROUP)
        except cfg.DuplicateOptError:
            # The host has an [api] option of that name already (Nova's
            # max_limit): the host's option, and value, serve us too.
            pass


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


def list_opts():
    """The options of fault_persist, as ``[(group, [opts])]`` copies."""
    # Imported here: the listener module imports oslo.messaging, which
    # nothing but the listener needs (fault-persist-manage starts faster).
    from fault_persist.api import opts as api_opts
    from fault_persist.capture import listener
    return [(GROUP, copy.deepcopy(_fault_persist_opts())),
            (listener.GROUP, copy.deepcopy(listener.listener_opts)),
            # [api]: the HTTP API's options and the page bound that every
            # list read (Python API, CLI, HTTP API) shares.
            (api_opts.GROUP, copy.deepcopy(query_arguments.api_opts
                                           + api_opts.api_opts))]
