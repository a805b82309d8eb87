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


UPSTREAM_DIR = os.path.join(SAMPLES_DIR, 'upstream')
# Nova's samples share documents through "$ref"; these are not
# notifications of their own.
_SHARED_DOCUMENTS = 'common_payloads'


def load_upstream(name):
    """An upstream notification sample with every ``$ref`` resolved.

    Resolves references the way Nova's notification sample tests do
    (``nova/tests/json_ref.py``): an object holding ``$ref`` becomes the
    referenced document, itself resolved, with the object's other keys
    resolved and merged over it, dicts key by key and anything else
    replaced. A reference's path is relative to the file that holds it.

    :param name: e.g. ``'nova/instance-create-error'``.
    :returns: the notification as a fresh dict: ``event_type``,
        ``payload``, ``priority`` and ``publisher_id``.
    """
    path = os.path.join(UPSTREAM_DIR, name + '.json')
    return _resolve(_read_json(path), os.path.dirname(path))


def upstream_names(service=None):
    """Every upstream sample's name, as :func:`load_upstream` takes it.

    :param service: e.g. ``'nova'``; every service's by default.
    :returns: the sorted names, without Nova's shared documents.
    """
    paths = glob.glob(os.path.join(UPSTREAM_DIR, service or '*', '*.json'))
    return sorted(os.path.relpath(path, UPSTREAM_DIR)[:-len('.json')]
                  for path in paths)


def _read_json(path):
    with open(path, encoding='utf-8') as stream:
        return json.load(stream)


def _resolve(value, base_dir):
    if isinstance(value, list):
        return [_resolve(item, base_dir) for item in value]
    if not isinstance(value, dict):
        return value
    if '$ref' not in value:
        return {key: _resolve(item, base_dir) for key, item in value.items()}
    file_path, _, json_path = value['$ref'].partition('#')
    if json_path:
        # Nova's samples never point inside a document; neither do we.
        raise ValueError('$ref %r points inside a document'
                         % value['$ref'])
    path = os.path.join(base_dir, file_path)
    document = _resolve(_read_json(path), os.path.dirname(path))
    overrides = {key: _resolve(item, base_dir)
                 for key, item in value.items() if key != '$ref'}
    return _merge(document, overrides)


def _merge(document, overrides):
    merged = dict(document)
    for key, override in overrides.items():
        if isinstance(merged.get(key), dict) and isinstance(override, dict):
            merged[key] = _merge(merged[key], override)
        else:
            merged[key] = override
    return merged
