"""Make untrusted text safe to store: mask secrets, bound sizes.

Pure functions, no I/O: every value that reaches the database has been
through :func:`clean_message` or :func:`clean_details` (or, for short
fields, :func:`to_text` and :func:`mask_secrets`). None of them raises on
odd input; that is what makes them safe to call inside a host's notifier.

Masking runs on bounded input: a 10 MB message is cut to a window a
margin wider than what is kept, the window is masked, and only then is
the text cut to its bound, so a secret is never cut in half with one half
left in clear (see :func:`clean_details`). :func:`mask_secrets` keeps
oslo.utils' ``strutils.mask_password`` for the ``key=value``, JSON and XML
forms it knows and adds compiled patterns for the rest (``key: value``,
HTTP authentication headers, multi-host URLs, PEM keys, AWS keys, JWTs,
Fernet tokens, ``mysql -p``). Yelp's detect-secrets was measured against
these patterns and is not used: it finds lines that hold a secret, not the
span to mask, and costs several times as much per traceback (numbers in
the admin guide, "Secrets").
"""

import functools
import json
import re
import reprlib

from oslo_utils import strutils

from fault_persist.conf import capture as capture_opts

# The schema's own limit: instance_faults.message is VARCHAR(255).
MESSAGE_MAX_CHARS = 255
# MySQL's TEXT holds 65,535 *bytes* (the maximum of details_max_bytes).
TEXT_MAX_BYTES = capture_opts.TEXT_MAX_BYTES

_ELLIPSIS = '...'
_OMITTED = '\n... [%d bytes omitted] ...\n'
# Share of the details budget kept from the head; the rest is the tail.
_HEAD_SHARE = 0.25

# Characters no backend stores in text: NUL (PostgreSQL rejects it) and the
# other C0 controls except tab, newline and carriage return.
_CONTROL_CHARS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f]')
# The keys oslo.utils masks the values of.
_SECRET_KEYS = tuple(getattr(strutils, '_SANITIZE_KEYS', ()))
# Keys oslo.utils does not know: AWS's JSON spelling and the plain
# abbreviation.
_MORE_KEYS = ('secretaccesskey', 'passwd')

_MASK = '***'
# A message keeps, before folding whitespace, this many times its limit.
_MESSAGE_KEEP = 4
# How far beyond the part it keeps a bound reads before masking: a secret
# shorter than this that overlaps the kept part is seen whole, so no half
# of it survives the cut (see _masked_head and _masked_tail).
MASK_MARGIN = 1024


_KEY_NAMES = '|'.join(re.escape(key) for key in sorted(
    set(_SECRET_KEYS + _MORE_KEYS), key=len, reverse=True))
# What follows a secret key in key=value, key: value, "key": "value",
# 'key' => 'value', <key>value</key>, and the same with JSON's escaped
# quotes (\"key\": \"value\", a JSON text inside JSON). The key may
# carry a prefix (db_password, X-Auth-Token: the text before it is not
# read) and a suffix after a separator (secret_access_key); the value
# is quoted (up to the quote or the end of the line) or a run of
# characters up to a delimiter. The keys are found by str.find() in the
# lower-cased text and this is matched where each ends: a regular
# expression that looked for any of the keys itself costs fifty times as
# much.
_AFTER_KEY = re.compile(
    r'\d*(?:[_.-][\w.-]*)?(?:(?:\\*["\'])?\s*(?:=>|[:=])\s*|>)'
    r'(?:[ubUB]?(?P<quote>\\*["\']))?'
    r'(?P<value>(?(quote)[^"\'\\\n]*|[^\s"\'\\,;&)}\]<>]+))')
# key value (a command line, prose): only a value that looks like a
# secret, with a letter and a digit and 8 characters or more, so that
# "invalid password for user" keeps its words.
_AFTER_KEY_SPACE = re.compile(
    r'\d*(?:[_.-][\w.-]*)?\s+'
    r'(?P<value>(?=[^\s"\'<>]*\d)(?=[^\s"\'<>]*[A-Za-z])'
    r'[^\s"\'<>\\]{8,})')
