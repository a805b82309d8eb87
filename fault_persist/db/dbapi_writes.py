"""Write transactions on SQLite's DB-API connection, past SQLAlchemy.

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
  oslo.db's connections run in the driver's autocommit mode, so the
  driver sends nothing else; one transaction, one commit, as before;
* the pool is the engine's, with oslo.db's process guard at check-out and
  the reset (``rollback()``) at check-in;
* a failure is translated by oslo.db's exception filters, as through
  SQLAlchemy (:func:`~fault_persist.db.engine.raise_translated`): the
  same ``DBDuplicateEntry`` of a redelivery, the same ``OperationalError``
  of a locked database; the transaction is rolled back, and a connection
  that lost its database, or was interrupted midway, leaves the pool.

Other databases keep enginefacade's writer connection: a server's round
trips outweigh the Python around them.

Usage::

    with dbapi_writes.write_connection() as connection:
        connection.execute(statement, rows)
"""

import contextlib

from oslo_db import exception as db_exc

from fault_persist.db import engine as db_engine
from fault_persist.db import plans


@contextlib.contextmanager
def write_connection():
    """A write transaction of its own, as a context manager.

    On SQLite a :class:`DBAPIConnection`; elsewhere enginefacade's writer
    connection (:func:`fault_persist.db.engine.write_connection`). Either
    commits when the block ends and rolls back when it raises.
    """
    engine = db_engine.get_engine()
    if engine.dialect.name != 'sqlite':
        with db_engine.write_connection() as connection:
            yield connection
        return
    try:
        pooled = engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as exc:
        db_engine.raise_translated(exc, engine)
    try:
        cursor = pooled.dbapi_connection.cursor()
        cursor.execute('BEGIN')
    except Exception as exc:
        _fail(engine, pooled, exc)
    connection = DBAPIConnection(engine, pooled.dbapi_connection, cursor)
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
    cursor.close()
    pooled.close()


def _fail(engine, pooled, exc):
    """Give the connection back and raise ``exc`` as oslo.db translates it."""
    lost = _lost(engine, pooled.dbapi_connection, exc)
    try:
        db_engine.raise_translated(exc, engine)
    except db_exc.DBConnectionError:
        lost = True
        raise
    finally:
        _give_back(pooled, exc, lost)


def _lost(engine, dbapi_connection, exc):
    """Whether ``exc`` says the connection lost its database."""
    dialect = engine.dialect
    return isinstance(exc, dialect.loaded_dbapi.Error) and (
        dialect.is_disconnect(exc, dbapi_connection, None))


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

    def __init__(self, engine, dbapi_connection, cursor):
        self._engine = engine
        self.dialect = engine.dialect
        self._dbapi_connection = dbapi_connection
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
        try:
            if len(many) > 1 and not plan.returns_rows and plan.sql:
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
            self.lost = _lost(self._engine, self._dbapi_connection, exc)
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
