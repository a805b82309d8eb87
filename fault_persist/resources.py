"""Which resource a notification is about, found by its keys.

A service names the resource an action failed on in many ways: Nova's
``uuid`` inside an ``InstanceActionPayload``, the conductor's
``instance_uuid``, Cinder's ``volume_id``, a plain ``resource_id``. A
:class:`KeyRanking` (from the definitions file, see
:mod:`fault_persist.extract`) says which keys name a resource, best
first, and which never do; :meth:`KeyRanking.find` returns the kind and
the id.
"""

import re

from fault_persist import payloads

#: The kind of a resource when neither its key nor its object names one.
DEFAULT_KIND = 'instance'
#: The kind of a fault that names no resource: the publisher's host.
HOST_KIND = 'host'
ID_MAX_CHARS = 64
# How deep into a payload a resource is looked for: the payload, its
# object, one object inside it (``args.instance``).
MAX_DEPTH = 3
_KIND = re.compile(r'^[a-z][a-z0-9_]{0,31}$')
_CAMEL_WORD = re.compile(r'[A-Z][a-z0-9]*|[a-z0-9]+')
# Parts of a payload that never hold the failing resource.
_SKIPPED = frozenset(('context', 'exception', 'fault', 'reason', 'error'))
_SPLIT = re.compile(r'[._]')


def kind_of_object(name):
    """The kind an object name stands for: its first word, lower case.

    ``InstanceActionPayload`` is an ``instance``, ``NodeSetPowerState
    Payload`` a ``node``.

    :param name: an oslo.versionedobjects class name, or ``None``.
    :returns: the kind, or ``None``.
    """
    if not name:
        return None
    words = _CAMEL_WORD.findall(name)
    kind = words[0].lower() if words else None
    return kind if kind and _KIND.match(kind) else None


def valid_kind(kind):
    """Whether ``kind`` is a resource kind: a short lower-case word."""
    return isinstance(kind, str) and _KIND.match(kind) is not None


def resource_id(value):
    """``value`` as a resource id, or ``None`` when it cannot be one.

    :param value: text or an integer (not a boolean).
    :returns: stripped text of 1 to :data:`ID_MAX_CHARS` printable
        characters, or ``None``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > ID_MAX_CHARS or not text.isprintable():
        return None
    return text


class KeyRanking:
    """The keys that name a resource, best first.

    Example::

        ranking = KeyRanking(['uuid', '*_uuid', '*_id', 'resource_id',
                              'id'], ignored=['project_id', 'user_id'])
        ranking.find({'volume_id': 'v-1', 'project_id': 'p'},
                     'volume.create.error')          # ('volume', 'v-1')

    :param keys: key patterns: a key (``uuid``) or ``*_<suffix>``, whose
        star is the kind (``*_id`` finds ``volume_id``, a ``volume``).
    :param ignored: keys that never name the failing resource.
    """

    def __init__(self, keys, ignored=()):
        self._exact = {}
        self._suffixes = []
        for rank, pattern in enumerate(keys):
            if pattern.startswith('*'):
                self._suffixes.append((pattern[1:], rank))
            else:
                self._exact.setdefault(pattern, rank)
        self._ignored = frozenset(ignored)

    def _rank(self, key):
        """``(rank, kind or None)`` of a key, or ``None``."""
        if not isinstance(key, str) or key in self._ignored:
            return None
        rank = self._exact.get(key)
        if rank is not None:
            return rank, None
        for suffix, rank in self._suffixes:
            if key.endswith(suffix) and len(key) > len(suffix):
                kind = key[:-len(suffix)]
                if valid_kind(kind):
                    return rank, kind
        return None

    def find(self, payload, event_type='', default_kind=None):
        """The kind and id of the resource ``payload`` names.

        The shallowest key wins, then the best ranked; among keys of one
        rank, one whose kind is a word of the event type
        (``volume.create.error`` prefers ``volume_id`` to
        ``snapshot_id``), then the first. Exception payloads and the
        context are not searched. The kind is the key's (``volume`` of
        ``volume_id``), else the first word of the object that holds the
        key (``node`` of ``NodePayload``), else ``default_kind``.

        :param payload: a notification's payload, envelopes and all.
        :param event_type: the notification's event type.
        :param default_kind: the kind of a key that names none.
        :returns: ``(kind, id)`` or ``None``.
        """
        words = frozenset(_SPLIT.split(event_type or ''))
        best = None
        for path, node, name in payloads.walk(payload):
            if len(path) > MAX_DEPTH or (
                    best is not None and len(path) > best[0][0]):
                break
            if _SKIPPED.intersection(path) or any(
                    isinstance(step, int) for step in path) or (
                    payloads.is_exception_payload(node, name)):
                # Not the failing resource: who asked, what was raised, or
                # one of many items of a list.
                continue
            for key, value in node.items():
                ranked = self._rank(key)
                if ranked is None:
                    continue
                found = resource_id(value)
                if found is None:
                    continue
                rank, kind = ranked
                kind = kind or kind_of_object(name) or default_kind or (
                    DEFAULT_KIND)
                order = (len(path), rank, kind not in words)
                if best is None or order < best[0]:
                    best = (order, kind, found)
        return (best[1], best[2]) if best else None
