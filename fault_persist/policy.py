"""Who may see what: the oslo.policy enforcer and the caller's context.

Decisions are remembered: a rule's outcome depends only on the caller's
credentials and the target, so :func:`allowed` keeps the last
:data:`DECISIONS_KEPT` outcomes keyed by ``(rule, credentials, target)``
until the rules change (an edited policy file, found within
:data:`RELOAD_CHECK_SECONDS`; :func:`init` or :func:`reset`). A host's
list view then pays for a rule once, not once per instance.
"""

import collections
import operator
import threading
import time

from oslo_context import context as o_context
from oslo_policy import policy as o_policy

from fault_persist import policies

#: How many decisions are remembered (the oldest go first).
DECISIONS_KEPT = 4096
#: How often, at most, the policy file and directories are looked at for
#: changes; oslo.policy looks (a search and a stat of each) at every check.
RELOAD_CHECK_SECONDS = 1.0

_ENFORCER = None


class _Enforcer(o_policy.Enforcer):
    """An enforcer that remembers its decisions until its rules change."""

    def __init__(self, *args, **kwargs):
        # Read without the lock (a dict's get is atomic), changed under it.
        self._decisions = {}
        self._lock = threading.Lock()
        self._checked_at = None
        self._rules_seen = None
        super().__init__(*args, **kwargs)

    def forget_decisions(self):
        with self._lock:
            self._decisions.clear()

    # Every way oslo.policy changes the rules passes through one of these.
    def set_rules(self, *args, **kwargs):
        self.forget_decisions()
        return super().set_rules(*args, **kwargs)

    def register_default(self, default):
        self.forget_decisions()
        return super().register_default(default)

    def decide(self, rule, target, credentials, context):
        """``authorize(rule, target, context)``, remembered."""
        now = time.monotonic()
        if self._checked_at is None or (
                now - self._checked_at >= RELOAD_CHECK_SECONDS):
            self._checked_at = now
            self.load_rules()
        if self._rules_seen is not self.rules:
            # Rules replaced without set_rules (oslo.policy's own reload of
            # policy directories).
            self._rules_seen = self.rules
            self.forget_decisions()
        key = None
        if credentials is not None:
            key = (rule, credentials, _target_key(target))
            # A remembered decision is read without the lock, and is not
            # moved to the end (first in, first out): a hit costs a dict
            # look-up; a decision dropped while still in use is asked of
            # the rules once more.
            decision = self._decisions.get(key)
            if decision is not None:
                return decision
        decision = bool(self.authorize(rule, dict(target), context,
                                       do_raise=False))
        if key is not None:
            with self._lock:
                decisions = self._decisions
                decisions[key] = decision
                while len(decisions) > DECISIONS_KEPT:
                    del decisions[next(iter(decisions))]
        return decision


def _target_key(target):
    """``target`` as a key: its items in order, or frozen when unhashable.

    A target is a flat dict of text (``{'project_id': ...}``); in the
    order it was built, equal targets built alike give equal keys, and a
    key never matches another target (one built in another order is at
    worst remembered twice). No sorting per question.
    """
    key = tuple(target.items())
    try:
        hash(key)
    except TypeError:
        return _frozen(target)
    return key


