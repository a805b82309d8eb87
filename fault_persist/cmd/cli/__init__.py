"""fault-persist: the operators' command line, built on cliff.

Usage::

    fault-persist --config-file F show INSTANCE_ID [--admin|--project P]
    fault-persist --config-file F fault list [--instance ID] [--project P]
        [--since T] [--before T] [--limit N] [--marker M]

Every command takes cliff's output options (``-f table|json|yaml|value|
csv``, ``-c COLUMN``). Commands are found through the ``fault_persist.cli``
entry point namespace. A user mistake or an unreachable database prints
one line and exits non-zero; ``--debug`` shows the traceback.
"""

import logging
import sys

from cliff import app
from cliff import commandmanager
from oslo_config import cfg
import pbr.version

import fault_persist
from fault_persist.db import engine as db_engine

NAMESPACE = 'fault_persist.cli'


class FaultPersistApp(app.App):
    """The ``fault-persist`` application."""

    def __init__(self):
        super().__init__(
            description='Show the faults and the request log that '
                        'fault_persist keeps.',
            version=pbr.version.VersionInfo('fault_persist').version_string(),
            command_manager=commandmanager.CommandManager(NAMESPACE),
            deferred_help=True)
        self.conf = None

    def build_option_parser(self, description, version,
                            argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            '--config-file', action='append', default=[],
            metavar='PATH',
            help='A configuration file with the [fault_persist] options of '
                 'the service (the database connection); may be repeated.')
        return parser

    def configure_logging(self):
        super().configure_logging()
        if self.options.verbose_level <= 1:
            # Schema upgrades (auto_migrate) are not news to a reader.
            logging.getLogger('alembic').setLevel(logging.WARNING)

    def initialize_app(self, argv):
        conf = cfg.ConfigOpts()
        args = []
        for path in self.options.config_file:
            args.extend(['--config-file', path])
        conf(args, project='fault_persist', prog='fault-persist')
        fault_persist.init(conf)
        self.conf = conf


def database_call(function, *args, **kwargs):
    """Call the API, turning database failures into one clear line."""
    try:
        return function(*args, **kwargs)
    except db_engine.DATABASE_ERRORS as exc:
        raise fault_persist.exception.DatabaseUnavailable(
            reason=db_engine.error_reason(exc))


def page_note(app, parsed_args, rows, marker_of):
    """Tell the reader on stderr when a page may not be the last one.

    A list command returns at most ``--limit`` rows, and at most
    ``[api] max_limit`` whatever the limit.
    """
    if not rows:
        return
    wanted = parsed_args.limit
    limit = app.conf.api.max_limit
    if wanted is not None and wanted.isascii() and wanted.isdecimal():
        limit = min(int(wanted), limit)
    if len(rows) >= limit:
        app.stderr.write('%d rows shown (--limit, at most [api] max_limit '
                         '%d); for the next page pass --marker %s\n'
                         % (len(rows), app.conf.api.max_limit,
                            marker_of(rows[-1])))


def main(argv=None):
    return FaultPersistApp().run(sys.argv[1:] if argv is None else argv)


if __name__ == '__main__':
    sys.exit(main())
