"""Turn a notification into an *event*: the fields fault_persist stores.

What to read where is data, not code: a definitions file (YAML, see
``etc/fault-persist/fault_definitions.yaml`` and
``doc/source/user/definitions.rst``) maps event-type and publisher
patterns to payload paths and to the keys that name a resource. Every
definition that matches a notification is consulted, in the file's order;
for each field the first that yields a value wins. Versioned-object
envelopes are looked through and exception payloads found wherever they
sit (:mod:`fault_persist.payloads`), so a definition names plain paths.
The result of :meth:`Definitions.extract` is an
:class:`~fault_persist.events.Event`, every value cleaned once, here:
text stripped and bounded, secrets in ``message``, ``details`` and
``target`` masked, identifiers too long to match anything left out. An
error always has a resource (the publisher's host, of kind ``host``, when
the notification names none) and a human ``message``; every event has an
``app`` and a ``target``.
"""

import collections
import datetime
import fnmatch
import os
import re
import uuid

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
import yaml

from fault_persist import events
from fault_persist import exception
from fault_persist import payloads
from fault_persist import recognise
from fault_persist import resources
from fault_persist import sanitize

LOG = logging.getLogger(__name__)

DEFAULT_DEFINITIONS_FILE = os.path.join(os.path.dirname(__file__), 'data',
                                        'fault_definitions.yaml')

FIELDS = ('instance_id', 'project_id', 'user_id', 'request_id', 'ip',
          'host', 'message', 'details', 'code', 'target')
# Context keys that fill a field the payload lacks, in order.
_CONTEXT_FALLBACKS = {
    'project_id': ('project_id', 'tenant', 'project', 'tenant_id'),
    'user_id': ('user_id', 'user'),
    'request_id': ('request_id',),
    'ip': ('remote_address',),
}
# The class named on the last line of a Python traceback.
_EXCEPTION_LINE = re.compile(r'^\s*([A-Za-z_][\w.]*(?:Error|Exception|Fault|'
                             r'Failure|Exit|Interrupt|[A-Z]\w*))(?::|$)')


def _paths(value, where):
    paths = value if isinstance(value, list) else [value]
    if not paths or not all(isinstance(p, str) and p for p in paths):
        raise exception.InvalidDefinitions(
            where=where, reason='a path or a list of paths expected')
    return [_Path(_without_envelopes(tuple(p.split('.')))) for p in paths]


def _without_envelopes(segments):
    """A path without the envelope keys that :func:`lookup` looks through.

    ``payload.nova_object.data.uuid`` (the first definitions' form) reads
    as ``payload.uuid``.
    """
    kept = []
    skip = False
    for index, segment in enumerate(segments):
        if skip:
            skip = False
            continue
        if (segment.endswith('_object') and index + 1 < len(segments)
                and segments[index + 1] == 'data'):
            skip = True
            continue
        kept.append(segment)
    return tuple(kept)


def _patterns(raw, name, where):
    patterns = raw.get(name)
    if patterns is None:
        return None
    if isinstance(patterns, str):
        patterns = [patterns]
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise exception.InvalidDefinitions(
            where=where, reason='"%s" must list patterns' % name)
    return re.compile('|'.join(fnmatch.translate(p) for p in patterns))


def _kind(value, where):
    if not resources.valid_kind(value):
        raise exception.InvalidDefinitions(
            where=where, reason='resource kind %r is not a lower-case word '
            '(a-z, 0-9, _) of at most 32 characters' % (value,))
    return value


def _kind_items(raw, name, example, where):
    """``[(kind, value)]`` of a definition's list of one-key mappings.

    ``resource`` and ``resource_in_message`` both list ``{kind: ...}``.
    """
    items = raw.get(name) or []
    if not isinstance(items, list) or not all(
            isinstance(item, dict) and len(item) == 1 for item in items):
        raise exception.InvalidDefinitions(
            where=where, reason='"%s" must list one-key {kind: ...} '
            'mappings, e.g. %s' % (name, example))
    return [(_kind(kind, where), value)
            for item in items for kind, value in item.items()]


