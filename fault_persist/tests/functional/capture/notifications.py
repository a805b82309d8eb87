"""Error notifications made from the shared samples, each one unique.

The samples in ``fault_persist/tests/data/samples`` are real payloads of
Trove (``dbaas.*.error`` at INFO priority, flat payload) and Nova
(versioned payloads at ERROR priority). Tests send many of them, so each
copy gets an instance id of its own.
"""

import copy
import glob
import json
import os

from oslo_context import context as o_context
from oslo_utils import uuidutils

SAMPLES_DIR = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                           'data', 'samples')


def _load(service):
    samples = []
    for path in sorted(glob.glob(os.path.join(SAMPLES_DIR, service,
                                              '*.json'))):
        with open(path, encoding='utf-8') as stream:
            samples.append(json.load(stream))
    return samples


class Notification:
    """One notification to send: priority, event type, payload, context.

    :param priority: the oslo.messaging priority, upper case.
    :param event_type: the event type.
    :param payload: the payload dict.
    :param instance_id: the instance the notification names, or ``None``.
    :param message: the fault message we expect to be stored.

    ``request_id`` is the request id we expect to be stored: the
    payload's, else the context's.
    """

    def __init__(self, priority, event_type, payload, instance_id, message):
        self.priority = priority
        self.event_type = event_type
        self.payload = payload
        self.instance_id = instance_id
        self.message = message
        # Notifier drops a plain dict context: hosts pass a context object.
        self.context = o_context.RequestContext(
            project_id='project-functional', user_id='user-functional')
        self.request_id = payload.get('request_id', self.context.request_id)

    @property
    def is_error(self):
        return self.priority in ('ERROR', 'CRITICAL') or (
            self.event_type.endswith('.error'))

    def send(self, notifier):
        """Send through an ``oslo_messaging.Notifier``."""
        method = getattr(notifier, self.priority.lower())
        method(self.context, self.event_type, self.payload)


def trove_errors():
    """Fresh copies of the Trove error samples, unique instance ids.

    Each copy is a request of its own, with a request id of its own.
    """
    result = []
    for sample in _load('trove'):
        payload = copy.deepcopy(sample['payload'])
        payload['instance_id'] = uuidutils.generate_uuid()
        payload['request_id'] = 'req-' + uuidutils.generate_uuid()
        result.append(Notification(sample['priority'], sample['event_type'],
                                   payload, payload['instance_id'],
                                   payload['message']))
    return result


def nova_errors():
    """Fresh copies of the Nova error samples, unique instance ids."""
    result = []
    for sample in _load('nova'):
        if not sample['event_type'].endswith('.error'):
            continue
        payload = copy.deepcopy(sample['payload'])
        data = payload['nova_object.data']
        data['uuid'] = uuidutils.generate_uuid()
        fault = data['fault']['nova_object.data']
        result.append(Notification(sample['priority'], sample['event_type'],
                                   payload, data['uuid'],
                                   fault['exception_message']))
    return result


def errors(count):
    """``count`` error notifications, Trove and Nova ones in turn."""
    result = []
    while len(result) < count:
        result.extend(trove_errors())
        result.extend(nova_errors())
    return result[:count]


def task_pair(trove=True):
    """The start and the end notification of one task, a fresh instance.

    :param trove: a Trove ``dbaas.instance_create`` task (request id in
        the payload) or a Nova ``instance.create`` one (request id in the
        context), both at INFO priority as the services send them.
    """
    if trove:
        sample = _load('trove')[0]
        payload = copy.deepcopy(sample['payload'])
        for key in ('exception', 'message'):
            payload.pop(key, None)
        payload['instance_id'] = uuidutils.generate_uuid()
        payload['request_id'] = 'req-' + uuidutils.generate_uuid()
        instance_id, base = payload['instance_id'], 'dbaas.instance_create'
    else:
        sample = next(sample for sample in _load('nova')
                      if sample['event_type'] == 'instance.create.start')
        payload = copy.deepcopy(sample['payload'])
        instance_id = uuidutils.generate_uuid()
        payload['nova_object.data']['uuid'] = instance_id
        base = 'instance.create'
    start, end = (Notification('INFO', base + phase, payload, instance_id,
                               None)
                  for phase in ('.start', '.end'))
    end.context = start.context
    end.request_id = start.request_id
    return [start, end]


def noise():
    """Notifications that are not errors: none of them is a fault."""
    result = []
    for sample in _load('nova'):
        if sample['event_type'].endswith('.error'):
            continue
        payload = copy.deepcopy(sample['payload'])
        payload['nova_object.data']['uuid'] = uuidutils.generate_uuid()
        result.append(Notification(sample['priority'], sample['event_type'],
                                   payload, None, None))
    result.append(Notification('INFO', 'compute.metrics.update',
                               {'host': 'compute-1', 'cpu': 3}, None, None))
    result.append(Notification('WARN', 'volume.usage',
                               {'volume_id': uuidutils.generate_uuid()},
                               None, None))
    return result
