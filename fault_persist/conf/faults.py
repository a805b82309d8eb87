"""``[fault_persist]`` options of faults: retention and resolution.

Read by :mod:`fault_persist.faults`, :mod:`fault_persist.capture` and
``fault-persist-manage purge``.
"""

from oslo_config import cfg

retention_opts = [
    cfg.IntOpt('fault_retention_days',
               default=90, min=0,
               help='Age, in days, after which "fault-persist-manage purge" '
                    'deletes faults for good when no --older-than is given. '
                    '0 keeps faults for ever.'),
]

resolution_opts = [
    cfg.BoolOpt('resolve_on_success',
                default=True,
                help='Resolve the faults of a resource when a task on it '
                     'completes later (an ".end" notification of any action '
                     'on it, or a track_task with its instance_id that '
                     'succeeds): a resolved fault is no longer the one the '
                     'show view returns, and stays in the fault history '
                     'with the time it was resolved. When false, faults are '
                     'resolved only by fault_persist.resolve_faults.'),
]