def _resource_rules(raw, where):
    """``[(kind, [path, ...]), ...]`` of a definition's ``resource`` list."""
    return [(kind, _paths(paths, '%s, resource %s' % (where, kind)))
            for kind, paths in _kind_items(
                raw, 'resource', '{backup: payload.backup_id}', where)]


def _message_patterns(raw, where):
    """``[(kind, regex)]`` of a definition's ``resource_in_message``."""
    parsed = []
    for kind, pattern in _kind_items(raw, 'resource_in_message',
                                     "{image: 'image ([0-9a-f-]{36})'}",
                                     where):
        try:
            regex = re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise exception.InvalidDefinitions(
                where=where,
                reason='resource_in_message %s: %s' % (kind, exc))
        if regex.groups != 1:
            raise exception.InvalidDefinitions(
                where=where, reason='resource_in_message %s: the expression '
                'must have one group, the id' % kind)
        parsed.append((kind, regex))
    return parsed


def _key_list(raw, name, where):
    keys = raw.get(name)
    if keys is None:
        return None
    if not isinstance(keys, list) or not all(
            isinstance(k, str) and k for k in keys):
        raise exception.InvalidDefinitions(
            where=where, reason='"%s" must list keys' % name)
    return keys


def lookup(document, segments):
    """Follow a path of dot-separated segments into nested mappings.

    Keys may contain dots themselves (``nova_object.data``): at each step
    the longest run of segments that names an existing key is taken.
    Versioned-object envelopes are looked through: ``payload.uuid`` finds
    ``payload['nova_object.data']['uuid']``.

    :param document: nested dicts (and lists, indexed by number).
    :param segments: a tuple of path segments.
    :returns: the value found, or ``None``.
    """
    if not isinstance(segments, tuple):
        segments = tuple(segments)
    return _follow(document, _Path(segments))


class _Path(collections.namedtuple('_Path', 'segments runs')):
    """A path of a definition, its key runs (see :func:`_key_runs`) made.

    Made once per path of the definitions, so that a look-up does not
    join the segments again, nor find its runs in a cache.
    """

    def __new__(cls, segments):
        return super().__new__(cls, segments, _key_runs(segments))


def _follow(document, path):
    """:func:`lookup` of a :class:`_Path`."""
    segments, runs = path
    node, start, end = document, 0, len(segments)
    hops = 0
    while start < end:
        if isinstance(node, dict):
            for key, width in runs[start]:
                if key in node:
                    node, start = node[key], start + width
                    break
            else:
                # Not found here: look through an envelope (small mappings
                # only, which spares the big ones a scan of their keys).
                data_key = (payloads.envelope_data_key(node)
                            if len(node) <= 6 else None)
                hops += 1
                if data_key is None or hops > payloads.MAX_DEPTH:
                    return None
                node = node[data_key]
        elif isinstance(node, list) and segments[start].isdigit():
            index = int(segments[start])
            if index >= len(node):
                return None
            node, start = node[index], start + 1
        else:
            return None
    if not isinstance(node, dict):
        # Text, numbers, lists: no envelope to look through.
        return node
    data_key = payloads.envelope_data_key(node)
    return node[data_key] if data_key is not None else node


_KEY_RUNS = {}


def _key_runs(segments):
    """The keys each position of a path may name, longest first.

    ``runs[start]`` lists ``(key, width)``: the segments from ``start``
    joined by dots, ``width`` of them. Paths are few (they come from the
    definitions), so the joins are made once per path, not per lookup.
    """
    runs = _KEY_RUNS.get(segments)
    if runs is None:
        runs = tuple(
            tuple(('.'.join(segments[start:start + width]), width)
                  for width in range(len(segments) - start, 0, -1))
            for start in range(len(segments)))
        if len(_KEY_RUNS) < 4096:
            _KEY_RUNS[segments] = runs
    return runs


