"""``[fault_persist]`` options of the request log: zone and retention.

Read by :mod:`fault_persist.request_log_text`,
:mod:`fault_persist.request_log` and ``fault-persist-manage purge``.
"""

from oslo_config import cfg

text_opts = [
    cfg.StrOpt('log_timezone',
               default='UTC',
               help='Zone in which request-log text lines show their date '
                    'and time: an IANA name such as "America/Sao_Paulo" '
                    '(labelled with the abbreviation tzdata gives, "-03" '
                    'for that one), or a fixed offset with its label, such '
                    'as "BRT=-03:00". Times are stored in UTC whatever this '
                    'says.'),
]

retention_opts = [
    cfg.IntOpt('request_log_retention_days',
               default=90, min=0,
               help='Age, in days, after which "fault-persist-manage purge" '
                    'deletes request-log entries (and the tasks left without '
                    'entries) for good when no --older-than is given. 0 '
                    'keeps the request log for ever.'),
]
