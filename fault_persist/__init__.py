"""fault_persist: persist and show the faults of OpenStack-style services.

The public API::

    import fault_persist

    fault_persist.init(CONF)                       # once, at start-up
    fault_persist.save_fault(ctxt, instance_id, 'Resize failed',
                             exc_info=True)        # where no notification is
    fault = fault_persist.get_fault(ctxt, instance_id)   # the show view
    faults = fault_persist.get_faults(ctxt, page_ids)    # a list view
    fault_persist.resolve_faults(ctxt, instance_id)      # it recovered
    fault_persist.delete_faults(ctxt, instance_id)       # with the instance
    fault_persist.purge_faults(datetime.timedelta(days=90))

    with fault_persist.track_task(ctxt, 'trove', target):   # request log
        run_the_task()
    fault_persist.list_request_log(ctxt, status=1002, limit=50)
    fault_persist.get_task(ctxt, task_id)           # status, duration
    fault_persist.flush()                            # when the service stops
    fault_persist.counters()     # {'received': 120, 'stored': 7, ...}

Everything not listed in ``__all__`` is private.
"""

from fault_persist.capture.counters import counters
from fault_persist.capture.direct import save_fault
from fault_persist.capture.direct import track_task
from fault_persist.capture.writer import flush
from fault_persist.conf import set_defaults
from fault_persist.config import init
from fault_persist.faults import delete_faults
from fault_persist.faults import get_fault
from fault_persist.faults import get_fault_by_id
from fault_persist.faults import get_faults
from fault_persist.faults import list_faults
from fault_persist.faults import purge_faults
from fault_persist.faults import resolve_faults
from fault_persist.request_log import entries_between
from fault_persist.request_log import get_task
from fault_persist.request_log import list_request_log
from fault_persist.request_log import list_tasks
from fault_persist.request_log import purge_request_log
from fault_persist.request_log import request_log_lines

__all__ = [
    'init',
    'set_defaults',
    'flush',
    'counters',
    'save_fault',
    'get_fault',
    'get_faults',
    'list_faults',
    'get_fault_by_id',
    'resolve_faults',
    'delete_faults',
    'purge_faults',
    'track_task',
    'list_request_log',
    'request_log_lines',
    'get_task',
    'list_tasks',
    'entries_between',
    'purge_request_log',
]
