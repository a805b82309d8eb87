"""fault-persist commands on faults: ``show`` and ``fault list``."""

from cliff import lister
from oslo_context import context as o_context

import fault_persist
from fault_persist.cmd import cli
from fault_persist import exception


def admin_context():
    """The context of an operator: every project, with details."""
    return o_context.RequestContext(roles=['admin', 'member', 'reader'],
                                    is_admin=True)


def caller_context(parsed_args):
    """The context ``--admin`` or ``--project P`` asks to read as."""
    if parsed_args.project:
        return o_context.RequestContext(project_id=parsed_args.project,
                                        roles=['member', 'reader'])
    return admin_context()


def add_caller_arguments(parser, project_help):
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--admin', action='store_true',
                       help='Read as an admin (the default): every project, '
                            'with details.')
    group.add_argument('--project', metavar='PROJECT_ID', help=project_help)


class ShowFault(lister.Lister):
    """The latest fault of an instance, as the service's show view.

    A Property/Value table, as the specification draws it, rather than
    cliff's Field/Value one. With several instances, a list view: one row
    per instance that has a fault, read with one query
    (``fault_persist.get_faults``).
    """

    LIST_COLUMNS = ('instance_id', 'fault_date', 'fault_message')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('instance_ids', metavar='INSTANCE_ID', nargs='+',
                            help='The instance; several for a list of '
                                 'their faults (at most [api] max_limit).')
        add_caller_arguments(
            parser, 'Read as a member of this project: its own faults '
                    'only, without details.')
        return parser

    def take_action(self, parsed_args):
        if len(parsed_args.instance_ids) > 1:
            return self._list(parsed_args)
        [instance_id] = parsed_args.instance_ids
        fault = cli.database_call(fault_persist.get_fault,
                                  caller_context(parsed_args), instance_id)
        if fault is None:
            raise exception.FaultNotFound(instance_id=instance_id)
        rows = [('fault_date', fault['created']),
                ('fault_message', fault['message'])]
        if 'details' in fault:
            rows.append(('fault_details', fault['details']))
        return ('Property', 'Value'), rows

    def _list(self, parsed_args):
        faults = cli.database_call(fault_persist.get_faults,
                                   caller_context(parsed_args),
                                   parsed_args.instance_ids)
        details = any('details' in fault for fault in faults.values())
        columns = self.LIST_COLUMNS + (('fault_details',) if details
                                       else ())
        rows = []
        for instance_id in dict.fromkeys(
                value.strip() for value in parsed_args.instance_ids):
            fault = faults.get(instance_id)
            if fault is not None:
                rows.append([instance_id, fault['created'],
                             fault['message']] + (
                    [fault.get('details')] if details else []))
        return columns, rows


class ListFaults(lister.Lister):
    """Fault history, newest first, resolved faults included."""

    COLUMNS = ('id', 'instance_id', 'resource_type', 'project_id',
               'created', 'code', 'message', 'resolved_at')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--instance', metavar='INSTANCE_ID',
                            help='Only the faults of this resource (an '
                                 'instance, volume... or a host\'s name).')
        parser.add_argument('--resource-type', metavar='TYPE',
                            help='Only the faults of resources of this '
                                 'kind: instance, volume, backup, host...')
        parser.add_argument('--unresolved', action='store_true',
                            help='Leave out the faults resolved since (by '
                                 'a later successful task on the '
                                 'resource, or resolve_faults).')
        parser.add_argument('--project', metavar='PROJECT_ID',
                            help='Only this project\'s faults.')
        parser.add_argument('--since', metavar='TIME',
                            help='Only faults at or after this ISO 8601 '
                                 'time (UTC unless it has an offset).')
        parser.add_argument('--before', metavar='TIME',
                            help='Only faults before this ISO 8601 time.')
        parser.add_argument('--limit', metavar='N',
                            help='At most N faults (and at most [api] '
                                 'max_limit, the default).')
        parser.add_argument('--marker', metavar='FAULT_ID',
                            help='Start after this fault (the last id of '
                                 'the previous page).')
        parser.add_argument('--long', action='store_true',
                            help='Also show the details.')
        return parser

    def take_action(self, parsed_args):
        faults = cli.database_call(
            fault_persist.list_faults, admin_context(),
            instance_id=parsed_args.instance,
            project_id=parsed_args.project, since=parsed_args.since,
            before=parsed_args.before, limit=parsed_args.limit,
            marker=parsed_args.marker,
            resource_type=parsed_args.resource_type,
            unresolved=parsed_args.unresolved)
        cli.page_note(self.app, parsed_args, faults,
                      lambda fault: fault['id'])
        columns = self.COLUMNS + (('details',) if parsed_args.long else ())
        return columns, [[fault.get(column) for column in columns]
                         for fault in faults]
