"""Recognise what a notification is to us, at the cost of a dict look-up.

Every notification a host sends passes here first, inside the host's own
call, so the answer is cached per ``(event_type, priority)``: after the
first sight of an event type, an ignored notification costs one dict
look-up.
"""

import fnmatch
import re

#: An error: a fault to store and, when tasks are tracked, a failed task.
ERROR = 'error'
#: A task started.
START = 'start'
#: A task completed successfully.
END = 'end'
#: A fault recorded by the direct call (never from a notification): a
#: fault to store, nothing for the request log.
FAULT = 'fault'
#: A request-log entry of the direct call (``track_task``), spooled while
#: the database was unavailable.
TASK_ENTRY = 'task_entry'

# Suffixes stripped from an event type to name its action.
_PHASES = ('.start', '.end', '.error')
_CACHE_LIMIT = 4096


def action_of(event_type):
    """The action an event type reports on: its phase suffix removed.

    ``dbaas.instance_create.error`` and ``dbaas.instance_create.start``
    both report on ``dbaas.instance_create``.

    :param event_type: a notification's event type.
    :returns: the event type without a trailing ``.start``, ``.end`` or
        ``.error``.
    """
    for phase in _PHASES:
        if event_type.endswith(phase):
            return event_type[:-len(phase)]
    return event_type


def _matcher(patterns):
    if not patterns:
        return lambda event_type: False
    regex = re.compile('|'.join(fnmatch.translate(p) for p in patterns))
    return lambda event_type: regex.match(event_type) is not None


class Recogniser:
    """Tell errors, task starts and task ends from everything else.

    Example::

        recogniser = Recogniser.from_conf(conf)
        recogniser.kind('dbaas.instance_create.error', 'INFO')  # 'error'
        recogniser.kind('instance.create.start', 'INFO')        # 'start'
        recogniser.kind('compute.metrics.update', 'INFO')       # None

    :param error_priorities: priorities that announce an error.
    :param error_event_types: event type patterns that announce an error.
    :param start_event_types: event type patterns that open a task, or
        ``[]`` when tasks are not tracked.
    :param end_event_types: event type patterns that complete a task.
    """

    def __init__(self, error_priorities, error_event_types,
                 start_event_types=(), end_event_types=()):
        self._error_priorities = frozenset(
            p.upper() for p in error_priorities)
        self._is_error = _matcher(error_event_types)
        self._is_start = _matcher(start_event_types)
        self._is_end = _matcher(end_event_types)
        self._cache = {}

    @classmethod
    def from_conf(cls, conf):
        """A recogniser for the ``[fault_persist]`` options of ``conf``."""
        group = conf.fault_persist
        tasks = group.track_tasks
        return cls(group.error_priorities, group.error_event_types,
                   group.task_start_event_types if tasks else (),
                   group.task_end_event_types if tasks else ())

    def kind(self, event_type, priority):
        """What a notification is to us.

        :param event_type: its event type (any value; non-strings are
            ignored).
        :param priority: its priority, as oslo.messaging gives it.
        :returns: :data:`ERROR`, :data:`START`, :data:`END` or ``None``.
        """
        key = (event_type, priority)
        try:
            return self._cache[key]
        except KeyError:
            pass
        except TypeError:
            return None  # unhashable event type: not a notification of ours
        result = self._classify(event_type, priority)
        if len(self._cache) >= _CACHE_LIMIT:
            # Event types are few; a flood of distinct ones must not grow
            # the host's memory without bound.
            self._cache.clear()
        self._cache[key] = result
        return result

    def _classify(self, event_type, priority):
        if not isinstance(event_type, str):
            return None
        if (isinstance(priority, str)
                and priority.upper() in self._error_priorities):
            return ERROR
        if self._is_error(event_type):
            return ERROR
        if self._is_start(event_type):
            return START
        if self._is_end(event_type):
            return END
        return None
