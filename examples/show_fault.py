"""The main job on the embedded SQLite database: record faults, show one.

Run it with ``tools/run-example.sh``. It plays a host service: it
configures fault_persist through oslo.config alone, records a fault with
the direct call, and prints the ``show`` table of the instance as an admin
and as the instance's owner.
"""

import sys
import tempfile

from oslo_config import cfg
from oslo_context import context
import prettytable

import fault_persist

INSTANCE_ID = '73cfc462-dd59-4dc1-9d32-95954171775f'
PROJECT_ID = '6f70656e737461636b20342065766572'


def show_table(fault):
    """The spec's ``show`` rows of a fault, as a Property/Value table."""
    table = prettytable.PrettyTable(['Property', 'Value'])
    table.align = 'l'
    table.add_row(['fault_date', fault['created']])
    table.add_row(['fault_message', fault['message']])
    if 'details' in fault:
        table.add_row(['fault_details', fault['details']])
    return table


def main(state_path):
    conf = cfg.ConfigOpts()
    conf([], project='example')
    fault_persist.set_defaults(conf, state_path=state_path, auto_migrate=True)
    fault_persist.init(conf)

    owner = context.RequestContext(project_id=PROJECT_ID, user_id='alice',
                                   roles=['member'])
    admin = context.RequestContext(project_id='admin', user_id='admin',
                                   roles=['admin'])
    try:
        raise RuntimeError('A guest error occurred')
    except RuntimeError:
        fault_persist.save_fault(owner, INSTANCE_ID, 'A guest error occurred',
                                 exc_info=True)

    print('show %s (admin)' % INSTANCE_ID)
    print(show_table(fault_persist.get_fault(admin, INSTANCE_ID)))
    print('show %s (owner)' % INSTANCE_ID)
    print(show_table(fault_persist.get_fault(owner, INSTANCE_ID)))


if __name__ == '__main__':
    with tempfile.TemporaryDirectory() as state:
        sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else state))