# The same, key included, for text whose lower-cased form is not as long
# as itself (a few non-ASCII letters), where positions do not match.
_KEYED = re.compile(r'(?:%s)(?:%s|%s)' % (
    _KEY_NAMES, _AFTER_KEY.pattern,
    _AFTER_KEY_SPACE.pattern.replace('?P<value>', '?P<spaced>')),
    re.IGNORECASE)
_AUTHORIZATION = re.compile(
    r'(?P<head>(?:\bauthorization(?:\\*["\'])?\s*[:=]\s*(?:\\*["\'])?\s*'
    r'(?:(?:bearer|basic|digest|negotiate|ntlm|token|oauth|apikey|jwt)'
    r'\s+)?)|\bbearer\s+(?=[\w.~+/=-]{16}))(?P<value>[^\s"\'\\,;]+)',
    re.IGNORECASE)
# Each URL, as a whole; its credentials are masked host by host.
_URL = re.compile(r'\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s\'"<>]+')
# user:password@ of each host of a URL's authority (after the scheme,
# hosts separated by commas). The password ends at the @ followed by a
# host: a password may hold / and @ itself.
_URL_CREDENTIALS = re.compile(
    r'(?P<head>(?:\A|,)[^:/@,\s]*:)\S*?@(?=[^@,/?#]*(?:[,/?#]|\Z))')
_PEM_END = r'-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----'
# A PEM private key; without its end line (the text was cut) the rest of
# the text is the key's.
_PEM = re.compile(
    r'(?P<head>-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)'
    r'(?:.*?(?P<end>%s)|.*)' % _PEM_END, re.DOTALL)
# The end of a PEM key whose start was cut off: key material (base64,
# header lines, escaped line breaks) from the start of the text.
_PEM_TAIL = re.compile(
    r'\A(?:(?!-----BEGIN)[\w+/=\s\\:,.-])*?(?P<end>%s)' % _PEM_END)
# Secrets recognised by their shape alone: AWS access key ids, JWTs
# (base64url of '{"' then payload and signature; its start suffices, a
# JWT cut short is masked too) and Fernet tokens (Keystone, Barbican).
_SHAPED = re.compile(
    r'\b(?:(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)'
    r'[A-Z0-9]{16}(?![A-Za-z0-9])'
    r'|eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}'
    r'|gAAAAA[A-Za-z0-9_=-]{20,})')
# mysql -pPASSWORD (and mysqldump, mariadb...): -p is the password only
# when glued to it; -P is the port.
_MYSQL_PASSWORD = re.compile(
    r'(?P<head>\b(?i:mysql|mariadb)[\w-]*\b[^\n"\']*?\s-p)'
    r'(?P<value>[^\s"\'\\]+)')
_MASKED_VALUE = r'\g<head>' + _MASK

# Cheap tests of the lower-cased text that tell whether a family of
# patterns can match at all: most text (every error a listener stores)
# holds no secret and costs a few substring searches.
_KEY_HINTS = tuple(set(_SECRET_KEYS + _MORE_KEYS))
# Most keys share a stem: one search for the stem spares those for its
# keys in text without it (37 searches of a 64 KiB traceback cost 1 ms).
_STEMS = ('pass', 'token', 'secret', 'key', 'pswd', 'cookie', 'fsid',
          'credential', 'kek', 'suffix')
_KEYS_BY_STEM = tuple(
    (stem, tuple(key for key in _KEY_HINTS
                 if stem in key and not any(
                     earlier in key for earlier in _STEMS[:index])))
    for index, stem in enumerate(_STEMS)) + (
    ('', tuple(key for key in _KEY_HINTS
               if not any(stem in key for stem in _STEMS))),)
# The hints of the other families (authorization and bearer, eyj and
# gaaaaa, mysql and mariadb) are spelled out in mask_secrets.
# A regular expression with a literal first character searches as fast as
# str.find(), and once for the twelve prefixes of AWS key ids.
_AWS_KEY_ID_START = re.compile(
    r'A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA)')


