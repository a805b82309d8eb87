"""Make untrusted text safe to store: mask secrets, bound sizes.

Pure functions, no I/O: every value that reaches the database has been
through :func:`to_text`, :func:`mask_secrets` and one of the truncation
functions. None of them raises on odd input; that is what makes them safe
to call inside a host's notifier.
"""

import json
import re

from oslo_config import cfg
from oslo_utils import strutils

# The schema's own limit: instance_faults.message is VARCHAR(255).
MESSAGE_MAX_CHARS = 255
# MySQL's TEXT holds 65,535 *bytes*; the same bound on every backend keeps
# behaviour identical whatever the database.
TEXT_MAX_BYTES = 65535

sanitize_opts = [
    cfg.IntOpt('details_max_bytes',
               default=TEXT_MAX_BYTES, min=1024, max=TEXT_MAX_BYTES,
               help='Largest size, in UTF-8 bytes, of a stored fault\'s '
                    'details. Longer details keep their head and, mostly, '
                    'their tail (where a traceback names the cause) around '
                    'an omission marker. The maximum is the size of a MySQL '
                    'TEXT column.'),
]

_ELLIPSIS = '...'
_OMITTED = '\n... [%d bytes omitted] ...\n'
# Share of the details budget kept from the head; the rest is the tail.
_HEAD_SHARE = 0.25

# scheme://user:password@host -> scheme://user:***@host. oslo.utils masks
# key=value and JSON forms, not credentials embedded in URLs.
_URL_CREDENTIALS = re.compile(
    r'(?P<prefix>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)[^@/\s]+@')
# Characters no backend stores in text: NUL (PostgreSQL rejects it) and the
# other C0 controls except tab, newline and carriage return.
_CONTROL_CHARS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f]')
# The keys oslo.utils masks the values of. mask_password() lower-cases the
# text once per key and runs that key's patterns only when the lower-cased
# text contains it; looking for every key in the text lower-cased once
# tells, at half the price, whether it would change anything at all. Most
# text (every error a listener stores) holds no secret.
_SECRET_KEYS = tuple(getattr(strutils, '_SANITIZE_KEYS', ()))


def to_text(value):
    """Turn any value into printable text without raising.

    Bytes are decoded as UTF-8 with replacement characters; mappings and
    sequences become JSON (sorted keys, secrets masked); other objects use
    ``str()``. Lone surrogates and control characters that some backends
    reject are replaced.

    :param value: anything.
    :returns: a ``str`` (empty for ``None``).
    """
    if value is None:
        text = ''
    elif isinstance(value, str):
        text = value
    elif isinstance(value, (bytes, bytearray, memoryview)):
        text = bytes(value).decode('utf-8', 'replace')
    elif isinstance(value, dict):
        text = _to_json(value)
        # Every key and text value is in the JSON: without a secret key
        # in it, masking the mapping first would change nothing.
        if _may_hold_secrets(text):
            text = _to_json(_mask_mapping(value))
    elif isinstance(value, (list, tuple)):
        text = _to_json(value)
    else:
        try:
            text = str(value)
        except Exception:  # noqa: a broken __str__ must not break us
            text = '<unprintable %s object>' % type(value).__name__
    # Replace lone surrogates (not encodable as UTF-8) and control chars;
    # ASCII text has no surrogates to replace.
    if not text.isascii():
        text = text.encode('utf-8', 'replace').decode('utf-8')
    return _CONTROL_CHARS.sub('\ufffd', text)


def _mask_mapping(value):
    try:
        return strutils.mask_dict_password(value)
    except Exception:  # noqa: non-string keys and the like
        return value


def _to_json(value):
    try:
        return json.dumps(value, sort_keys=True, indent=1, default=str,
                          ensure_ascii=False)
    except Exception:  # noqa: mixed key types, cycles
        return repr(value)


def mask_secrets(text):
    """Mask passwords, tokens, secrets and URL credentials in ``text``.

    :param text: a ``str``.
    :returns: the text with each secret value replaced by ``***``.
    """
    if _may_hold_secrets(text):
        text = strutils.mask_password(text)
    if '://' in text:
        text = _URL_CREDENTIALS.sub(r'\g<prefix>***@', text)
    return text


def _may_hold_secrets(text):
    if not _SECRET_KEYS:
        return True  # an oslo.utils that hides its keys: always ask it
    lowered = text.lower()
    for key in _SECRET_KEYS:
        if key in lowered:
            return True
    return False


def truncate_message(text, limit=MESSAGE_MAX_CHARS):
    """Bound a one-line message to ``limit`` characters.

    A message is read from its start, so the start is kept and an ellipsis
    marks the cut.

    :param text: a ``str``.
    :param limit: the largest length allowed, in characters.
    :returns: ``text`` itself or its first characters followed by ``...``.
    """
    if len(text) <= limit:
        return text
    return text[:limit - len(_ELLIPSIS)] + _ELLIPSIS


def truncate_details(text, max_bytes=TEXT_MAX_BYTES):
    """Bound ``text`` to ``max_bytes`` UTF-8 bytes, keeping head and tail.

    Tracebacks name the cause at their end, so three quarters of the budget
    go to the tail. Cuts fall on character boundaries: the result is valid
    UTF-8 whatever the input's script.

    :param text: a ``str``.
    :param max_bytes: the largest encoded size allowed.
    :returns: ``text`` itself, or its head, an omission marker and its tail.
    """
    encoded = text.encode('utf-8')
    if len(encoded) <= max_bytes:
        return text
    # The marker's digits depend on the omitted size; reserve the widest.
    budget = max_bytes - len((_OMITTED % len(encoded)).encode('utf-8'))
    head_bytes = int(budget * _HEAD_SHARE)
    tail_bytes = budget - head_bytes
    head = encoded[:head_bytes].decode('utf-8', 'ignore')
    tail = encoded[len(encoded) - tail_bytes:].decode('utf-8', 'ignore')
    omitted = len(encoded) - len(head.encode('utf-8')) - len(
        tail.encode('utf-8'))
    return head + _OMITTED % omitted + tail


def clean_message(value):
    """Text, masked and bounded, fit for ``instance_faults.message``.

    Runs of whitespace, newlines included, become one space, so the
    ``show`` table keeps the message on one row.

    :param value: anything.
    :returns: a ``str`` of at most :data:`MESSAGE_MAX_CHARS` characters.
    """
    text = mask_secrets(to_text(value)).strip()
    text = ' '.join(text.split())
    return truncate_message(text)


def clean_details(value, max_bytes=TEXT_MAX_BYTES):
    """Text, masked and bounded, fit for ``instance_faults.details``.

    :param value: anything (``str``, bytes, a list of traceback lines, a
        mapping).
    :param max_bytes: the largest encoded size allowed.
    :returns: a ``str`` of at most ``max_bytes`` UTF-8 bytes.
    """
    if isinstance(value, (list, tuple)) and all(
            isinstance(line, str) for line in value):
        # Trove and traceback.format_exception() give a list of lines.
        value = ''.join(value)
    # Trailing newlines of a formatted traceback carry nothing.
    return truncate_details(mask_secrets(to_text(value)).rstrip(), max_bytes)
