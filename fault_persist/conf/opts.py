"""All options of fault_persist, for oslo-config-generator and the docs.

:func:`list_opts` is published as the ``fault_persist`` namespace of the
``oslo.config.opts`` entry point.
"""

import copy

from fault_persist import conf
from fault_persist.conf import api
from fault_persist.conf import listener


def list_opts():
    """The options of fault_persist, as ``[(group, [opts])]`` copies."""
    return [(conf.GROUP, copy.deepcopy(conf.fault_persist_opts())),
            (listener.GROUP, copy.deepcopy(listener.listener_opts)),
            # [api]: the page bound that every list read (Python API, CLI,
            # HTTP API) shares, and the HTTP API's options.
            (api.GROUP, copy.deepcopy(api.limit_opts + api.http_opts))]