class _Definition:

    def __init__(self, raw, where):
        if not isinstance(raw, dict):
            raise exception.InvalidDefinitions(where=where,
                                               reason='not a mapping')
        self._event_types = _patterns(raw, 'event_types', where)
        self._publishers = _patterns(raw, 'publishers', where)
        if self._event_types is None and self._publishers is None:
            raise exception.InvalidDefinitions(
                where=where, reason='"event_types" or "publishers" must '
                'list patterns')
        self.app = raw.get('app')
        if self.app is not None and not (
                isinstance(self.app, str) and self.app.strip()):
            raise exception.InvalidDefinitions(
                where=where, reason='"app" must be a name')
        kind = raw.get('resource_type')
        self.resource_type = None if kind is None else _kind(kind, where)
        fields = raw.get('fields') or {}
        if not isinstance(fields, dict):
            raise exception.InvalidDefinitions(
                where=where, reason='"fields" must be a mapping')
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise exception.InvalidDefinitions(
                where=where, reason='unknown fields %s; known: %s' % (
                    ', '.join(sorted(unknown)), ', '.join(FIELDS)))
        self.fields = {name: _paths(paths, '%s, field %s' % (where, name))
                       for name, paths in fields.items()}
        self.resources = _resource_rules(raw, where)
        if 'instance_id' in self.fields:
            # The first definitions' form: an instance id, or a resource
            # of the definition's resource_type.
            self.resources.append((self.resource_type or
                                   resources.DEFAULT_KIND,
                                   self.fields.pop('instance_id')))
        keys = _key_list(raw, 'resource_keys', where)
        self.ranking = None if keys is None else resources.KeyRanking(
            keys, _key_list(raw, 'not_resource_keys', where) or ())
        self.resource_in_message = _message_patterns(raw, where)

    def matches(self, event_type, service):
        return ((self._event_types is None
                 or self._event_types.match(event_type) is not None)
                and (self._publishers is None
                     or self._publishers.match(service or '') is not None))


