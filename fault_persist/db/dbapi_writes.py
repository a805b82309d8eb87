"""Write transactions on a DB-API connection, past SQLAlchemy.

On SQLite a capture's transaction is a few small statements and a commit:
an error is its fault, its task and its request-log entry. Through oslo.db's
enginefacade and SQLAlchemy's execution, the Python around them cost more
than SQLite's own work: about 100 microseconds of CPU per transaction
(the transaction's objects and events, ``BEGIN`` as a statement of its own)
and 40 to 60 per statement (the compiled cache's look-up, the
parameters worked out again, the result set up), against 20 to 30 for
SQLite to run the statement. Here the transaction runs on a DB-API
connection of the engine's pool, as
:func:`~fault_persist.db.engine.read_rows` runs a read:

* the statements are the same Core statements, each compiled once per
  dialect (and set of parameter names) by :mod:`~fault_persist.db.plans`,
  as for a read: bound with SQLAlchemy's own bind processors (a
  ``datetime`` as SQLAlchemy stores it on SQLite), their rows processed
  as SQLAlchemy's result does;
* ``BEGIN``, the statements and ``COMMIT`` run on the connection's cursor:
  oslo.db's SQLite connections run in the driver's autocommit mode, so
  the driver sends nothing else; one transaction, one commit, as before;
* the pool is the engine's, with oslo.db's process guard at check-out and
  the reset (``rollback()``) at check-in;
* after a commit, SQLite's write-ahead log is kept from growing without
  end (:mod:`~fault_persist.db.sqlite_wal`);
* a failure is translated by oslo.db's exception filters, as through
  SQLAlchemy (:func:`~fault_persist.db.engine.raise_translated`): the
  same ``DBDuplicateEntry`` of a redelivery, the same ``OperationalError``
  of a locked database; the transaction is rolled back, and a connection
  that lost its database, or was interrupted midway, leaves the pool.

On PostgreSQL too, for what SQLAlchemy cannot do: run the batch
statements of a capture prepared (:mod:`~fault_persist.db.prepared`), so
that the server does not parse, analyse and plan them again at every
batch. psycopg2 begins the transaction itself (its ``BEGIN``, as through
SQLAlchemy), and the connection's ``commit()`` ends it. A prepared
statement that fails by itself (its result type changed, or a pooler
lost it, see :func:`~fault_persist.db.prepared.stale`) closes the
connection, as a lost one.

MySQL and MariaDB keep enginefacade's writer connection.

Usage::

    with dbapi_writes.write_connection() as connection:
        connection.execute(statement, rows)
"""

import contextlib

from oslo_db import exception as db_exc

from fault_persist.db import engine as db_engine
from fault_persist.db import plans
from fault_persist.db import prepared
from fault_persist.db import sqlite_wal

# The databases whose writes run here.
_ON_DBAPI = frozenset(['sqlite', 'postgresql'])


@contextlib.contextmanager
def write_connection():
    """A write transaction of its own, as a context manager.

    On SQLite and PostgreSQL a :class:`DBAPIConnection`; elsewhere
    enginefacade's writer connection
    (:func:`fault_persist.db.engine.write_connection`). Either
    commits when the block ends and rolls back when it raises.
    """
    engine = db_engine.get_engine()
    if engine.dialect.name not in _ON_DBAPI:
        with db_engine.write_connection() as connection:
            yield connection
        return
    try:
        pooled = engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as exc:
        db_engine.raise_translated(exc, engine)
    try:
        cursor = pooled.dbapi_connection.cursor()
        if engine.dialect.name == 'sqlite':
            cursor.execute('BEGIN')
    except Exception as exc:
        _fail(engine, pooled, exc)
    connection = DBAPIConnection(engine, pooled, cursor)
    try:
        yield connection
    except BaseException as exc:
        # Interrupted midway (a greenlet killed, Ctrl-C), the connection's
        # state is unknown.
        _give_back(pooled, exc, connection.lost
                   or not isinstance(exc, Exception))
        raise
    try:
        pooled.dbapi_connection.commit()
    except Exception as exc:
        _fail(engine, pooled, exc)
    try:
        if engine.dialect.name == 'sqlite':
            sqlite_wal.after_commit(cursor)
    finally:
        # Committed: pooled again even when interrupted during the check.
        cursor.close()
        pooled.close()


