"""The configuration of the benches that patch each backend's engine in.

``bench_show.py`` and ``bench_request_log.py`` build their own engine for
each backend and size; fault_persist's own ``[fault_persist] connection``
is set to an in-memory SQLite URL that they never use.
"""

from oslo_config import cfg

import fault_persist.conf
from fault_persist import config


def patched_engine_conf():
    """fault_persist initialised with options the benches patch over.

    :returns: the ``ConfigOpts``.
    """
    conf = cfg.ConfigOpts()
    conf([], project='fault_persist_bench')
    fault_persist.conf.register_opts(conf)
    # Each backend's engine is patched in; this one is never used.
    conf.set_override('connection', 'sqlite://', group='fault_persist')
    config.init(conf)
    return conf
