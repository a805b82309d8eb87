"""The main job on the embedded SQLite database.

Plays two host services, a Trove-like and a Nova-like one, that enable
fault_persist through configuration alone::

    [oslo_messaging_notifications]
    driver = fault_persist

They send their real error notifications through an oslo.messaging
``Notifier``; the example then prints each instance's ``show`` table, as
an admin (with ``fault_details``) and as the instance's owner (without).
Run it with ``tools/run-example.sh``.
"""

import json
import os
import sys
import tempfile
import warnings

from oslo_config import cfg
from oslo_context import context
import prettytable

import fault_persist

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       os.pardir, 'fault_persist', 'tests', 'data',
                       'samples')
PROJECT_ID = '6f70656e737461636b20342065766572'

CONFIG = """
[oslo_messaging_notifications]
# Only fault_persist here; a real service would also send to the bus,
# one line per driver:
# driver = messagingv2
# driver = fault_persist
driver = fault_persist

[fault_persist]
state_path = {state_path}
auto_migrate = true
"""


def load_sample(name):
    with open(os.path.join(SAMPLES, name), encoding='utf-8') as stream:
        return json.load(stream)


def show_table(fault):
    """The spec's ``show`` rows of a fault, as a Property/Value table."""
    table = prettytable.PrettyTable(['Property', 'Value'])
    table.align = 'l'
    table.add_row(['fault_date', fault['created']])
    table.add_row(['fault_message', fault['message']])
    if 'details' in fault:
        table.add_row(['fault_details', fault['details']])
    return table


def send(conf, sample, publisher_id, ctxt):
    """Send a sample the way its service does: same priority and type."""
    # oslo.messaging imports oslo.service, which imports eventlet, which
    # warns on import that it is deprecated; nothing here runs eventlet.
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    import oslo_messaging
    transport = oslo_messaging.get_notification_transport(conf)
    notifier = oslo_messaging.Notifier(transport, publisher_id=publisher_id)
    method = getattr(notifier, sample['priority'].lower())
    method(ctxt, sample['event_type'], sample['payload'])


def main(state_path):
    config_file = os.path.join(state_path, 'service.conf')
    with open(config_file, 'w') as stream:
        stream.write(CONFIG.format(state_path=state_path))
    conf = cfg.ConfigOpts()
    conf(['--config-file', config_file], project='example')

    trove = load_sample('trove/dbaas-instance_create-error.json')
    nova = load_sample('nova/instance-create-error.json')
    owner = context.RequestContext(project_id=PROJECT_ID, user_id='alice',
                                   roles=['member'])
    # oslo.messaging takes the request's context object (it drops dicts).
    send(conf, trove, 'taskmanager.trove-host-1', owner)
    send(conf, nova, 'nova-compute:compute', owner)

    admin = context.RequestContext(project_id='admin', user_id='admin',
                                   roles=['admin'])
    for name, instance_id in (
            ('trove', trove['payload']['instance_id']),
            ('nova', nova['payload']['nova_object.data']['uuid'])):
        print('%s show %s, as admin' % (name, instance_id))
        print(show_table(fault_persist.get_fault(admin, instance_id)))
        print('%s show %s, as the owner' % (name, instance_id))
        print(show_table(fault_persist.get_fault(owner, instance_id)))
    return 0


if __name__ == '__main__':
    with tempfile.TemporaryDirectory() as state:
        sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else state))
