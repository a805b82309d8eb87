"""The event: one notification as fault_persist keeps it.

:meth:`fault_persist.extract.Definitions.extract` makes an :class:`Event`
of each notification worth storing, cleaning every value once, there;
everything after it (the fault row, the request-log entry, the spool, the
storer processes) reads the event and never cleans again
(:mod:`fault_persist.projections`). An event is immutable: a named tuple,
cheap to make, to pickle and to hand between threads and processes.
"""

import datetime
import typing

from fault_persist import recognise

#: The widest identifier (message, project, user, request, resource id,
#: ip) a record keeps; a longer one cannot match anything.
ID_MAX_CHARS = 64
APP_MAX_CHARS = 64
CODE_MAX_CHARS = 64
EVENT_TYPE_MAX_CHARS = 255
ACTION_MAX_CHARS = 255
PUBLISHER_MAX_CHARS = 255
HOST_MAX_CHARS = 255
PRIORITY_MAX_CHARS = 16
TARGET_MAX_CHARS = 255
#: The kinds of notification an event is made of.
KINDS = frozenset((recognise.ERROR, recognise.START, recognise.END))
#: The app of an event that names none, neither by definition, publisher
#: nor event type.
UNKNOWN_APP = 'unknown'


class Event(typing.NamedTuple):
    """A notification's values, clean, bounded and immutable.

    Every text value is stripped, never blank (``None`` instead), within
    the width of the column it goes to; ``message``, ``details`` and
    ``target`` have their secrets masked; identifiers longer than
    :data:`ID_MAX_CHARS` are left out (they would match the wrong
    records). Example::

        event = definitions.extract(ctxt, notification, recognise.ERROR)
        event.instance_id, event.resource_type, event.message
    """

    #: ``error``, ``start`` or ``end`` (see :mod:`fault_persist.recognise`).
    kind: str
    #: Unique per notification: what makes storing it idempotent.
    message_id: str
    #: The notification's event type, e.g. ``dbaas.instance_create.error``
    #: (``''`` when it has none).
    event_type: str
    #: The task it reports on: the event type without its phase.
    action: str
    #: When the service sent it: a naive UTC datetime.
    timestamp: datetime.datetime
    #: The service, e.g. ``trove``, ``nova``; never ``None``.
    app: str
    #: What the task acts on, as the request log shows it; never ``None``.
    target: str
    #: The failing (or acted on) resource's id; the host's name for an
    #: error that names no resource.
    instance_id: typing.Optional[str] = None
    #: The resource's kind, e.g. ``instance``, ``node``, ``host``.
    resource_type: typing.Optional[str] = None
    project_id: typing.Optional[str] = None
    user_id: typing.Optional[str] = None
    request_id: typing.Optional[str] = None
    ip: typing.Optional[str] = None
    host: typing.Optional[str] = None
    priority: typing.Optional[str] = None
    publisher_id: typing.Optional[str] = None
    #: An error's one-line human message (never ``None`` for an error).
    message: typing.Optional[str] = None
    #: An error's details, e.g. its traceback.
    details: typing.Optional[str] = None
    #: An error's code or exception class, one token.
    code: typing.Optional[str] = None

    @property
    def is_error(self):
        """Whether the event reports an error: it is a fault."""
        return self.kind == recognise.ERROR

    def as_dict(self):
        """The event as a plain dict, e.g. for the spool."""
        return self._asdict()

    @classmethod
    def from_dict(cls, values):
        """The event a dict of :meth:`as_dict` describes (the spool's).

        Keys it does not know are left out, missing ones are ``None``:
        a spool written by another release reads.

        :raises: :class:`ValueError` when it cannot be an event.
        """
        if values.get('kind') not in KINDS:
            raise ValueError('kind %r is not an event kind'
                             % (values.get('kind'),))
        if not isinstance(values.get('message_id'), str):
            raise ValueError('no message id')
        if not isinstance(values.get('timestamp'), datetime.datetime):
            raise ValueError('no timestamp')
        known = {name: values.get(name) for name in cls._fields}
        known['event_type'] = known['event_type'] or ''
        known['action'] = known['action'] or ''
        known['app'] = known['app'] or UNKNOWN_APP
        known['target'] = known['target'] or known['action']
        return cls(**known)
