"""``[fault_persist_listener]`` options of ``fault-persist-listener``.

Read by :mod:`fault_persist.capture.listener` and
:mod:`fault_persist.cmd.listener`; never registered in a host.
"""

from oslo_config import cfg

GROUP = 'fault_persist_listener'

listener_opts = [
    cfg.StrOpt('transport_url',
               secret=True,
               help='The oslo.messaging transport URL to listen on, e.g. '
                    'rabbit://user:password@host:5672/. When unset, the '
                    '[oslo_messaging_notifications] transport_url, then '
                    'the [DEFAULT] transport_url.'),
    cfg.ListOpt('topics',
                default=['notifications'],
                help='Notification topics to consume. Services publish on '
                     '[oslo_messaging_notifications] topics.'),
    cfg.StrOpt('pool',
               help='Listener pool name. Listeners with the same pool share '
                    'one queue per topic and priority (each message goes to '
                    'one of them), and do not take messages from other '
                    'consumers of the topic, such as Ceilometer. Set it '
                    'whenever something else consumes the same topics.'),
    cfg.IntOpt('workers',
               default=1, min=1,
               help='Listener processes to run.'),
    cfg.IntOpt('batch_size',
               default=100, min=1,
               help='Notifications stored in one transaction.'),
    cfg.FloatOpt('batch_timeout',
                 default=1.0, min=0.0,
                 help='Seconds to wait for a batch to fill before storing '
                      'what has arrived.'),
    cfg.IntOpt('store_processes',
               default=2, min=0,
               help='Storer processes each listener process hands its '
                    'batches to. They extract and store while the listener '
                    'keeps reading the bus; a batch is acknowledged once a '
                    'storer has committed it. Two let one storer extract '
                    'while the other waits for the database. 0 stores in '
                    'the listener process itself.'),
    cfg.IntOpt('prefetch',
               default=0, min=0,
               help='Messages RabbitMQ hands a listener ahead of its '
                    'acknowledgements (rabbit_qos_prefetch_count), so a '
                    'backlog never fills memory. 0 means (store_processes '
                    '+ 2) * batch_size: a batch for each storer and two '
                    'more arriving meanwhile.'),
    cfg.PortOpt('metrics_port',
                help='Serve the counters to Prometheus on this TCP port '
                     '(http://metrics_host:metrics_port/metrics), from the '
                     'first process of the listener, its workers and '
                     'storers added up. Unset serves nothing.'),
    cfg.HostAddressOpt('metrics_host',
                       default='127.0.0.1',
                       help='The address metrics_port listens on.'),
    cfg.FloatOpt('requeue_delay',
                 default=1.0, min=0.0,
                 help='Seconds to pause before handing a batch back to the '
                      'bus when the database fails, so an outage is not a '
                      'busy loop of redeliveries.'),
]


def register_opts(conf):
    """Register the listener's options on ``conf`` (idempotent).

    :param conf: an oslo.config ``ConfigOpts``.
    """
    conf.register_opts(listener_opts, group=GROUP)
