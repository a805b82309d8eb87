"""``[fault_persist]`` options of the database: where, and how long to wait.

Read by :mod:`fault_persist.db.engine` and :func:`fault_persist.init`.
"""

from oslo_config import cfg

database_opts = [
    cfg.StrOpt('connection',
               secret=True,
               help='SQLAlchemy URL of the database that holds the '
                    'fault_persist tables. When unset, the host service\'s '
                    '[database] connection is used; when that is unset too, '
                    'a SQLite file under state_path.'),
    cfg.StrOpt('state_path',
               default='/var/lib/fault_persist',
               help='Directory of fault_persist\'s local state: the embedded '
                    'SQLite database when no connection is configured, and '
                    'the spool.'),
    cfg.BoolOpt('auto_migrate',
                default=False,
                help='Upgrade the fault_persist schema when fault_persist is '
                     'initialised. Convenient with the embedded SQLite '
                     'database; with a shared database run '
                     '"fault-persist-manage db sync" instead.'),
    cfg.StrOpt('sqlite_journal_mode',
               default='wal',
               choices=[('wal', 'write-ahead log: one fsync per commit, and '
                                'readers never wait for the writer'),
                        ('delete', 'SQLite\'s own default: a rollback '
                                   'journal, two or more fsyncs per commit')],
               help='Journal of the embedded SQLite database (a file; '
                    'other databases ignore it). With "wal" every commit '
                    'is still durable (synchronous=FULL) and costs one '
                    'fsync; the file needs "-wal" and "-shm" files beside '
                    'it, so every process that reads it (the CLI, the API) '
                    'needs write access to its directory, and it must be '
                    'on a local file system.'),
    cfg.IntOpt('db_max_retries',
               default=0, min=-1,
               help='How many times to retry the first connection to the '
                    'database, -1 for ever. The default, 0, never makes the '
                    'host wait at start up: records are kept and stored once '
                    'the database answers.'),
    cfg.IntOpt('db_connect_timeout',
               default=5, min=1,
               help='Seconds to wait for a connection to the database '
                    'server before counting it as unavailable (MySQL, '
                    'MariaDB and PostgreSQL), so an unreachable server '
                    'never hangs a capture.'),
    cfg.IntOpt('db_statement_timeout',
               default=60, min=0,
               help='Seconds one statement of fault_persist may run or '
                    'wait for a lock before the database (or the client) '
                    'gives up: PostgreSQL statement_timeout and '
                    'lock_timeout, MySQL/MariaDB innodb_lock_wait_timeout '
                    'and the client\'s read and write timeouts. It bounds '
                    'how long fault_persist\'s store thread can be stuck '
                    'on a hung database (the host itself never waits more '
                    'than driver_write_timeout). 0 leaves them unset; '
                    'raise it, or set 0, for "db sync" of a large table.'),
]
