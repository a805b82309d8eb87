"""Turn a notification into an *event*: the fields fault_persist stores.

What to read where is data, not code: a definitions file (YAML, see
``etc/fault-persist/fault_definitions.yaml``) maps event-type patterns to
payload paths. The result of :meth:`Definitions.extract` is an event, a
plain dict that every later step shares (the fault store, the request
log, the spool)::

    {'kind': 'error' | 'start' | 'end',       # from recognise
     'message_id': str,                       # unique per notification
     'event_type': str, 'action': str,        # 'dbaas.instance_create'
     'priority': str or None, 'publisher_id': str or None,
     'timestamp': naive UTC datetime,         # when the service sent it
     'app': str or None,                      # 'trove', 'nova'
     'instance_id', 'project_id', 'user_id', 'request_id', 'ip', 'host',
     'message', 'details', 'code', 'target': str or None}

Every value is text (or ``None``) except ``timestamp``; secrets in
``message``, ``details`` and ``target`` are already masked and sizes
bounded.
"""

import datetime
import fnmatch
import os
import re

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
import yaml

from fault_persist import exception
from fault_persist import recognise
from fault_persist import sanitize

LOG = logging.getLogger(__name__)

DEFAULT_DEFINITIONS_FILE = os.path.join(os.path.dirname(__file__), 'data',
                                        'fault_definitions.yaml')

extract_opts = [
    cfg.StrOpt('definitions_file',
               help='YAML file of the definitions that say where each '
                    'service\'s notifications keep the instance id, message, '
                    'details and the other fields. By default the built-in '
                    'definitions (Trove, Nova, generic flat payloads), the '
                    'same as etc/fault-persist/fault_definitions.yaml.'),
]

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
    return [tuple(p.split('.')) for p in paths]


def lookup(document, segments):
    """Follow a path of dot-separated segments into nested mappings.

    Keys may contain dots themselves (``nova_object.data``): at each step
    the longest run of segments that names an existing key is taken.

    :param document: nested dicts (and lists, indexed by number).
    :param segments: a tuple of path segments.
    :returns: the value found, or ``None``.
    """
    if not isinstance(segments, tuple):
        segments = tuple(segments)
    runs = _key_runs(segments)
    node, start, end = document, 0, len(segments)
    while start < end:
        if isinstance(node, dict):
            for key, width in runs[start]:
                if key in node:
                    node, start = node[key], start + width
                    break
            else:
                return None
        elif isinstance(node, list) and segments[start].isdigit():
            index = int(segments[start])
            if index >= len(node):
                return None
            node, start = node[index], start + 1
        else:
            return None
    return node


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


def _present(value):
    return value not in (None, '', [], {})


class _Definition:

    def __init__(self, raw, where):
        if not isinstance(raw, dict):
            raise exception.InvalidDefinitions(where=where,
                                               reason='not a mapping')
        patterns = raw.get('event_types')
        if isinstance(patterns, str):
            patterns = [patterns]
        if not patterns or not all(isinstance(p, str) for p in patterns):
            raise exception.InvalidDefinitions(
                where=where, reason='"event_types" must list patterns')
        self.patterns = patterns
        self._regex = re.compile('|'.join(fnmatch.translate(p)
                                          for p in patterns))
        self.app = raw.get('app')
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

    def matches(self, event_type):
        return self._regex.match(event_type) is not None


class Definitions:
    """The extraction rules of a definitions file.

    Example::

        definitions = Definitions.load()     # the built-in definitions
        event = definitions.extract(ctxt, message, recognise.ERROR)
        event['instance_id'], event['message'], event['details']

    :param definitions: the parsed YAML: a list of mappings with
        ``event_types``, optional ``app`` and ``fields``.
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
        self._by_event_type = {}
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

    def definition_for(self, event_type):
        """The first definition matching ``event_type``, or ``None``."""
        try:
            return self._by_event_type[event_type]
        except KeyError:
            pass
        found = next((d for d in self._definitions
                      if d.matches(event_type)), None)
        if len(self._by_event_type) < 4096:
            self._by_event_type[event_type] = found
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
        :returns: the event dict described in this module's docstring.
            Never raises for odd payloads: missing values are ``None``.
        """
        ctxt = _context_dict(ctxt)
        event_type = message.get('event_type')
        event_type = event_type if isinstance(event_type, str) else ''
        document = dict(message)
        document['context'] = ctxt
        definition = self.definition_for(event_type)
        rules = definition.fields if definition else {}
        values = {}
        for name in FIELDS:
            values[name] = next(
                (value for value in (lookup(document, path)
                                     for path in rules.get(name, ()))
                 if _present(value)), None)
        for name, keys in _CONTEXT_FALLBACKS.items():
            if not _present(values[name]):
                values[name] = next((ctxt[k] for k in keys
                                     if _present(ctxt.get(k))), None)
        publisher_id = _text(message.get('publisher_id'))
        service, host = _split_publisher(publisher_id)
        event = {name: _text(values[name]) for name in FIELDS
                 if name not in ('message', 'details', 'target')}
        # The request log shows the target to members: masked as a
        # message is, before the event goes anywhere (the spool included).
        event['target'] = sanitize.clean_message(values['target']) or None
        event['details'] = sanitize.clean_details(
            values['details'], self.max_details_bytes) or None
        event['message'] = sanitize.clean_message(values['message']) or None
        event['code'] = event['code'] or _exception_class(event['details'])
        event['host'] = event['host'] or host
        event.update(
            kind=kind,
            message_id=_text(message.get('message_id'))
            or uuidutils.generate_uuid(),
            event_type=event_type,
            action=recognise.action_of(event_type),
            priority=_text(message.get('priority')),
            publisher_id=publisher_id,
            timestamp=_timestamp(message.get('timestamp')),
            app=(definition.app if definition and definition.app
                 else service))
        return event


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


def _text(value):
    if value is None:
        return None
    text = sanitize.to_text(value).strip()
    return text or None


def _split_publisher(publisher_id):
    """``('nova', 'compute')`` from ``'nova-compute:compute'``."""
    if not publisher_id:
        return None, None
    for separator in (':', '.'):
        if separator in publisher_id:
            service, host = publisher_id.split(separator, 1)
            break
    else:
        service, host = publisher_id, None
    return service.split('-')[0] or None, host or None


def _exception_class(details):
    if not details:
        return None
    last = details.rstrip().rsplit('\n', 1)[-1]
    match = _EXCEPTION_LINE.match(last)
    return match.group(1)[:64] if match else None


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