class Definitions:
    """The extraction rules of a definitions file.

    Example::

        definitions = Definitions.load()     # the built-in definitions
        event = definitions.extract(ctxt, message, recognise.ERROR)
        event.instance_id, event.resource_type, event.message

    :param definitions: the parsed YAML: a list of mappings with
        ``event_types`` and/or ``publishers``, and optional ``app``,
        ``resource_type``, ``resource``, ``resource_keys``,
        ``not_resource_keys`` and ``fields``.
    :param source: where they came from, for error messages.
    :raises: :class:`~fault_persist.exception.InvalidDefinitions`.
    """

    def __init__(self, definitions, source='<definitions>',
                 max_details_bytes=sanitize.TEXT_MAX_BYTES):
        if not isinstance(definitions, list):
            raise exception.InvalidDefinitions(
                where=source, reason='a list of definitions expected')
        self._definitions = [
            _Definition(raw, '%s, definition %d' % (source, index + 1))
            for index, raw in enumerate(definitions)]
        self._matching = {}
        self.max_details_bytes = max_details_bytes

    @classmethod
    def load(cls, path=None, max_details_bytes=sanitize.TEXT_MAX_BYTES):
        """Read a definitions file; the built-in one by default.

        :raises: :class:`~fault_persist.exception.InvalidDefinitions` for a
            file that cannot be read or parsed, naming the file.
        """
        path = path or DEFAULT_DEFINITIONS_FILE
        try:
            with open(path, encoding='utf-8') as stream:
                raw = yaml.safe_load(stream)
        except (OSError, yaml.YAMLError) as exc:
            raise exception.InvalidDefinitions(where=path, reason=str(exc))
        return cls(raw, path, max_details_bytes)

    @classmethod
    def from_conf(cls, conf):
        """The definitions named by ``[fault_persist] definitions_file``."""
        return cls.load(conf.fault_persist.definitions_file,
                        conf.fault_persist.details_max_bytes)

    def matching(self, event_type, service=None):
        """What the definitions that apply to a notification say.

        Worked out once per event type and service, then remembered.

        :param event_type: its event type.
        :param service: the service part of its publisher id
            (``nova-compute`` of ``nova-compute:host1``).
        :returns: an :class:`_Applicable`.
        """
        key = (event_type, service)
        try:
            return self._matching[key]
        except KeyError:
            pass
        found = _Applicable.of(tuple(d for d in self._definitions
                                     if d.matches(event_type, service)))
        if len(self._matching) >= 4096:
            # Event types and services are few; a flood of odd ones must
            # not grow the host's memory without bound.
            self._matching.clear()
        self._matching[key] = found
        return found

    def extract(self, ctxt, message, kind):
        """The event of one notification.

        :param ctxt: the oslo.messaging context: a dict, or a context
            object with ``to_dict()`` (oslo.messaging hands the notifier
            drivers of a host the context as the host passed it, e.g. an
            oslo.context ``RequestContext``); anything else counts as
            empty.
        :param message: the notification: a dict with ``event_type``,
            ``payload``, ``priority``, ``publisher_id``, ``message_id``,
            ``timestamp``.
        :param kind: what :mod:`fault_persist.recognise` made of it.
        :returns: an :class:`~fault_persist.events.Event`, clean. Never
            raises for odd payloads: missing values are ``None``.
        """
        ctxt = _context_dict(ctxt)
        event_type = message.get('event_type')
        event_type = event_type if isinstance(event_type, str) else ''
        publisher_id = sanitize.bounded_text(message.get('publisher_id'))
        service, publisher_host = split_publisher(publisher_id)
        definitions = self.matching(event_type, service)
        document = dict(message)
        document['context'] = ctxt
        payload = message.get('payload')
        data_key = payloads.envelope_data_key(payload)
        if data_key is not None:
            # Versioned notifications: every path looks through the
            # payload's envelope; do it once.
            document['payload'] = payload[data_key]
        document['raw_payload'] = payload
        is_error = kind == recognise.ERROR
        if is_error:
            # The exception payload, wherever the service put it, is the
            # "error" of the definitions' paths.
            document['error'] = payloads.find_exception(payload)
        paths = definitions.fields
        values = {name: _first(document, paths[name], _READERS.get(name))
                  for name in (_EVENT_FIELDS if is_error else _PLAIN_FIELDS)}
        for name, keys in _CONTEXT_FALLBACKS.items():
            if not payloads.present(values.get(name)):
                values[name] = next((ctxt[k] for k in keys
                                     if payloads.present(ctxt.get(k))), None)
        host = (sanitize.bounded_text(values.get('host'),
                                      events.HOST_MAX_CHARS)
                or sanitize.bounded_text(publisher_host,
                                         events.HOST_MAX_CHARS))
        if is_error:
            details = sanitize.clean_details(
                values['details'], self.max_details_bytes) or None
            code = sanitize.bounded_text(
                values['code'] or _exception_class(details),
                events.CODE_MAX_CHARS)
            message_text = sanitize.clean_message(values['message']) or (
                _no_message(event_type, code))
        else:
            details = code = message_text = None
        resource_type, resource_id = _resource(
            document, definitions, event_type, message_text)
        if is_error and resource_id is None:
            # Nothing vanishes: an error about no resource is a fault of
            # the host (and service) that reported it.
            resource_type = resources.HOST_KIND
            resource_id = resources.resource_id(
                host or publisher_id) or UNKNOWN_HOST
        message_id = _message_id(message.get('message_id'))
        action = sanitize.bounded_text(recognise.action_of(event_type),
                                       events.ACTION_MAX_CHARS) or ''
        return events.Event(
            kind=kind,
            message_id=message_id,
            event_type=event_type[:events.EVENT_TYPE_MAX_CHARS],
            action=action,
            timestamp=_timestamp(message.get('timestamp')),
            app=_app(definitions.app or service, action),
            # The request log shows the target to members: masked as a
            # message is, before the event goes anywhere (the spool too).
            target=_target(values.get('target'), action, resource_id),
            instance_id=resource_id,
            resource_type=resource_type,
            project_id=_identifier(values, 'project_id', message_id),
            user_id=_identifier(values, 'user_id', message_id),
            request_id=_identifier(values, 'request_id', message_id),
            ip=_identifier(values, 'ip', message_id),
            host=host,
            priority=sanitize.bounded_text(message.get('priority'),
                                           events.PRIORITY_MAX_CHARS),
            publisher_id=sanitize.bounded_text(publisher_id,
                                               events.PUBLISHER_MAX_CHARS),
            message=message_text,
            details=details,
            code=code)


