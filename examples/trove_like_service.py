"""A Trove-like service with fault_persist: the integration guide's example.

The guide (doc/source/user/integration.rst) includes this file; a test
runs it, so the guide cannot drift from the API. Run it alone with::

    .venv/bin/python examples/trove_like_service.py
"""

import sys
import tempfile
import traceback

from oslo_config import cfg
from oslo_context import context as o_context
import oslo_messaging

import fault_persist

# 1. Configuration only: the service's notifications also go to
#    fault_persist. A real service has a real transport_url (RabbitMQ);
#    "fake:/" is oslo.messaging's in-memory bus.
SERVICE_CONF = """
[DEFAULT]
transport_url = fake:/

[oslo_messaging_notifications]
driver = messagingv2
driver = fault_persist

[fault_persist]
state_path = {state_path}
auto_migrate = true
"""


class GuestError(Exception):
    """What the guest agent raises when a database cannot be prepared."""


class DatabaseService:
    """A tiny DBaaS task manager: create, resize, show, delete instances."""

    def __init__(self, conf):
        self.conf = conf
        # 2. Once at start-up (the driver would also do it on first use).
        fault_persist.init(conf)
        transport = oslo_messaging.get_notification_transport(conf)
        self.notifier = oslo_messaging.Notifier(
            transport, publisher_id='taskmanager.trove-host-1')
        self.instances = {}

    def create_instance(self, context, instance_id, flavor):
        """Asynchronous work announced by notifications, as Trove does."""
        self.instances[instance_id] = 'BUILD'
        payload = {'instance_id': instance_id, 'tenant_id':
                   context.project_id, 'request_id': context.request_id,
                   'client_ip': '10.0.0.15', 'server_type': 'taskmanager'}
        # oslo.messaging takes the context object itself (it drops dicts).
        ctxt = context
        self.notifier.info(ctxt, 'dbaas.instance_create.start', payload)
        try:
            self._prepare_guest(flavor)
        except GuestError as exc:
            self.instances[instance_id] = 'ERROR'
            # Trove's notify_exc_info: INFO priority, ".error" event type,
            # the traceback as a list of lines. fault_persist stores it as
            # the instance's fault and as the failure of the task.
            self.notifier.info(ctxt, 'dbaas.instance_create.error', dict(
                payload, message=str(exc),
                exception=traceback.format_exception(*sys.exc_info())))
            return
        self.instances[instance_id] = 'ACTIVE'
        self.notifier.info(ctxt, 'dbaas.instance_create.end', payload)

    def resize_volume(self, context, instance_id, size_gb):
        """Work that sends no notification: track and record it directly."""
        target = 'resize_volume %s' % instance_id
        with fault_persist.track_task(context, 'trove', target,
                                      instance_id=instance_id):
            try:
                self._grow_volume(size_gb)
            except ValueError:
                # 3. The direct call, for errors no notification carries.
                fault_persist.save_fault(
                    context, instance_id,
                    'Volume of %s cannot grow to %d GB' % (instance_id,
                                                           size_gb),
                    exc_info=True)
                raise

    def show(self, context, instance_id):
        """The show view: 4. the latest fault, details for admins only."""
        view = {'id': instance_id, 'status': self.instances[instance_id]}
        fault = fault_persist.get_fault(context, instance_id)
        if fault:
            view['fault'] = fault
        return view

    def delete(self, context, instance_id):
        """5. Faults go with the instance (soft delete; purge later)."""
        del self.instances[instance_id]
        fault_persist.delete_faults(context, instance_id)

    def _prepare_guest(self, flavor):
        if flavor == 'tiny':
            raise GuestError('A guest error occurred')

    def _grow_volume(self, size_gb):
        if size_gb > 100:
            raise ValueError('quota exceeded: %d GB' % size_gb)


def run(state_path, out=sys.stdout):
    """The scenario of the guide; returns what an admin and a user saw."""
    config_file = state_path + '/service.conf'
    with open(config_file, 'w') as stream:
        stream.write(SERVICE_CONF.format(state_path=state_path))
    conf = cfg.ConfigOpts()
    conf(['--config-file', config_file], project='trove-like')
    service = DatabaseService(conf)

    def user():
        # Each API request has a context, and a request id, of its own.
        return o_context.RequestContext(project_id='project-a',
                                        user_id='alice', roles=['member'])

    admin = o_context.RequestContext(project_id='admin', user_id='admin',
                                     roles=['admin'])
    service.create_instance(user(), 'db-1', 'tiny')      # fails
    service.create_instance(user(), 'db-2', 'large')     # succeeds
    try:
        service.resize_volume(user(), 'db-2', 500)       # fails, re-raised
    except ValueError:
        pass

    # The driver stores task starts and ends in the background; a service
    # flushes when it stops. Here, so that the log below is complete.
    fault_persist.flush()
    seen = {'user': service.show(user(), 'db-1'),
            'admin': service.show(admin, 'db-1'),
            'resized': service.show(user(), 'db-2'),
            'log': list(fault_persist.request_log_lines(admin))}
    for name in ('user', 'admin', 'resized'):
        print('%s: %s' % (name, seen[name]), file=out)
    print('request log:', file=out)
    for line in seen['log']:
        print('  ' + line, file=out)

    service.delete(admin, 'db-1')
    seen['deleted'] = fault_persist.get_fault(admin, 'db-1')
    return seen


if __name__ == '__main__':
    with tempfile.TemporaryDirectory() as state:
        run(state)