def _fail(engine, pooled, exc):
    """Give the connection back and raise ``exc`` as oslo.db translates it."""
    lost = db_engine.connection_lost(engine, pooled.dbapi_connection, exc)
    try:
        db_engine.raise_translated(exc, engine)
    except db_exc.DBConnectionError:
        lost = True
        raise
    finally:
        _give_back(pooled, exc, lost)


def _give_back(pooled, exc, lost):
    """Return a connection whose transaction failed to the pool.

    The pool's reset at check-in rolls the transaction back. A connection
    that is ``lost`` is closed instead, and the pool opens another.
    """
    if lost:
        pooled.invalidate(exc if isinstance(exc, Exception) else None)
    else:
        pooled.close()


class DBAPIConnection:
    """The statements of a write transaction, on a DB-API cursor.

    What the writers of :mod:`fault_persist.db` use of a SQLAlchemy
    connection: :attr:`dialect` and :meth:`execute`.
    """

    def __init__(self, engine, pooled, cursor):
        self._engine = engine
        self.dialect = engine.dialect
        self._pooled = pooled
        self._dbapi_connection = pooled.dbapi_connection
        self._cursor = cursor
        #: Whether a statement found the connection without its database.
        self.lost = False

    def execute(self, statement, parameters=None):
        """Run a Core statement in the transaction.

        :param statement: a statement built once (module level): its
            compiled form is kept per statement, dialect and parameter
            names.
        :param parameters: ``{bind parameter name: value}`` (an ``IN``
            list's parameter takes a list), or a list of them: the
            statement runs for each (``executemany``; row by row when it
            returns rows, as SQLite returns none of an ``executemany``).
        :returns: a :class:`Rows` of what the statement returns.
        :raises: :class:`oslo_db.exception.DBError` and its subclasses, and
            what oslo.db passes on as SQLAlchemy raises it.
        """
        many = parameters if isinstance(parameters, list) else [
            parameters or {}]
        if not many:
            many = [{}]
        # An INSERT or UPDATE that takes its columns from the parameters
        # compiles to other SQL for other names, as through SQLAlchemy.
        plan = plans.plan_of(
            self.dialect, statement,
            tuple(sorted(many[0])) if statement.is_dml else None)
        cursor = self._cursor
        fetched = []
        prepare = len(many) == 1 and prepared.wanted(self.dialect, statement,
                                                     plan)
        try:
            if prepare:
                prepared.execute(self._pooled, cursor, plan,
                                 plan.bound(many[0])[1])
                if plan.returns_rows:
                    fetched = cursor.fetchall()
            elif len(many) > 1 and not plan.returns_rows and plan.sql:
                cursor.executemany(plan.sql, [plan.bound(row)[1]
                                              for row in many])
            else:
                for row in many:
                    cursor.execute(*plan.bound(row))
                    if plan.returns_rows:
                        fetched.extend(cursor.fetchall())
        except Exception as exc:
            # As SQLAlchemy's execution passes any failure of a statement
            # (e.g. a text the driver cannot encode) to oslo.db's filters.
            self.lost = db_engine.connection_lost(
                self._engine, self._dbapi_connection, exc)
            if prepare and prepared.stale(exc):
                # Another connection prepares it again (see prepared).
                self.lost = True
                prepared.forsake(self.dialect, exc)
            try:
                db_engine.raise_translated(exc, self._engine)
            except db_exc.DBConnectionError:
                self.lost = True
                raise
        return Rows(plan.rows(fetched))


class Rows(list):
    """The rows a statement returned, each a named tuple, as a list."""

    def all(self):
        """The rows, as a list (as a SQLAlchemy result's ``all()``)."""
        return list(self)
