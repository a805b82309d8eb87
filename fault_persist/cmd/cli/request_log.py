"""fault-persist commands on the request log: ``task list``, ``task
show`` and ``log``."""

import sys

from cliff import lister
from cliff import show

import fault_persist
from fault_persist.cmd import cli
from fault_persist.cmd.cli import faults as cli_faults

TASK_COLUMNS = ('task_id', 'app', 'action', 'target', 'status', 'started',
                'ended', 'duration', 'instance_id', 'request_id')
ENTRY_COLUMNS = ('id', 'created', 'req', 'user', 'ip', 'status', 'app',
                 'task_id', 'message')


def _add_page_arguments(parser, marker_help):
    parser.add_argument('--limit', metavar='N',
                        help='At most N rows (and at most [api] '
                             'max_limit, the default, except with --text).')
    parser.add_argument('--marker', metavar='ID', help=marker_help)


class ListTasks(lister.Lister):
    """Tasks of the request log, newest first, with status and duration."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--app', help='Only this service\'s tasks.')
        parser.add_argument('--status', type=int, choices=(1000, 1001, 1002),
                            help='1000 running, 1001 completed, 1002 '
                                 'failed.')
        parser.add_argument('--instance', metavar='INSTANCE_ID')
        parser.add_argument('--request', metavar='REQUEST_ID')
        parser.add_argument('--project', metavar='PROJECT_ID')
        parser.add_argument('--user', metavar='USER_ID')
        _add_page_arguments(parser, 'Start after this task id.')
        return parser

    def take_action(self, parsed_args):
        tasks = cli.database_call(
            fault_persist.list_tasks, cli_faults.admin_context(),
            app=parsed_args.app, status=parsed_args.status,
            instance_id=parsed_args.instance,
            request_id=parsed_args.request, project_id=parsed_args.project,
            user=parsed_args.user, limit=parsed_args.limit,
            marker=parsed_args.marker)
        cli.page_note(self.app, parsed_args, tasks,
                      lambda task: task['task_id'])
        return TASK_COLUMNS, [[task[column] for column in TASK_COLUMNS]
                              for task in tasks]


class ShowTask(show.ShowOne):
    """One task: start, end, status, duration and what happened between."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('task_id', metavar='TASK_ID')
        return parser

    def take_action(self, parsed_args):
        admin = cli_faults.admin_context()
        task = cli.database_call(fault_persist.get_task, admin,
                                 parsed_args.task_id)
        between = cli.database_call(fault_persist.entries_between, admin,
                                    parsed_args.task_id)
        columns = TASK_COLUMNS + ('running', 'project_id', 'user_id',
                                  'entries_between')
        task['entries_between'] = '\n'.join(
            '%(created)s %(status)s %(app)s %(message)s' % entry
            for entry in between)
        return columns, [task[column] for column in columns]


class ShowLog(lister.Lister):
    """Request-log entries, newest first, as a table or as text lines."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--app')
        parser.add_argument('--user', metavar='USER_ID')
        parser.add_argument('--ip')
        parser.add_argument('--req', help='The request kind, e.g. TASK.')
        parser.add_argument('--status', type=int, choices=(1000, 1001, 1002))
        parser.add_argument('--since', metavar='TIME',
                            help='Entries at or after this ISO 8601 time.')
        parser.add_argument('--before', metavar='TIME',
                            help='Entries before this ISO 8601 time.')
        parser.add_argument('--task', metavar='TASK_ID')
        parser.add_argument('--instance', metavar='INSTANCE_ID')
        parser.add_argument('--request', metavar='REQUEST_ID')
        parser.add_argument('--project', metavar='PROJECT_ID')
        _add_page_arguments(parser, 'Start after this entry id.')
        parser.add_argument('--text', action='store_true',
                            help='Print the log as text lines, '
                                 '"[date time zone] TASK  status app user '
                                 'ip message", in [fault_persist] '
                                 'log_timezone.')
        parser.add_argument('--output', metavar='FILE',
                            help='With --text, write the lines to FILE.')
        return parser

    def _filters(self, parsed_args):
        return dict(app=parsed_args.app, user=parsed_args.user,
                    ip=parsed_args.ip, req=parsed_args.req,
                    status=parsed_args.status, since=parsed_args.since,
                    before=parsed_args.before, task_id=parsed_args.task,
                    instance_id=parsed_args.instance,
                    request_id=parsed_args.request,
                    project_id=parsed_args.project, limit=parsed_args.limit,
                    marker=parsed_args.marker)

    def run(self, parsed_args):
        if not parsed_args.text:
            return super().run(parsed_args)
        # Streamed: the lines are read a page at a time and written as
        # they come, so memory stays bounded whatever the size of the log.
        lines = cli.database_call(
            fault_persist.request_log_lines, cli_faults.admin_context(),
            **self._filters(parsed_args))
        if parsed_args.output:
            with open(parsed_args.output, 'w', encoding='utf-8') as stream:
                cli.database_call(_write_lines, lines, stream)
        else:
            cli.database_call(_write_lines, lines, sys.stdout)
        return 0

    def take_action(self, parsed_args):
        if parsed_args.output:
            raise fault_persist.exception.InvalidField(
                field='--output', value=parsed_args.output,
                reason='it goes with --text')
        entries = cli.database_call(
            fault_persist.list_request_log, cli_faults.admin_context(),
            **self._filters(parsed_args))
        cli.page_note(self.app, parsed_args, entries,
                      lambda entry: entry['id'])
        return ENTRY_COLUMNS, [[entry[column] for column in ENTRY_COLUMNS]
                               for entry in entries]


def _write_lines(lines, stream):
    for line in lines:
        stream.write(line + '\n')
