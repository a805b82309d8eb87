"""fault-persist-manage: administer fault_persist's database.

Usage::

    fault-persist-manage --config-file F db sync
    fault-persist-manage --config-file F db version
    fault-persist-manage --config-file F purge [--older-than DAYS]
    fault-persist-manage --config-file F spool replay
"""

import sys

from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging

import fault_persist
from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import spool as capture_spool
from fault_persist.db import engine as db_engine
from fault_persist.db import migration
from fault_persist import exception
from fault_persist import query_arguments

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def do_db_sync():
    migration.upgrade(CONF.command.revision)
    print('fault_persist schema at revision %s' % migration.version())


def do_db_version():
    print(migration.version() or 'None (run "db sync")')


def _purge(what, purge, retention_option, older_than):
    if older_than is None:
        older_than = CONF.fault_persist[retention_option]
        if older_than == 0:
            print('[fault_persist] %s is 0: %s are kept for ever; pass '
                  '--older-than DAYS to purge.' % (retention_option, what))
            return
    older_than = query_arguments.age_in_days(older_than, '--older-than')
    try:
        fault_persist.faults.cutoff_time(older_than)
    except exception.InvalidField as exc:
        raise exception.InvalidField(field='--older-than', value=older_than,
                                     reason=exc.kwargs['reason'])
    count = purge(older_than)
    print('Purged %d %s older than %s days' % (count, what, older_than))


def do_purge():
    older_than = CONF.command.older_than
    _purge('faults', fault_persist.purge_faults, 'fault_retention_days',
           older_than)
    _purge('request-log entries', fault_persist.purge_request_log,
           'request_log_retention_days', older_than)


def do_spool_replay():
    spool = capture_spool.Spool(CONF.fault_persist.spool_dir)
    pipeline = capture_pipeline.Pipeline.from_conf(CONF)
    count = spool.replay(pipeline.store)
    left = len(spool.files())
    print('Replayed %d spooled events from %s; %d spool files left'
          % (count, spool.directory, left))
    if left:
        raise exception.SpoolBusy(directory=spool.directory, count=left)


def add_command_parsers(subparsers):
    db = subparsers.add_parser('db', help='database schema')
    db_commands = db.add_subparsers(dest='db_command')
    sync = db_commands.add_parser('sync', help='upgrade the schema')
    sync.add_argument('revision', nargs='?', default='head')
    sync.set_defaults(func=do_db_sync)
    version = db_commands.add_parser('version',
                                     help='print the schema revision')
    version.set_defaults(func=do_db_version)

    purge = subparsers.add_parser(
        'purge', help='delete faults and request-log entries older than an '
                      'age, for good')
    purge.add_argument('--older-than', type=float, metavar='DAYS',
                       help='age in days of both; default [fault_persist] '
                            'fault_retention_days for faults and '
                            'request_log_retention_days for the request log')
    purge.set_defaults(func=do_purge)

    spool = subparsers.add_parser('spool', help='the local spool')
    spool_commands = spool.add_subparsers(dest='spool_command')
    replay = spool_commands.add_parser(
        'replay', help='store the spooled events now')
    replay.set_defaults(func=do_spool_replay)


command_opt = cfg.SubCommandOpt('command', title='Commands',
                                handler=add_command_parsers)


def main(argv=None):
    CONF.register_cli_opt(command_opt)
    logging.register_options(CONF)
    # Our output goes to stdout; logs, and only warnings by default, to
    # stderr.
    CONF.set_default('use_stderr', True)
    logging.set_defaults(default_log_levels=logging.get_default_log_levels()
                         + ['alembic=WARN', 'fault_persist=WARN'])
    CONF(sys.argv[1:] if argv is None else argv,
         project='fault_persist', prog='fault-persist-manage')
    logging.setup(CONF, 'fault_persist')
    if not hasattr(CONF.command, 'func'):
        print('fault-persist-manage: give a command: db sync, db version, '
              'purge (see --help)', file=sys.stderr)
        return 2
    try:
        fault_persist.init(CONF)
        CONF.command.func()
    except exception.FaultPersistError as exc:
        print('fault-persist-manage: %s' % exc, file=sys.stderr)
        return 1
    except db_exc.DBConnectionError as exc:
        print('fault-persist-manage: cannot reach the database: %s'
              % db_engine.error_reason(exc), file=sys.stderr)
        return 1
    except db_engine.DATABASE_ERRORS as exc:
        print('fault-persist-manage: database error: %s'
              % db_engine.error_reason(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
