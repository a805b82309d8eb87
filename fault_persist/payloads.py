"""Read the payload of any service's notification, without knowing it.

Pure functions over the JSON-like values oslo.messaging delivers; none
raises on odd input and none walks further than a fixed depth or number
of nodes, so a hostile payload costs a bounded amount of work.

Three things are found here by *shape*, whatever the service:

- **Versioned objects.** oslo.versionedobjects serialises an object as an
  envelope ``{'<ns>_object.name': ..., '<ns>_object.data': {...},
  '<ns>_object.namespace': ..., '<ns>_object.version': ...}`` for every
  namespace (``nova``, ``ironic``, ...). :func:`walk` looks through every
  envelope, at any depth (as :func:`fault_persist.extract.lookup` does on
  a path); :func:`object_name` tells what an envelope held.
- **Exception payloads.** Nova's and Ironic's ``ExceptionPayload`` (and any
  mapping of that shape: ``exception`` with ``exception_message``,
  ``traceback``, ``function_name`` or ``module_name``) wherever it sits:
  :func:`find_exception`.
- **Human text.** A reason may arrive as text or as a dict around text
  (``{"kwargs": {"code": 500, "reason": "..."}}``): :func:`human_text`
  finds the sentence inside, :func:`error_code` a code.
"""

import ast
import re

#: How deep the searches go; payloads nest a few levels.
MAX_DEPTH = 12
#: How many mappings a search looks at, at most.
MAX_NODES = 2000

_DATA_SUFFIX = '_object.data'
_NAME_SUFFIX = '_object.name'
# An envelope holds name, namespace, version, data and, at most, changes.
_ENVELOPE_MAX_KEYS = 6

# Keys whose text value is an exception's message, most telling first.
_EXCEPTION_MESSAGE_KEYS = ('exception_message', 'message', 'msg')
# Keys of a mapping that says why something failed, most telling first.
HUMAN_TEXT_KEYS = ('exception_message', 'message', 'reason', 'state_reason',
                   'error_message', 'last_error', 'error', 'msg',
                   'detail', 'details')
# Keys that carry a short error code inside a mapping.
_CODE_KEYS = ('code', 'error_code', 'exception_class', 'exception')
# A code is one token: a class name, a dotted path or a service's code.
_CODE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:\-]{0,63}$')
# A traceback's first line.
_TRACEBACK_HEAD = 'Traceback (most recent call last)'
# An exception as oslo.serialization's to_primitive() sends it: its repr,
# "NoValidBackend('No valid backend was found.')".
_EXCEPTION_REPR = re.compile(r'^([A-Za-z_][\w.]*)\((.*)\)$', re.DOTALL)
# A repr longer than this is not parsed (literal_eval's cost grows with it).
_REPR_MAX_CHARS = 65536


def exception_repr(text):
    """The class and message of an exception's ``repr()``, or ``None``.

    Legacy (unversioned) notifications carry exceptions through
    ``to_primitive()``, which gives ``ClassName('message', ...)``.

    :param text: a ``str``.
    :returns: ``(class name, message or None)``, or ``None`` when ``text``
        is not such a repr.
    """
    if len(text) > _REPR_MAX_CHARS or not text.endswith(')'):
        return None
    match = _EXCEPTION_REPR.match(text)
    if match is None or not match.group(1)[-1:].isalnum():
        return None
    try:
        args = ast.literal_eval('(%s,)' % match.group(2)) if match.group(
            2).strip() else ()
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    message = next((arg for arg in args if isinstance(arg, str)
                    and arg.strip()), None)
    return match.group(1).rsplit('.', 1)[-1], message


def envelope_data_key(value):
    """The ``<ns>_object.data`` key of an envelope, or ``None``.

    :param value: anything.
    """
    if not isinstance(value, dict) or len(value) > _ENVELOPE_MAX_KEYS:
        return None
    for key in value:
        if isinstance(key, str) and key.endswith(_DATA_SUFFIX):
            return key
    return None


def object_name(value):
    """The class name an envelope holds (``InstanceActionPayload``).

    :param value: anything.
    :returns: the ``<ns>_object.name`` text, or ``None``.
    """
    if not isinstance(value, dict):
        return None
    for key, name in value.items():
        if isinstance(key, str) and key.endswith(_NAME_SUFFIX):
            return name if isinstance(name, str) else None
    return None


def walk(value):
    """Every mapping inside ``value``, breadth first, with its path.

    Envelopes are looked through (their data is yielded, named by the
    envelope's key). Bounded by :data:`MAX_DEPTH` and :data:`MAX_NODES`.

    :param value: a JSON-like value.
    :returns: an iterator of ``(path, mapping, object name or None)``;
        ``path`` is a tuple of the keys (and list indexes) leading there.
    """
    queue = [((), value)]
    seen = 0
    while queue and seen < MAX_NODES:
        next_queue = []
        for path, node in queue:
            name = None
            key = envelope_data_key(node)
            while key is not None and len(path) <= MAX_DEPTH:
                name = object_name(node)
                node = node[key]
                key = envelope_data_key(node)
            if isinstance(node, dict):
                seen += 1
                yield path, node, name
                children = node.items()
            elif isinstance(node, list):
                children = enumerate(node)
            else:
                continue
            if len(path) >= MAX_DEPTH:
                continue
            for child_key, child in children:
                if isinstance(child, (dict, list)):
                    next_queue.append((path + (child_key,), child))
            if seen >= MAX_NODES:
                break
        queue = next_queue