def to_text(value):
    """Turn any value into printable text without raising.

    Bytes are decoded as UTF-8 with replacement characters; mappings and
    sequences become JSON (sorted keys, values of secret keys masked);
    other objects use ``str()``. Lone surrogates and control characters
    that some backends reject are replaced.

    :param value: anything.
    :returns: a ``str`` (empty for ``None``).
    """
    return _printable(_raw_text(value))


def bounded_text(value, limit=None):
    """``value`` as printable text, stripped and cut to ``limit`` characters.

    For values kept in a bounded column (identifiers, hosts, codes): what
    :func:`to_text` gives, without blanks at either end, also after the
    cut.

    :param value: anything.
    :param limit: the most characters kept; ``None`` keeps all.
    :returns: a ``str``, or ``None`` when nothing but blanks is left.
    """
    if value is None:
        return None
    text = to_text(value).strip()
    if limit is not None:
        text = text[:limit].rstrip()
    return text or None


def _raw_text(value):
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode('utf-8', 'replace')
    if isinstance(value, dict):
        text = _to_json(value)
        # Every key and text value is in the JSON: without a secret key
        # in it, masking the mapping first would change nothing.
        if _may_hold_secrets(text):
            text = _to_json(_mask_mapping(value))
        return text
    if isinstance(value, (list, tuple)):
        return _to_json(value)
    try:
        text = str(value)
    except Exception:  # noqa: a broken __str__ must not break us
        return '<unprintable %s object>' % type(value).__name__
    return text if isinstance(text, str) else ''


def _printable(text):
    # Replace lone surrogates (not encodable as UTF-8) and control chars;
    # ASCII text has no surrogates to replace. Both keep the length.
    # Printable text (no newline either: a message) holds neither.
    if type(text) is str and text.isprintable():
        return text
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
        try:
            return repr(value)
        except Exception:  # noqa: a broken __repr__ inside
            return '<unprintable %s object>' % type(value).__name__


def mask_secrets(text):
    """Mask passwords, tokens, keys and credentials in ``text``.

    Each secret value is replaced by ``***``; the key, header or URL
    around it is kept so the reader sees what was there. Runs in time
    linear in the length of ``text``: bound the text first (the ``clean``
    functions do).

    :param text: a ``str``.
    :returns: the text with each secret value replaced by ``***``.
    """
    lowered = text.lower()
    if 'private key' in lowered:
        text = _PEM.sub(_masked_pem, text)
        text = _PEM_TAIL.sub(_masked_pem, text)
    if _may_hold_secrets(text, lowered):
        text = _mask_keyed(strutils.mask_password(text))
    # The hints spelled out, not in a generator: this runs for every
    # text stored, and most hold none.
    if 'authorization' in lowered or 'bearer' in lowered:
        text = _AUTHORIZATION.sub(_MASKED_VALUE, text)
    if '://' in text:
        text = _URL.sub(_masked_url, text)
    if 'eyj' in lowered or 'gaaaaa' in lowered or (
            _AWS_KEY_ID_START.search(text)):
        text = _SHAPED.sub(_MASK, text)
    if 'mysql' in lowered or 'mariadb' in lowered:
        text = _MYSQL_PASSWORD.sub(_MASKED_VALUE, text)
    return text


