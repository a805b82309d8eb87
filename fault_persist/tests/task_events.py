"""Task events made from the shared notification samples, for tests.

The samples are real Trove and Nova notifications; a start or end variant
is the same notification with another event type (and priority), as the
services send them. Each event goes through the real recognition and
extraction, so the request log is tested on what a capture hands it.
"""

import copy
import datetime
import json
import os

from oslo_utils import uuidutils

from fault_persist import extract
from fault_persist import recognise

SAMPLES = os.path.join(os.path.dirname(__file__), 'data', 'samples')
TROVE_ERROR = 'trove/dbaas-instance_create-error.json'
NOVA_START = 'nova/instance-create-start.json'
NOVA_ERROR = 'nova/instance-create-error.json'
TROVE_INSTANCE = '73cfc462-dd59-4dc1-9d32-95954171775f'
NOVA_INSTANCE = '178b0921-8f85-4257-88b6-2e743b5a975c'
SAMPLE_PROJECT = '6f70656e737461636b20342065766572'
T0 = datetime.datetime(2026, 5, 4, 10, 0, 0)

_RECOGNISER = recognise.Recogniser(['ERROR', 'CRITICAL'], ['*.error'],
                                   ['*.start'], ['*.end'])
_DEFINITIONS = extract.Definitions.load()


def _load(sample):
    with open(os.path.join(SAMPLES, sample), encoding='utf-8') as stream:
        return json.load(stream)


def notification_event(sample, event_type=None, priority=None,
                       timestamp=T0, message_id=None, context=None,
                       payload=None):
    """The event a capture makes of a (varied) sample notification.

    :param sample: the sample's path under ``tests/data/samples``.
    :param event_type: another event type, e.g. ``....start``.
    :param priority: another priority.
    :param timestamp: the naive UTC time the service sent it.
    :param message_id: its message id; a new one by default.
    :param context: the oslo.messaging context dict.
    :param payload: ``{key: value}`` replacing top-level payload keys.
    :returns: the event dict.
    """
    message = copy.deepcopy(_load(sample))
    if event_type:
        message['event_type'] = event_type
    if priority:
        message['priority'] = priority
    message['payload'].update(payload or {})
    message['message_id'] = message_id or uuidutils.generate_uuid()
    # oslo.messaging sends str(timeutils.utcnow()).
    message['timestamp'] = str(timestamp)
    kind = _RECOGNISER.kind(message['event_type'], message['priority'])
    return _DEFINITIONS.extract(context or {}, message, kind)


def trove_event(phase, request_id, timestamp=T0, **kwargs):
    """A Trove ``dbaas.instance_create.<phase>`` event (INFO priority)."""
    payload = dict(kwargs.pop('payload', {}), request_id=request_id)
    return notification_event(
        TROVE_ERROR, event_type='dbaas.instance_create.' + phase,
        priority='INFO', timestamp=timestamp, payload=payload, **kwargs)


def nova_event(phase, request_id, timestamp=T0, **kwargs):
    """A Nova ``instance.create.<phase>`` event; errors at ERROR priority.

    The request id comes from the context, as Nova's payloads carry none.
    """
    context = dict(kwargs.pop('context', {}), request_id=request_id,
                   user_id='fake', remote_address='192.0.2.7')
    if phase == 'error':
        return notification_event(NOVA_ERROR, timestamp=timestamp,
                                  context=context, **kwargs)
    return notification_event(
        NOVA_START, event_type='instance.create.' + phase, priority='INFO',
        timestamp=timestamp, context=context, **kwargs)


def seconds(count):
    """``T0`` plus ``count`` seconds."""
    return T0 + datetime.timedelta(seconds=count)
