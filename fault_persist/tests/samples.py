"""The real notification samples of ``shared/samples``, as test data."""

import copy
import glob
import json
import os

SAMPLES_DIR = os.path.join(os.path.dirname(__file__), 'data', 'samples')


def load(name):
    """A sample notification, as a fresh dict.

    :param name: e.g. ``'trove/dbaas-instance_create-error'``.
    """
    with open(os.path.join(SAMPLES_DIR, name + '.json'),
              encoding='utf-8') as stream:
        return json.load(stream)


def names():
    """Every sample's name, as :func:`load` takes it."""
    paths = glob.glob(os.path.join(SAMPLES_DIR, '*', '*.json'))
    return sorted(os.path.relpath(path, SAMPLES_DIR)[:-len('.json')]
                  for path in paths)


def variant(name, **changes):
    """A copy of a sample with top-level keys changed."""
    message = copy.deepcopy(load(name))
    message.update(changes)
    return message


def incoming(name, message_id):
    """A sample as oslo.messaging's batch dispatcher hands it to a listener.

    :param name: as :func:`load` takes it.
    :param message_id: the message's id.
    """
    sample = load(name)
    return {'ctxt': {'request_id': 'req-ctx'},
            'publisher_id': sample['publisher_id'],
            'event_type': sample['event_type'],
            'payload': sample['payload'],
            'metadata': {'message_id': message_id,
                         'timestamp': '2026-11-22 10:00:00.000000'}}