def _mask_keyed(text):
    """Mask the value after each secret key (see :data:`_AFTER_KEY`)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return _KEYED.sub(_masked_keyed_match, text)
    spans = []
    for key in _KEY_HINTS:
        found = lowered.find(key)
        while found >= 0:
            end = found + len(key)
            match = (_AFTER_KEY.match(text, end)
                     or _AFTER_KEY_SPACE.match(text, end))
            if match:
                spans.append(match.span('value'))
            found = lowered.find(key, end)
    if not spans:
        return text
    spans.sort()
    parts, done = [], 0
    for start, end in spans:
        if start < done:
            continue  # the same value, after a key inside a longer one
        parts.extend((text[done:start], _MASK))
        done = end
    parts.append(text[done:])
    return ''.join(parts)


def _masked_keyed_match(match):
    group = 'value' if match.group('value') is not None else 'spaced'
    start, end = match.span(group)
    offset = match.start()
    whole = match.group()
    return whole[:start - offset] + _MASK + whole[end - offset:]


def _masked_pem(match):
    return (match.group('head') if 'head' in match.groupdict() else '') + (
        _MASK + (match.group('end') or ''))


def _masked_url(match):
    url = match.group()
    scheme, separator, rest = url.partition('://')
    if '@' not in rest:
        return url
    return scheme + separator + _URL_CREDENTIALS.sub(r'\g<head>***@', rest)


def _may_hold_secrets(text, lowered=None):
    """Whether ``text`` holds a key whose value oslo.utils would mask."""
    if not _SECRET_KEYS:
        return True  # an oslo.utils that hides its keys: always ask it
    if lowered is None:
        lowered = text.lower()
    for stem, keys in _KEYS_BY_STEM:
        if stem in lowered:
            for key in keys:
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
    UTF-8 whatever the input's script. It masks nothing: cut masked text
    only (or use :func:`clean_details`).

    :param text: a ``str``.
    :param max_bytes: the largest encoded size allowed.
    :returns: ``text`` itself, or its head, an omission marker and its tail.
    """
    encoded = text.encode('utf-8')
    if len(encoded) <= max_bytes:
        return text
    head_bytes, tail_bytes = _shares(len(encoded), max_bytes)
    head = _first_bytes(text, head_bytes)
    tail = _last_bytes(text, tail_bytes)
    return _joined(head, tail, len(encoded))


def _shares(size, max_bytes):
    """Bytes of the head and of the tail of details of ``size`` bytes."""
    # The marker's digits depend on the omitted size; reserve the widest.
    budget = max_bytes - len((_OMITTED % size).encode('utf-8'))
    head_bytes = int(budget * _HEAD_SHARE)
    return head_bytes, budget - head_bytes


def _first_bytes(text, size):
    return text[:size].encode('utf-8')[:size].decode('utf-8', 'ignore')


def _last_bytes(text, size):
    if size <= 0:
        return ''
    return text[-size:].encode('utf-8')[-size:].decode('utf-8', 'ignore')


def _joined(head, tail, size):
    omitted = size - len(head.encode('utf-8')) - len(tail.encode('utf-8'))
    return head + _OMITTED % max(omitted, 0) + tail


def _masked_head(text, keep):
    """The start of ``text``, masked: at most ``keep`` characters.

    The window masked is :data:`MASK_MARGIN` characters longer than what
    is kept, so a secret that starts in the part kept is seen whole (or,
    when longer than the margin, by its start, which is what the patterns
    need). Masking shortens text: when it took more than half a margin,
    text from the window's edge, where a secret may be cut short, could
    move into the part kept; the token cut at the edge is dropped then.
    """
    end = keep + MASK_MARGIN
    if len(text) <= end:
        return mask_secrets(_printable(text))
    window = _printable(text[:end])
    masked = mask_secrets(window)
    if len(window) - len(masked) > MASK_MARGIN // 2 and not (
            text[end].isspace()):
        # A secret cut by the edge is one token (or recognised by its
        # start, and masked): what follows the last space.
        masked = masked[:_last_space(masked) + 1]
    return masked[:keep]


def _masked_tail(text, keep):
    """The end of ``text``, masked: at most ``keep`` characters.

    The mirror of :func:`_masked_head`; a PEM key is recognised by its
    end line too. A value whose key the edge cut off is on the key's
    line: that line is dropped when masking took more than half a margin.
    """
    start = len(text) - keep - MASK_MARGIN
    if start <= 0:
        return mask_secrets(_printable(text))
    window = _printable(text[start:])
    masked = mask_secrets(window)
    if len(window) - len(masked) > MASK_MARGIN // 2:
        line_end = masked.find('\n')
        masked = masked[(line_end if line_end >= 0
                         else _first_space(masked)) + 1:]
    return masked[len(masked) - keep:] if len(masked) > keep else masked