def is_exception_payload(node, name=None):
    """Whether a mapping is an exception payload (see :func:`find_exception`).

    :param node: a mapping (an envelope's data).
    :param name: the envelope's object name, if any.
    """
    if name is not None and name.endswith('ExceptionPayload'):
        return True
    exc = node.get('exception')
    if not isinstance(exc, str) or not exc:
        return False
    return any(key in node for key in ('exception_message', 'traceback',
                                       'function_name', 'module_name'))


def find_exception(payload, preferred_keys=('fault', 'reason', 'exception',
                                            'error')):
    """The exception payload inside ``payload``, wherever it sits.

    A mapping is one when its object name ends in ``ExceptionPayload`` or
    when it has a text ``exception`` (the class) next to
    ``exception_message``, ``traceback``, ``function_name`` or
    ``module_name``. The shallowest wins; among equals, one under a key of
    ``preferred_keys``.

    :param payload: a notification's payload, envelopes and all.
    :returns: ``{'class', 'message', 'traceback', 'function', 'module',
        'summary'}`` (values as found, or ``None``; ``summary`` is the class,
        message, module and function as text), or ``None`` when there is
        none.
    """
    best = _at_preferred_key(payload, preferred_keys)
    if best is not None:
        return _exception_parts(best)
    for path, node, name in walk(payload):
        if best is not None and len(path) > len(best[0]):
            break
        if not is_exception_payload(node, name):
            continue
        preferred = bool(path) and path[-1] in preferred_keys
        if best is None or (preferred and not best[2]):
            best = (path, node, preferred)
    return None if best is None else _exception_parts(best[1])


def _at_preferred_key(payload, preferred_keys):
    """The exception payload right under a preferred key, the usual place.

    Nova's ``fault`` and ``reason`` sit there: found without a walk.
    """
    key = envelope_data_key(payload)
    data = payload[key] if key is not None else payload
    if not isinstance(data, dict) or is_exception_payload(
            data, object_name(payload)):
        return None
    for name in preferred_keys:
        value = data.get(name)
        key = envelope_data_key(value)
        node = value[key] if key is not None else value
        if isinstance(node, dict) and is_exception_payload(
                node, object_name(value)):
            return node
    return None


def _exception_parts(node):
    parts = {
        'class': node.get('exception'),
        'message': next((node[key] for key in _EXCEPTION_MESSAGE_KEYS
                         if present(node.get(key))), None),
        'traceback': node.get('traceback'),
        'function': node.get('function_name'),
        'module': node.get('module_name'),
    }
    parts['summary'] = _summary(parts)
    return parts


def _summary(parts):
    """Details for an exception payload that carries no traceback.

    What a traceback's last lines would say, in its words:
    ``FlavorDiskTooSmall: The created instance's disk would be too small.``
    then ``raised in nova.compute.manager, function _build_resources``.
    """
    if not any(isinstance(parts[name], str) and parts[name]
               for name in ('class', 'message', 'function', 'module')):
        return None
    head = ': '.join(str(parts[name]) for name in ('class', 'message')
                     if present(parts[name]))
    where = ', '.join(filter(None, (
        'raised in %s' % parts['module'] if present(parts['module'])
        else None,
        'function %s' % parts['function'] if present(parts['function'])
        else None)))
    return '\n'.join(filter(None, (head, where)))


def present(value):
    """Whether ``value`` says anything: not ``None`` nor empty."""
    return value is not None and value != '' and value != [] and value != {}


def human_text(value, depth=0):
    """The sentence that says what went wrong, inside ``value``.

    Text is itself (unless it is a traceback: its last line is the
    sentence). A mapping gives the text of its first key of
    :data:`HUMAN_TEXT_KEYS` that holds some, looking into nested mappings
    (``{"kwargs": {"reason": "..."}}``) and envelopes. A list of text gives
    its last line that is not blank (a traceback's).

    :param value: anything.
    :returns: a ``str``, or ``None`` when there is no text to be found.
    """
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode('utf-8', 'replace')
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(_TRACEBACK_HEAD):
            return _last_line(text)
        parsed = exception_repr(text)
        if parsed is not None:
            return parsed[1].strip() if parsed[1] else None
        return text or None
    if isinstance(value, list):
        if value and all(isinstance(item, str) for item in value):
            return _last_line(''.join(value)) if ''.join(
                value).lstrip().startswith(_TRACEBACK_HEAD) else (
                ' '.join(item.strip() for item in value).strip() or None)
        return None
    if not isinstance(value, dict):
        return None
    key = envelope_data_key(value)
    if key is not None:
        return human_text(value[key], depth + 1)
    return _first_found(human_text, value, HUMAN_TEXT_KEYS, depth)


def _first_found(read, mapping, keys, depth):
    """What ``read`` finds under the first of ``keys``, else in a child."""
    for name in keys:
        if name in mapping:
            found = read(mapping[name], depth + 1)
            if found:
                return found
    for child in mapping.values():
        if isinstance(child, dict):
            found = read(child, depth + 1)
            if found:
                return found
    return None


def _last_line(text):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else None


def error_code(value, depth=0):
    """A short error code in ``value``: a token, never a sentence.

    :param value: text, a number, or a mapping with ``code``,
        ``error_code``, ``exception_class`` or ``exception`` (looked for in
        nested mappings too).
    :returns: a ``str`` of at most 64 characters, or ``None``.
    """
    if depth > MAX_DEPTH or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if _CODE.match(text):
            return text
        parsed = exception_repr(text)
        return parsed[0] if parsed is not None else None
    if isinstance(value, dict):
        key = envelope_data_key(value)
        if key is not None:
            return error_code(value[key], depth + 1)
        return _first_found(error_code, value, _CODE_KEYS, depth)
    return None
