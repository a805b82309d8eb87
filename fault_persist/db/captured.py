"""Storage of what a capture made of a batch: faults and entries at once."""

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc

from fault_persist.db import dbapi_writes
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist.db import prepared
from fault_persist.db import request_log as db_request_log


def add_captured(fault_rows, entries, resolve=True):
    """Store what a capture made of a batch, in one transaction.

    The faults and the request-log entries of a batch of notifications
    commit together: one round trip to commit instead of two, and never a
    fault without its request-log entry. Idempotent on ``message_id`` as
    :func:`~fault_persist.db.faults.add_faults` and
    :func:`~fault_persist.db.request_log.add_task_entries` are.

    Most batches hold only notifications never stored, so the rows are
    first inserted without looking for them. On PostgreSQL each table
    takes the batch in one statement that leaves out what is stored
    (``ON CONFLICT DO NOTHING``) and looks up only that. Elsewhere, when
    the database refuses a row as stored before (a redelivery, a replay)
    or another writer gets in the way, the whole transaction is tried
    again, looking first. On SQLite and PostgreSQL the transaction runs
    on the DB-API connection (:mod:`~fault_persist.db.dbapi_writes`): on
    SQLite an error is three inserts and a commit; on PostgreSQL the
    batch's three statements run prepared
    (:mod:`~fault_persist.db.prepared`), and a prepared statement that
    fails by itself (a migration changed a column it returns) is tried
    again on another connection.

    :param fault_rows: as :func:`~fault_persist.db.faults.add_faults`
        takes them.
    :param entries: as
        :func:`~fault_persist.db.request_log.add_task_entries` takes them.
    :param resolve: as ``add_faults`` and ``add_task_entries`` take it.
    :returns: ``(fault_ids, entries_stored)``: the stored id of each fault
        row, and how many entries this call stored.
    :raises: oslo.db exceptions when the database fails; a second call
        with the same rows and entries is then harmless.
    """
    try:
        return _add_captured_once(fault_rows, entries, resolve,
                                  look_up=False)
    except db_engine.DATABASE_ERRORS as exc:
        # A statement prepared on the connection that fails by itself is
        # prepared again on another (see prepared.stale).
        if not (db_engine.settle_again(exc)
                or isinstance(exc, db_exc.DBDeadlock)
                or prepared.stale(exc)):
            raise
    return _add_captured_settling(fault_rows, entries, resolve)


def _add_captured_once(fault_rows, entries, resolve, look_up):
    with dbapi_writes.write_connection() as connection:
        # Faults first: a completed entry of the batch then resolves the
        # faults of the batch it comes after too.
        fault_ids = db_faults.add_faults_on(connection, fault_rows,
                                            look_up, resolve)
        stored, _task_ids = db_request_log.add_task_entries_on(
            connection, entries, look_up, resolve)
    return fault_ids, stored


@oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0.05,
                           inc_retry_interval=True, max_retry_interval=1,
                           retry_on_deadlock=True,
                           exception_checker=db_engine.settle_again)
def _add_captured_settling(fault_rows, entries, resolve):
    # After a conflict with another writer, a second pass sees what that
    # writer stored.
    return _add_captured_once(fault_rows, entries, resolve, look_up=True)