#: The id of a host-level fault whose publisher named no host.
UNKNOWN_HOST = 'unknown'
# Fields read as they are (text); message, details and code are read by
# what they must be.
_PLAIN_FIELDS = ('project_id', 'user_id', 'request_id', 'ip', 'host',
                 'target')
_EVENT_FIELDS = _PLAIN_FIELDS + ('message', 'details', 'code')
# What a value must be to count for a field.
_READERS = {
    'message': payloads.human_text,
    'code': payloads.error_code,
}


def _first(document, paths, read=None):
    """The first value of ``paths`` that says something.

    :param paths: :class:`_Path` objects, in the order they are tried.
    :param read: what makes of a value found what the field must be
        (see :data:`_READERS`); ``None`` takes it as it is.
    """
    for path in paths:
        value = _follow(document, path)
        if value is None:
            continue  # most paths find nothing, and readers make nothing of it
        if read is not None:
            value = read(value)
        if payloads.present(value):
            return value
    return None


class _Applicable(collections.namedtuple(
        '_Applicable',
        'all app resources ranking default_kind in_message fields')):
    """What the definitions that apply to a notification say, merged.

    ``all``: the definitions, in file order (each field: the first that
    gives a value). The first definition that names an ``app``, has
    ``resource`` rules, ``resource_keys`` (an empty list: no search), a
    ``resource_type``, or ``resource_in_message`` decides that.
    ``fields``: for each field, the paths of all the definitions in the
    order they are tried, each once, worked out once per event type and
    service.
    """

    @classmethod
    def of(cls, definitions):
        def first(attribute, unset=None):
            return next((getattr(d, attribute) for d in definitions
                         if getattr(d, attribute) not in (None, [], ())),
                        unset)
        fields = {name: _once(path for d in definitions
                              for path in d.fields.get(name, ()))
                  for name in _EVENT_FIELDS}
        return cls(definitions, first('app'), first('resources', ()),
                   next((d.ranking for d in definitions
                         if d.ranking is not None), None),
                   first('resource_type'), first('resource_in_message', ()),
                   fields)


def _once(paths):
    """``paths`` in order, each once.

    A path that gave nothing gives nothing again: the catch-all
    definition repeats paths of the specific ones.
    """
    return tuple(dict.fromkeys(paths))


def _resource(document, applicable, event_type, message):
    """``(kind, id)`` of the resource a notification names, or Nones.

    The ``resource`` rules of the first definition that has any decide
    what they find; then the ``resource_keys`` search; then
    ``resource_in_message`` reads the message.
    """
    for kind, paths in applicable.resources:
        for path in paths:
            found = resources.resource_id(_follow(document, path))
            if found is not None:
                return kind, found
    if applicable.ranking is not None:
        found = applicable.ranking.find(document.get('raw_payload'),
                                        event_type, applicable.default_kind)
        if found is not None:
            return found
    for kind, pattern in applicable.in_message:
        match = pattern.search(message or '')
        found = match and resources.resource_id(match.group(1))
        if found:
            return kind, found
    return None, None


def _no_message(event_type, code):
    """The message of an error that gave none: it says so, in words."""
    if code:
        return sanitize.clean_message(
            '%s (the notification gives no message)' % code)
    return sanitize.clean_message(
        '%s reported an error without a message or an error code'
        % (event_type or 'A service'))