_SPACES = ' \t\n\r\f\v'


def _last_space(text):
    return max(text.rfind(space) for space in _SPACES)


def _first_space(text):
    found = [i for i in (text.find(space) for space in _SPACES) if i >= 0]
    return min(found) if found else len(text) - 1


def clean_message(value, limit=MESSAGE_MAX_CHARS):
    """Text, masked and bounded, fit for ``instance_faults.message``.

    Runs of whitespace, newlines included, become one space, so the
    ``show`` table keeps the message on one row. Only the start of a long
    text is read: what can be kept, and a margin (see
    :data:`MASK_MARGIN`).

    :param value: anything.
    :param limit: the largest length allowed, in characters.
    :returns: a ``str`` of at most ``limit`` characters.
    """
    text = _raw_text(value).lstrip()
    if not text:
        return ''  # what masking and folding nothing gives
    if type(text) is str and len(text) <= _REMEMBERED_MAX_CHARS:
        return _remembered_message(text, limit)
    return _message_of(text, limit)


def _message_of(text, limit):
    """:func:`clean_message` of text that is not blank, stripped at left."""
    text = _masked_head(text, _MESSAGE_KEEP * limit)
    return truncate_message(' '.join(text.split()), limit)


def clean_details(value, max_bytes=TEXT_MAX_BYTES):
    """Text, masked and bounded, fit for ``instance_faults.details``.

    Details longer than ``max_bytes`` keep their head and their tail (see
    :func:`truncate_details`); each is masked in a window a margin wider
    than what is kept, and cut after masking, so masking costs the same
    for 100 KB and for 10 MB, and a secret straddling a cut is masked
    whole.

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
    text = _raw_text(value).rstrip()
    if type(text) is str and len(text) <= _REMEMBERED_MAX_CHARS:
        return _remembered_details(text, max_bytes)
    return _details_of(text, max_bytes)


def _details_of(text, max_bytes):
    """:func:`clean_details` of text, stripped at right."""
    size = len(text) if text.isascii() else len(
        text.encode('utf-8', 'replace'))
    if size <= max_bytes:
        # A mask may lengthen a short secret: bound again.
        return truncate_details(mask_secrets(_printable(text)), max_bytes)
    head_bytes, tail_bytes = _shares(size, max_bytes)
    # A character takes at least a byte: as many characters as bytes
    # hold enough for the byte cut that follows.
    head = _first_bytes(_masked_head(text, head_bytes), head_bytes)
    tail = _last_bytes(_masked_tail(text, tail_bytes), tail_bytes)
    return _joined(head, tail, size)


# A storm of errors repeats its messages and tracebacks, and cleaning is a
# pure function of the text: each cleaning remembers its last texts and
# what they gave. Only texts of at most _REMEMBERED_MAX_CHARS, so that the
# memory stays small (in the worst case 64 texts of 8 KiB and their
# results per cleaning, about 1.5 MiB; a notification's are far shorter).
_REMEMBERED = 64
_REMEMBERED_MAX_CHARS = 8192
_remembered_message = functools.lru_cache(maxsize=_REMEMBERED)(_message_of)
_remembered_details = functools.lru_cache(maxsize=_REMEMBERED)(_details_of)


# A short repr for log lines: bounded in depth and size whatever the value
# (a notification nested thousands deep, or of many megabytes).
_BRIEF = reprlib.Repr()
_BRIEF.maxlevel = 4
_BRIEF.maxstring = 160
_BRIEF.maxother = 80
_BRIEF.maxdict = _BRIEF.maxlist = _BRIEF.maxtuple = 12


def brief(value, limit=300):
    """A short, masked ``repr`` of anything, for a log line.

    Bounded work and size whatever ``value`` is; never raises.

    :param value: anything.
    :param limit: the largest length of the result, in characters.
    :returns: a ``str``.
    """
    try:
        text = _BRIEF.repr(value)
    except Exception:  # noqa: a log line must never fail
        text = '<%s object>' % type(value).__name__
    return mask_secrets(_printable(text[:limit]))
