"""Who may see what: the oslo.policy enforcer and the caller's context."""

from oslo_context import context as o_context
from oslo_policy import policy as o_policy

from fault_persist import policies

_ENFORCER = None


def init(conf):
    """Create the enforcer with our default rules (idempotent).

    :param conf: the host's oslo.config ``ConfigOpts``; its ``[oslo_policy]``
        options and policy file apply to our rules too.
    """
    global _ENFORCER
    if _ENFORCER is None or _ENFORCER.conf is not conf:
        enforcer = o_policy.Enforcer(conf)
        enforcer.register_defaults(policies.list_rules())
        _ENFORCER = enforcer


def reset():
    """Forget the enforcer (tests, configuration reloads)."""
    global _ENFORCER
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


def allowed(rule, context, target):
    """Whether ``context`` passes ``rule``; never raises on a denial.

    :param rule: a rule name from :mod:`fault_persist.policies`.
    :param context: a ``RequestContext``.
    :param target: what the caller acts on: ``{'project_id': ...}`` of
        the record, or of the project asked for; never the caller's own
        project by default, or an owner rule (``project_id:%(project_id)s``)
        would pass for every record.
    """
    if _ENFORCER is None:
        raise RuntimeError('fault_persist.policy.init() was not called')
    return _ENFORCER.authorize(rule, dict(target), context, do_raise=False)
