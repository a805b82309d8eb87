"""``[fault_persist]`` options of capture: recognise, extract, sanitise, write.

What is recognised, where the definitions are, how large details grow,
how long a host waits, and where the spool is.

Read by :mod:`fault_persist.recognise`, :mod:`fault_persist.extract`,
:mod:`fault_persist.sanitize` and :mod:`fault_persist.capture`.
"""

from oslo_config import cfg

# MySQL's TEXT holds 65,535 *bytes*; the same bound on every backend keeps
# behaviour identical whatever the database.
TEXT_MAX_BYTES = 65535

recognise_opts = [
    cfg.ListOpt('error_priorities',
                default=['ERROR', 'CRITICAL'],
                help='Notification priorities (upper case) that announce an '
                     'error, whatever their event type.'),
    cfg.ListOpt('error_event_types',
                default=['*.error'],
                help='Shell-style patterns of event types that announce an '
                     'error whatever their priority. Trove, for one, sends '
                     '"dbaas.<action>.error" at INFO priority.'),
    cfg.BoolOpt('track_tasks',
                default=True,
                help='Keep the request log: record the start and end of '
                     'asynchronous tasks from their "<action>.start" and '
                     '"<action>.end" notifications.'),
    cfg.ListOpt('task_start_event_types',
                default=['*.start'],
                help='Shell-style patterns of event types that open a task.'),
    cfg.ListOpt('task_end_event_types',
                default=['*.end'],
                help='Shell-style patterns of event types that complete a '
                     'task successfully.'),
]

extract_opts = [
    cfg.StrOpt('definitions_file',
               help='YAML file of the definitions that say where each '
                    'service\'s notifications keep the instance id, message, '
                    'details and the other fields. By default the built-in '
                    'definitions (Nova, Ironic, Trove, Heat, Cinder, Manila, '
                    'Glance and any other service\'s payloads), the same '
                    'as etc/fault-persist/fault_definitions.yaml.'),
]

sanitize_opts = [
    cfg.IntOpt('details_max_bytes',
               default=TEXT_MAX_BYTES, min=1024, max=TEXT_MAX_BYTES,
               help='Largest size, in UTF-8 bytes, of a stored fault\'s '
                    'details. Longer details keep their head and, mostly, '
                    'their tail (where a traceback names the cause) around '
                    'an omission marker. The maximum is the size of a MySQL '
                    'TEXT column.'),
]

writer_opts = [
    cfg.FloatOpt('driver_write_timeout',
                 default=2.0, min=0.0,
                 help='Longest time, in seconds, any call of the host '
                      'waits for fault_persist: the notifier driver\'s '
                      'notify(), save_fault(), and each of the entry and '
                      'the exit of track_task(). What is not committed to '
                      'the database by then is written to the spool and '
                      'stored later, exactly once.'),
    cfg.FloatOpt('spool_replay_interval',
                 default=30.0, min=1.0,
                 help='Seconds between two attempts to replay the spool '
                      'while it holds events.'),
    cfg.IntOpt('writer_queue_events',
               default=10000, min=1,
               help='Most events a process keeps in memory waiting for '
                    'the database; past it, events are spooled at once.'),
    cfg.IntOpt('writer_queue_bytes',
               default=16 * 1024 * 1024, min=1024,
               help='Most bytes (estimated from the text the events hold) '
                    'a process keeps in memory waiting for the database; '
                    'past it, events are spooled at once.'),
]

spool_opts = [
    cfg.StrOpt('spool_dir',
               default='${fault_persist.state_path}/spool',
               help='Directory of the spool: events that could not be '
                    'stored while the database was unavailable or slow, '
                    'one file per process, replayed automatically once the '
                    'database answers and by "fault-persist-manage spool '
                    'replay".'),
]

counters_opts = [
    cfg.IntOpt('counters_interval',
               default=60, min=0,
               help='Seconds between two log lines of the counters of the '
                    'notifier driver (one line per host process) and of '
                    'fault-persist-listener (one line per listener, its '
                    'workers and storers added up). 0 never logs them '
                    'while running; a listener still logs them when it '
                    'stops.'),
]
