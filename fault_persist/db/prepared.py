"""Server-side prepared statements on PostgreSQL, per DB-API connection.

A capture's batch on PostgreSQL is three statements of a few thousand
characters each (:mod:`~fault_persist.db.recordset`). psycopg2 prepares
nothing: at every call PostgreSQL parses, analyses and plans each of them
again, about a millisecond of the server's CPU per batch. A statement
marked with :func:`prepare` is instead prepared once per DB-API
connection (``PREPARE``) and run by name (``EXECUTE``) with its per-call
values; PostgreSQL keeps its analysis and, once it finds a generic plan
as good as the ones made for the values, the plan too.

* The prepared text is the one psycopg2 would send, the statement's
  literal values quoted into it by psycopg2 itself; only the values of
  a call become ``$1``, ``$2``..., given to ``EXECUTE`` as psycopg2
  gives them to a statement: the same values reach the same SQL.
* A statement is named after a digest of its prepared text: another
  text (another version of fault_persist, other literals) is another
  statement.
* What a connection has prepared is kept in its pool entry's ``info``,
  which SQLAlchemy clears when the connection is replaced (a lost
  connection, a recycle); a ``PREPARE`` is a round trip of its own, and
  counts once it succeeded (it is no part of the transaction, and outlives
  a rollback).
* PostgreSQL analyses and plans a prepared statement again when a table
  it reads changes (a migration). Only a changed type of a column it
  returns makes it fail (``cached plan must not change result type``),
  and a connection pooler that hands each transaction another server
  session makes it unknown there (``prepared statement ... does not
  exist``): :func:`stale` tells these apart. The connection is then
  closed, so that a second attempt prepares on a new one; after the
  latter, statements are no longer prepared on that engine (see
  :func:`forsake`).

Only psycopg2 (SQLAlchemy's default PostgreSQL driver): the others bind
values on the server or prepare by themselves.

Usage::

    STATEMENT = prepared.prepare(sa.insert(table).from_select(...))
    ...
    connection.execute(STATEMENT, {'rows': text})  # dbapi_writes
"""

import hashlib
import weakref

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

#: The execution option marking a statement to prepare.
OPTION = 'fault_persist_prepare'
# The key of the names prepared on a connection, in its pool entry's info.
_INFO_KEY = 'fault_persist.prepared'
# The dialects (engines) whose connections go through a pooler that
# forgets prepared statements between transactions.
_FORSAKEN = weakref.WeakSet()
# PostgreSQL's codes of what makes a prepared statement fail by itself.
_UNKNOWN_NAME = '26000'  # invalid_sql_statement_name
_NOT_SUPPORTED = '0A000'  # feature_not_supported: the result type changed


def prepare(statement):
    """``statement``, marked to run prepared where it can.

    :param statement: a Core statement whose SQL is the same at every
        call (no ``IN`` list), built once.
    :returns: the statement with the execution option :data:`OPTION`.
    """
    return statement.execution_options(**{OPTION: True})


def wanted(dialect, statement, plan):
    """Whether ``statement`` runs prepared on ``dialect``.

    :param plan: its :class:`~fault_persist.db.plans.Plan`.
    """
    return (dialect.driver == 'psycopg2' and plan.sql is not None
            and dialect not in _FORSAKEN
            and statement.get_execution_options().get(OPTION, False))


class Form:
    """What runs a :class:`~fault_persist.db.plans.Plan` prepared.

    Made once per plan (:func:`form_of`), with a psycopg2 cursor to quote
    the statement's literal values.
    """

    def __init__(self, plan, cursor):
        from psycopg2 import extensions
        # The call's values in order, each a parameter of the prepared
        # statement; the literals quoted in, as psycopg2 sends them.
        self.names = names = sorted(plan.required)
        values = dict(plan.literals)
        values.update((name, extensions.AsIs('$%d' % number))
                      for number, name in enumerate(names, 1))
        # Bytes in the connection's encoding, as psycopg2 sends them.
        text = cursor.mogrify(plan.sql, values)
        #: The statement's name: a digest of its text.
        self.name = 'fault_persist_%s' % hashlib.sha1(text).hexdigest()[:20]
        #: The ``PREPARE`` of the statement (run without parameters, so
        #: psycopg2 leaves its ``%`` alone).
        self.prepare_sql = b'PREPARE %s AS %s' % (self.name.encode(), text)
        #: The ``EXECUTE``, with the call's values as psycopg2 parameters.
        self.execute_sql = 'EXECUTE %s(%s)' % (self.name, ', '.join(
            '%%(%s)s' % name for name in names))


_FORMS = weakref.WeakKeyDictionary()


def form_of(plan, cursor):
    """The :class:`Form` of ``plan``, made once."""
    form = _FORMS.get(plan)
    if form is None:
        form = _FORMS[plan] = Form(plan, cursor)
    return form


def execute(pooled, cursor, plan, values):
    """Run ``plan`` prepared on ``cursor``, preparing it first if needed.

    :param pooled: the pool's connection (its ``info`` keeps what is
        prepared on its DB-API connection).
    :param cursor: a cursor of that DB-API connection, in the transaction.
    :param values: the DB-API parameters of the call, as
        :meth:`~fault_persist.db.plans.Plan.bound` gives them.
    :raises: the driver's exceptions.
    """
    form = form_of(plan, cursor)
    dbapi_connection = pooled.dbapi_connection
    known = pooled.info.get(_INFO_KEY)
    if known is None or known[0] is not dbapi_connection:
        # A new DB-API connection; its entry's info is cleared anyway.
        known = pooled.info[_INFO_KEY] = (dbapi_connection, set())
    if form.name not in known[1]:
        cursor.execute(form.prepare_sql)
        known[1].add(form.name)
    cursor.execute(form.execute_sql, values)


def stale(exc):
    """Whether ``exc`` is a prepared statement failing by itself.

    Its result type changed under it (a migration), or the server session
    does not know it (a pooler in between). Another connection prepares
    it again.

    :param exc: a driver's exception, or SQLAlchemy's or oslo.db's
        wrapping of one.
    """
    exc = _driver_error(exc)
    if exc is None:
        return False
    if exc.pgcode == _UNKNOWN_NAME:
        return 'fault_persist_' in str(exc)
    return (exc.pgcode == _NOT_SUPPORTED
            and 'cached plan must not change result type' in str(exc))


def forsake(dialect, exc):
    """Prepare no more on ``dialect`` when ``exc`` says a pooler forgot.

    A statement this process prepared, unknown to the server session
    later: a connection pooler (e.g. PgBouncer in transaction mode) gives
    the transactions of one client connection to different server
    sessions. Preparing is then of no use.
    """
    exc = _driver_error(exc)
    if exc is not None and exc.pgcode == _UNKNOWN_NAME and (
            dialect not in _FORSAKEN):
        _FORSAKEN.add(dialect)
        LOG.warning('fault_persist: PostgreSQL forgot a statement it '
                    'prepared on this connection (%s): a connection pooler '
                    'in transaction mode? Statements are no longer prepared.',
                    str(exc).strip().splitlines()[0])


def _driver_error(exc):
    """psycopg2's exception inside SQLAlchemy's or oslo.db's, or ``None``."""
    while exc is not None and not hasattr(exc, 'pgcode'):
        exc = getattr(exc, 'orig', None) or getattr(
            exc, 'inner_exception', None)
    return exc