def _context_dict(ctxt):
    if isinstance(ctxt, dict):
        return ctxt
    to_dict = getattr(ctxt, 'to_dict', None)
    if not callable(to_dict):
        return {}
    try:
        values = to_dict()
    except Exception as exc:  # noqa: a host's odd context must not stop us
        LOG.debug('Context %r could not be read (%s); ignored', ctxt, exc)
        return {}
    return values if isinstance(values, dict) else {}


# The namespace of the message ids made of ids too long to keep.
_LONG_MESSAGE_IDS = uuid.UUID('8b2c5a3e-3b0e-4c55-9c1f-6f0f3b1d2a77')


def _message_id(value):
    """The message id of a notification, at most 64 characters.

    A longer one (no oslo.messaging sends it) is replaced by a UUID made
    from it, so that its redeliveries are still recognised; a missing one
    by a new UUID.
    """
    text = sanitize.bounded_text(value)
    if text is None:
        return uuidutils.generate_uuid()
    if len(text) > events.ID_MAX_CHARS:
        return str(uuid.uuid5(_LONG_MESSAGE_IDS, text))
    return text


def _identifier(values, name, message_id):
    """An id the event keeps; ``None`` when too long to match anything."""
    text = sanitize.bounded_text(values.get(name))
    if text is not None and len(text) > events.ID_MAX_CHARS:
        LOG.warning('Notification %(message_id)s: %(name)s is longer than '
                    '%(limit)d characters and is left out',
                    {'message_id': message_id, 'name': name,
                     'limit': events.ID_MAX_CHARS})
        return None
    return text


def _app(named, action):
    """The app of an event.

    Named by a definition or the publisher, else the action's first word,
    else :data:`~fault_persist.events.UNKNOWN_APP`.
    """
    return (sanitize.bounded_text(named, events.APP_MAX_CHARS)
            or sanitize.bounded_text(action.split('.')[0],
                                     events.APP_MAX_CHARS)
            or events.UNKNOWN_APP)


def _target(value, action, resource_id):
    """What the task acts on, masked: members read the request log.

    The notification's own target when a definition names one, else the
    action and, when known, the resource.
    """
    return (sanitize.clean_message(value, events.TARGET_MAX_CHARS)
            or sanitize.clean_message(
                ' '.join(filter(None, (action, resource_id))),
                events.TARGET_MAX_CHARS))


def split_publisher(publisher_id):
    """The service and the host of a publisher id.

    ``<service>:<host>`` or ``<service>.<host>``; the first separator
    splits, so a host may be a dotted name, and a service keeps its
    hyphens: ``('nova-compute', 'host1.example.com')`` from
    ``'nova-compute:host1.example.com'``, ``('compute', 'host1')`` from
    ``'compute.host1'``.

    :param publisher_id: the notification's publisher id, or ``None``.
    :returns: ``(service, host)``, each ``None`` when absent.
    """
    if not publisher_id:
        return None, None
    separator = ':' if ':' in publisher_id else '.'
    service, _sep, host = publisher_id.partition(separator)
    return service.strip() or None, host.strip() or None


def _exception_class(details):
    if not details:
        return None
    last = details.rstrip().rsplit('\n', 1)[-1]
    match = _EXCEPTION_LINE.match(last)
    # The class, without its module: "GuestError" of
    # "trove.common.exception.GuestError: ...".
    return match.group(1).rsplit('.', 1)[-1][:64] if match else None


def _timestamp(value):
    if isinstance(value, str):
        try:
            # oslo.messaging writes str(utcnow()): read in C, at once.
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            try:
                parsed = timeutils.parse_isotime(value)
            except ValueError:
                LOG.debug('Unreadable notification timestamp %r; using '
                          'now', value)
                return timeutils.utcnow()
        return timeutils.normalize_time(parsed)
    return timeutils.utcnow()