def _frozen(value):
    """``value`` as a hashable key; ``TypeError`` when it cannot be."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_frozen(item) for item in value)
    if isinstance(value, collections.abc.Mapping):
        return tuple(sorted((key, _frozen(item))
                            for key, item in value.items()))
    raise TypeError(type(value).__name__)


def _policy_values_reader():
    """What reads a plain ``RequestContext``'s policy values, or ``None``.

    oslo.context's ``RequestContext.to_policy_values()`` copies a set of
    the context's attributes, each under its own name, into a mapping
    whose every read is a Python call: turning its 13 values into a key
    costs about 3 us, a tenth of a show view. For a context whose
    ``to_policy_values`` is that method (not a subclass's, nor one set on
    the instance), :func:`credentials` reads the same attributes
    directly, in the same order, giving the same key. Whether the
    method does that is checked here, once, on this oslo.context: every
    name it returns must be the attribute of that name; if not (a newer
    oslo.context computing a value), every context takes the general
    way.

    :returns: ``(names, attrgetter of them)`` or ``None``.
    """
    to_policy_values = o_context.RequestContext.to_policy_values
    try:
        probe = o_context.RequestContext()
        names = tuple(name for name, _ in to_policy_values(probe).items())
        markers = {name: object() for name in names}
        for name, marker in markers.items():
            setattr(probe, name, marker)
        values = to_policy_values(probe)
        if tuple(name for name, _ in values.items()) != names or any(
                values[name] is not marker
                for name, marker in markers.items()):
            return None
    except Exception:
        return None
    return names, operator.attrgetter(*names)


_POLICY_VALUES_READER = _policy_values_reader()


def _policy_values(context):
    """``context.to_policy_values()`` as ``(name, value)`` pairs, in order.

    The context's own attributes when its ``to_policy_values`` is
    oslo.context's (see :func:`_policy_values_reader`), else what its
    method returns.
    """
    reader = _POLICY_VALUES_READER
    if reader is not None and getattr(
            context.to_policy_values, '__func__', None) is (
            o_context.RequestContext.to_policy_values):
        names, read = reader
        return zip(names, read(context))
    return context.to_policy_values().items()


def credentials(context):
    """The caller's policy credentials as a key, computed once per call.

    :param context: a ``RequestContext``.
    :returns: its ``to_policy_values()`` frozen, or ``None`` when they
        hold values that cannot be a key (the decision is then not kept).
    """
    try:
        # The usual values are text, None, booleans and lists of roles.
        # In the context's own order, not sorted: every context of a class
        # gives its values in one order, so equal credentials give equal
        # keys, and a key never matches other credentials.
        key = tuple([(name, tuple(value) if type(value) is list else value)
                     for name, value in _policy_values(context)])
        hash(key)
        return key
    except TypeError:
        try:
            return _frozen(context.to_policy_values())
        except TypeError:
            return None


def init(conf):
    """Create the enforcer with our default rules (idempotent).

    :param conf: the host's oslo.config ``ConfigOpts``; its ``[oslo_policy]``
        options and policy file apply to our rules too.
    """
    global _ENFORCER
    if _ENFORCER is None or _ENFORCER.conf is not conf:
        enforcer = _Enforcer(conf)
        enforcer.register_defaults(policies.list_rules())
        _ENFORCER = enforcer


def reset():
    """Forget the enforcer and its decisions (tests, configuration reloads)."""
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.forget_decisions()
    _ENFORCER = None


def request_context(context):
    """The caller's context as an oslo.context ``RequestContext``.

    :param context: a ``RequestContext`` (or subclass), the dict form
        oslo.messaging hands to notifier drivers, or ``None``.
    :returns: a ``RequestContext``; an empty one for ``None``.
    """
    if isinstance(context, o_context.RequestContext):
        return context
    if isinstance(context, dict):
        values = dict(context)
        # RequestContext.from_dict() reads the user from "user" and the
        # project from "project_id"; callers also write "user_id",
        # "project" or "tenant".
        values['user'] = values.get('user') or values.get('user_id')
        values['project_id'] = (values.get('project_id')
                                or values.get('project')
                                or values.get('tenant'))
        return o_context.RequestContext.from_dict(values)
    return o_context.RequestContext()


#: :func:`allowed` computes the credentials itself.
UNSET = object()


def allowed(rule, context, target, caller_credentials=UNSET):
    """Whether ``context`` passes ``rule``; never raises on a denial.

    :param rule: a rule name from :mod:`fault_persist.policies`.
    :param context: a ``RequestContext``.
    :param target: what the caller acts on: ``{'project_id': ...}`` of
        the record, or of the project asked for; never the caller's own
        project by default, or an owner rule (``project_id:%(project_id)s``)
        would pass for every record.
    :param caller_credentials: :func:`credentials` of ``context``, when the
        caller computed them already for this call.
    """
    enforcer = _ENFORCER
    if enforcer is None:
        raise RuntimeError('fault_persist.policy.init() was not called')
    if caller_credentials is UNSET:
        caller_credentials = credentials(context)
    return enforcer.decide(rule, target, caller_credentials, context)
