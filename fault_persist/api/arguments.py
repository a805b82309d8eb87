"""Query strings of the HTTP API: checked once, where they enter.

Each list endpoint names the parameters it takes; anything else, a
repeated parameter, a value with control characters, a bad number or a
bad time is a 400 with a message that says which and why. Checked values
go on to the Python API, which checks them again as it checks every
caller's.
"""

import datetime

from oslo_utils import strutils
from oslo_utils import timeutils

from fault_persist.api import errors

#: The paging parameters of every list.
PAGING = frozenset(['limit', 'marker'])
#: The longest value a query parameter may have.
MAX_VALUE_CHARS = 255
# Largest ids of the columns: request-log entries are BIGINT, tasks INT.
MAX_ENTRY_ID = 2 ** 63 - 1
MAX_TASK_ID = 2 ** 31 - 1


def _bad(message):
    return errors.BadRequest(description=message)


def read(args, allowed):
    """The query parameters of a request, one value each.

    :param args: the request's ``MultiDict`` of query parameters.
    :param allowed: the names the endpoint takes.
    :returns: a ``{name: text}`` dict.
    :raises: :class:`~fault_persist.api.errors.BadRequest`.
    """
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise _bad('Unknown query parameter%s: %s. This endpoint takes: %s.'
                   % ('s' if len(unknown) > 1 else '', ', '.join(unknown),
                      ', '.join(sorted(allowed))))
    values = {}
    for name in args:
        given = args.getlist(name)
        if len(given) > 1:
            raise _bad('Query parameter %s is given %d times; give it once.'
                       % (name, len(given)))
        values[name] = text(name, given[0])
    return values


def text(name, value):
    """``value`` when it is printable text of at most 255 characters.

    :raises: :class:`~fault_persist.api.errors.BadRequest`.
    """
    if len(value) > MAX_VALUE_CHARS:
        raise _bad('%s is longer than %d characters.'
                   % (name, MAX_VALUE_CHARS))
    if not value.isprintable():
        raise _bad('%s contains control characters.' % name)
    return value


def integer(name, value, largest, smallest=1):
    """A whole number from text, within ``smallest`` and ``largest``.

    :raises: :class:`~fault_persist.api.errors.BadRequest`.
    """
    if value is None:
        return None
    stripped = value.strip()
    if not (stripped.isascii() and stripped.isdigit()):
        raise _bad('%s must be a whole number, not %r.' % (name, value))
    number = int(stripped)
    if not smallest <= number <= largest:
        raise _bad('%s must be between %d and %d, not %s.'
                   % (name, smallest, largest, stripped))
    return number


def limit(value, max_limit):
    """The page size: ``limit`` capped at ``max_limit``, by default it.

    A larger ``limit`` gives a page of ``max_limit`` (and a ``next`` link),
    as Nova and Ironic do.

    :raises: :class:`~fault_persist.api.errors.BadRequest` for anything
        but a positive whole number.
    """
    if value is None:
        return max_limit
    stripped = value.strip()
    if not (stripped.isascii() and stripped.isdigit()) or int(stripped) < 1:
        raise _bad('limit must be a positive whole number, not %r.' % value)
    return min(int(stripped), max_limit)


def utc_time(name, value):
    """An ISO 8601 time, checked, as the Python API takes it.

    :returns: a naive UTC ``datetime`` (not text the Python API would
        parse again).
    :raises: :class:`~fault_persist.api.errors.BadRequest`.
    """
    if value is None:
        return None
    try:
        when = timeutils.normalize_time(timeutils.parse_isotime(value))
    except (ValueError, OverflowError) as exc:
        raise _bad('%s must be an ISO 8601 time such as '
                   '2026-05-04T10:00:00Z, not %r (%s).' % (name, value, exc))
    if when.year < 1900:
        # Older times would only reach the oldest record; some databases
        # refuse them.
        when = datetime.datetime(1900, 1, 1)
    return when


def boolean(name, value):
    """``true`` or ``false`` (also ``1``/``0``, ``yes``/``no``).

    :raises: :class:`~fault_persist.api.errors.BadRequest`.
    """
    if value is None:
        return None
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise _bad('%s must be true or false, not %r.' % (name, value))
