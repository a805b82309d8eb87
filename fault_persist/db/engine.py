"""fault_persist's engine and transactions, through oslo.db's enginefacade.

fault_persist keeps its *own* transaction context manager,
:data:`context_manager`, so its sessions never join a transaction of the
host service even when both live in one database. Callers pass no session:
each query of :mod:`fault_persist.db` opens its transaction with
:func:`reader`, :func:`writer`, :func:`read_connection` or
:func:`write_connection`, on a private scope object. A read of one
statement that needs no transaction (the show view) runs with
:func:`read_rows`, on the same engine and pool.
"""

import contextvars
import os

from oslo_db import exception as db_exc
from oslo_db import options as db_options
from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

from fault_persist.db import plans

SQLITE_FILE_NAME = 'fault_persist.sqlite'
#: What a database failure raises: oslo.db's exceptions, and the
#: OperationalError oslo.db passes on untranslated (e.g. SQLite's "database
#: is locked"). Callers that must not fail catch these.
DATABASE_ERRORS = (db_exc.DBError, sa.exc.OperationalError)


def error_reason(exc):
    """One line saying why the database failed, for an operator.

    :param exc: one of :data:`DATABASE_ERRORS`.
    """
    inner = getattr(exc, 'inner_exception', None) or exc
    # SQLAlchemy appends a "Background on this error" link line.
    return str(inner).strip().splitlines()[0]


#: The transaction context manager of every fault_persist query.
context_manager = enginefacade.transaction_context()
# Its writer, made once: every access to ``.writer`` makes a new one. It
# follows context_manager's factory, patched or not.
_WRITER = context_manager.writer


@enginefacade.transaction_context_provider
class _Scope:
    """A private holder of transaction state; never the host's context."""


def connection_url(conf):
    """The database URL fault_persist uses with ``conf``.

    :param conf: an oslo.config ``ConfigOpts`` with our options registered.
    :returns: ``[fault_persist] connection``, else ``[database] connection``,
        else a SQLite file under ``[fault_persist] state_path``.
    """
    if conf.fault_persist.connection:
        return conf.fault_persist.connection
    db_options.set_defaults(conf)
    if conf.database.connection:
        return conf.database.connection
    path = os.path.join(conf.fault_persist.state_path, SQLITE_FILE_NAME)
    return 'sqlite:///' + path


def _engine_url(url, connect_timeout, statement_timeout=0):
    """``url`` with what our engine needs on top of the configured one.

    On MySQL our engine speaks utf8mb4 even when the host's URL asks for
    the three-byte ``utf8``: our tables are utf8mb4, and a message may
    carry any character. On MySQL and PostgreSQL a connection attempt is
    bounded by ``connect_timeout`` unless the URL sets its own, and, with
    a ``statement_timeout`` (seconds), a statement or a lock wait is
    bounded too unless the URL sets its own options: PostgreSQL's
    ``statement_timeout`` and ``lock_timeout``, MySQL's
    ``innodb_lock_wait_timeout`` and the client's ``read_timeout`` and
    ``write_timeout`` (a server that stops answering). The host's own
    engine is not affected.
    """
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    extra = {}
    if backend in ('mysql', 'mariadb', 'postgresql'):
        if 'connect_timeout' not in parsed.query:
            extra['connect_timeout'] = str(connect_timeout)
    if statement_timeout and backend == 'postgresql' and (
            'options' not in parsed.query):
        milliseconds = statement_timeout * 1000
        extra['options'] = '-c statement_timeout=%d -c lock_timeout=%d' % (
            milliseconds, milliseconds)
    if statement_timeout and backend in ('mysql', 'mariadb'):
        for name in ('read_timeout', 'write_timeout'):
            if name not in parsed.query:
                extra[name] = str(statement_timeout)
        if 'init_command' not in parsed.query:
            extra['init_command'] = (
                'SET SESSION innodb_lock_wait_timeout=%d' % statement_timeout)
    if backend in ('mysql', 'mariadb') and (
            parsed.query.get('charset', 'utf8') in ('utf8', 'utf8mb3')):
        extra['charset'] = 'utf8mb4'
    if not extra:
        return url
    parsed = parsed.update_query_dict(extra)
    return parsed.render_as_string(hide_password=False)


def configure(conf):
    """Point :data:`context_manager` at the configured database.

    A second call, or a call once the engine has started (as when a test
    fixture has replaced the engine), leaves the engine as it is.

    :param conf: an oslo.config ``ConfigOpts`` with our options registered.
    """
    if context_manager.is_started:
        return
    url = connection_url(conf)
    if url.startswith('sqlite:///') and url != 'sqlite:///:memory:':
        directory = os.path.dirname(url[len('sqlite:///'):])
        if directory:
            os.makedirs(directory, exist_ok=True)
    configure_facade(context_manager, url,
                     conf.fault_persist.db_connect_timeout,
                     conf.fault_persist.db_statement_timeout,
                     conf.fault_persist.db_max_retries,
                     conf.fault_persist.sqlite_journal_mode)


def configure_facade(facade, url, connect_timeout=5, statement_timeout=0,
                     max_retries=0, sqlite_journal_mode='wal'):
    """Configure an enginefacade ``facade`` as fault_persist's own.

    :func:`configure` does it for :data:`context_manager`; benchmarks and
    tools do it for a facade they patch in.

    :param facade: an unstarted ``enginefacade.transaction_context()``.
    :param url: the database's SQLAlchemy URL.
    :param sqlite_journal_mode: ``wal`` or ``delete``, for a SQLite file.
    """
    facade.configure(
        connection=_engine_url(url, connect_timeout, statement_timeout),
        max_retries=max_retries,
        sqlite_fk=True,
        # oslo.db's sleep(0) at every check-in lets other (green) threads
        # run; our transactions are one or two short statements, and the
        # yield cost a show view more than its query (a scheduler round
        # on a busy host). The host's own engine keeps its setting.
        thread_checkin=False)
    facade.append_on_engine_create(_keep_sqlite_connections)
    facade.append_on_engine_create(_ping_unless_optimistic)
    facade.append_on_engine_create(_turn_off_postgresql_jit)
    facade.append_on_engine_create(
        lambda engine: _set_sqlite_journal(engine, sqlite_journal_mode))


#: What each new connection of our engine to PostgreSQL runs: ``jit``
#: off for the session, on a server that has it (11 and later).
POSTGRESQL_JIT_OFF = (
    "SELECT set_config('jit', 'off', false) "
    "WHERE current_setting('server_version_num')::integer >= 110000")


def _turn_off_postgresql_jit(engine):
    """Turn PostgreSQL's JIT compiler off on our engine's connections.

    Our statements are look-ups of a few rows each, or of a few per id of
    a page (see :func:`fault_persist.db.faults.get_latest_faults`): a
    millisecond or a few. The planner compiles a statement to machine
    code when its estimated cost passes ``jit_above_cost`` (100,000 by
    default), and the estimate of a page of correlated look-ups grows
    with the faults a resource has: on a table whose resources have many,
    it passes it, and the compilation costs more than the query (an
    earlier trial of a correlated shape took 300 ms a page). A
    setting per statement does not exist (``SET LOCAL`` needs a
    transaction, and the show view runs none), so it is one per session,
    as OLTP deployments often set it for the whole server: each new
    connection runs :data:`POSTGRESQL_JIT_OFF` once (not each check-out)
    and commits it, so that the pool's rollback at check-in keeps it.
    Only our engine's connections: the host's keep the server's setting;
    a URL whose ``options`` name ``jit`` keeps its own.
    """
    if engine.dialect.name != 'postgresql' or 'jit' in str(
            engine.url.query.get('options', '')):
        return

    @sa.event.listens_for(engine, 'connect')
    def _jit_off(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(POSTGRESQL_JIT_OFF)
        finally:
            cursor.close()
        dbapi_connection.commit()


def _set_sqlite_journal(engine, mode):
    """Give a SQLite file the journal ``mode``, durable at every commit.

    In ``wal`` mode a commit appends to the write-ahead log and fsyncs it
    once (``synchronous=FULL``), where the default rollback journal
    fsyncs the journal, then the database, then removes the journal: the
    in-process driver's error path waits for one fsync, not three, and
    the API's readers never wait for the capture's writer. The mode is
    kept in the file; each new connection asks for it again, which costs
    nothing once it is set.
    """
    if engine.dialect.name != 'sqlite' or not engine.url.database or (
            engine.url.database == ':memory:'):
        return

    @sa.event.listens_for(engine, 'connect')
    def _journal(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute('PRAGMA journal_mode=%s' % (
                'WAL' if mode == 'wal' else 'DELETE'))
            cursor.execute('PRAGMA synchronous=FULL')
        finally:
            cursor.close()


def _keep_sqlite_connections(engine):
    """Keep connections to a SQLite file open between transactions.

    oslo.db gives a SQLite file a ``NullPool``: every transaction opens
    the file again, and SQLite parses the schema again at its first
    statement, several times the cost of a show view's query. A
    ``QueuePool`` keeps them, as SQLAlchemy 2 does for a file by default
    (its pysqlite dialect turns ``check_same_thread`` off for files);
    pooled connections hold no lock between transactions, and
    :func:`forget_inherited_connections` still empties the pool after a
    fork. Other backends pool already.

    Without oslo.db's pre-ping: it finds a connection a server dropped,
    and a SQLite file has no server; its ``SELECT 1`` cost every check-out
    (every show view) about 2 microseconds, a tenth of the query.
    """
    pool = engine.pool
    if engine.dialect.name != 'sqlite' or not isinstance(
            pool, sa.pool.NullPool) or not engine.url.database or (
            engine.url.database == ':memory:'):
        return
    # As Pool.recreate() does, keeping the listeners oslo.db set up.
    engine.pool = sa.pool.QueuePool(
        pool._creator, pool_size=5, max_overflow=10,
        recycle=pool._recycle, echo=pool.echo,
        logging_name=pool._orig_logging_name,
        reset_on_return=pool._reset_on_return, pre_ping=False,
        _dispatch=pool.dispatch, dialect=pool._dialect)
    pool.dispose()


#: True while :func:`read_rows` checks out a connection it reads on
#: optimistically: :func:`_ping_unless_optimistic`'s check-out does not
#: ping it. A context variable, so that it holds for one thread, or one
#: greenlet, alone.
_OPTIMISTIC_CHECKOUT = contextvars.ContextVar(
    'fault_persist_optimistic_checkout', default=False)
# The DB-API connection a pool record connected last, until its first
# check-out: a connection just opened needs no ping.
_FRESH = 'fault_persist_fresh'


def _ping_unless_optimistic(engine):
    """Ping a server's pooled connections at check-out, but read_rows'.

    oslo.db creates a server's engine with SQLAlchemy's
    ``pool_pre_ping``: every check-out sends a ``SELECT 1`` (a ping on
    MySQL) first, a round trip, so that a connection the server dropped
    while it was pooled (a restart, an idle timeout, a fail-over) is
    replaced before a transaction starts on it. Here the pool pings in a
    ``checkout`` listener instead, as SQLAlchemy's "pessimistic"
    disconnect handling does: a ping that finds the connection lost
    raises ``InvalidatePoolError``, and the pool opens a new connection,
    and renews the others opened before, as with ``pool_pre_ping``. A
    connection just opened is not pinged, as with ``pool_pre_ping``; the
    listener runs after oslo.db's process guard, which replaces a
    connection inherited over a fork with a new one (so not pinged). A
    failed ping goes to no ``handle_error`` listener, unlike
    ``pool_pre_ping``'s: the lost connection is replaced, as there.

    Every check-out pings, sessions and writes alike, except those of
    :func:`read_rows`, which runs one read-only statement outside any
    transaction and reads once more, on a connection checked out again
    (so pinged, or new), when the first one had lost its server: a show
    view makes one round trip, not two.

    The pool's ``pre_ping`` is turned off through its private
    ``_pre_ping`` attribute (``Engine.dispose()`` recreates the pool
    with it); where SQLAlchemy names it otherwise the pool keeps
    pinging, and :func:`read_rows` with it. SQLite is left as it is
    (:func:`_keep_sqlite_connections`); the host's own engine too.
    """
    pool = engine.pool
    dialect = engine.dialect
    if dialect.name == 'sqlite' or getattr(pool, '_pre_ping', None) is not (
            True):
        return
    pool._pre_ping = False

    @sa.event.listens_for(engine, 'connect')
    def _fresh(dbapi_connection, record):
        record.info[_FRESH] = dbapi_connection

    @sa.event.listens_for(engine, 'checkout')
    def _ping(dbapi_connection, record, _proxy):
        fresh = record.info.pop(_FRESH, None) is dbapi_connection
        if fresh or _OPTIMISTIC_CHECKOUT.get():
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            if not connection_lost(engine, dbapi_connection, exc):
                raise
            raise sa.exc.InvalidatePoolError(
                'The ping at check-out found the connection lost: %s' % (
                    error_reason(exc))) from exc


def get_engine():
    """The writer engine, started on first use.

    Also the engine of a reader: oslo.db's readers are synchronous (they
    see what a writer just committed) unless configured otherwise, and
    fault_persist does not.
    """
    return _WRITER.get_engine()


def forget_inherited_connections():
    """In a forked process: leave the parent's pooled connections alone.

    A connection is one socket; two processes talking on it corrupt both
    conversations. ``dispose(close=False)`` empties this process's pool
    without closing the parent's connections, and it opens its own.
    """
    if context_manager.is_started:
        get_engine().dispose(close=False)


def writer():
    """A writer ORM session of its own, as a context manager."""
    return context_manager.writer.using(_Scope())


def reader():
    """A reader ORM session of its own, as a context manager."""
    return context_manager.reader.using(_Scope())


def write_connection():
    """A writer Core connection of its own, as a context manager."""
    return context_manager.writer.connection.using(_Scope())


def read_connection():
    """A reader Core connection of its own, as a context manager."""
    return context_manager.reader.connection.using(_Scope())


def read_rows(statement, parameters=None):
    """The rows of one SELECT, read on a pooled connection, no transaction.

    For a read that is one statement, run often (a show view): it needs
    no transaction, and a transaction costs more than the query. Through
    :func:`read_connection`, oslo.db's enginefacade opens and ends one
    around it: on SQLite a ``BEGIN`` and a ``ROLLBACK`` statement of their
    own (oslo.db's ``begin`` listener emits the ``BEGIN``), on PostgreSQL
    the driver's ``BEGIN`` and the ``ROLLBACK``, each a round trip; and
    SQLAlchemy's execution machinery costs more than the query's own
    execution. Here the statement, compiled once per dialect
    (:mod:`~fault_persist.db.plans`), runs on the DB-API cursor of a
    connection of the engine's pool:

    * the pool is the engine's, with oslo.db's process guard and the
      reset (``rollback()``) at check-in; on a server, without the ping
      every other check-out makes (:func:`_ping_unless_optimistic`): the
      statement runs on the pooled connection at once, and when it fails
      because that connection lost its server (a restart, an idle
      timeout), the connection leaves the pool and the statement runs
      once more on a connection checked out as any other is (pinged, or
      new); a second failure is raised;
    * SQLite: oslo.db's connections run in the driver's autocommit
      mode (``isolation_level = None``), so a SELECT opens no
      transaction and the reset has none to roll back;
    * PostgreSQL: the driver is put in autocommit mode for the statement,
      as SQLAlchemy's psycopg pre-ping does (no round trip: psycopg and
      psycopg2 set it on the client), so no ``BEGIN``, and no
      ``ROLLBACK`` at the reset;
    * MySQL and MariaDB: the SELECT opens no transaction of its own
      (PyMySQL's ``autocommit()`` would be a round trip each way), and
      the reset's ``ROLLBACK`` ends the server's implicit one, as before;
    * a failure is translated by oslo.db's exception filters, as for a
      statement run through SQLAlchemy: the same
      :class:`oslo_db.exception.DBError` classes (e.g.
      ``DBConnectionError`` while the database is down); a connection
      that lost its server leaves the pool.

    On an engine that pings at every check-out (one not configured by
    :func:`configure_facade`, e.g. a test fixture's), the first
    check-out is pinged too, and the statement still runs once more
    when its connection lost its server.

    :param statement: a Core ``SELECT``, built once (at module level, or
        kept by the caller): its compiled form is kept per statement and
        dialect, for the :data:`READ_PLANS_KEPT` statements used last.
    :param parameters: ``{bind parameter name: value}``; expanding
        (``IN``) parameters take a list.
    :returns: a list of named tuples, one per row, with the statement's
        column names and values as SQLAlchemy returns them (e.g. a
        ``datetime`` for a ``DateTime`` column on SQLite).
    :raises: :class:`oslo_db.exception.DBError` and its subclasses.
    """
    engine = get_engine()
    dialect = engine.dialect
    plan = plans.plan_of(dialect, statement)
    sql, values = plan.bound(parameters or {})
    # The first check-out is not pinged (see _ping_unless_optimistic); a
    # connection that lost its server while pooled fails the statement,
    # leaves the pool, and the statement runs once more on one checked
    # out as any other is (pinged, or new). One read-only statement
    # outside a transaction: running it again is safe.
    for optimistic in (True, False):
        # What SQLAlchemy's Connection translates, and how: a failed
        # check-out when it is the driver's; any failure of the statement.
        checkout = _OPTIMISTIC_CHECKOUT.set(optimistic)
        try:
            connection = engine.raw_connection()
        except dialect.loaded_dbapi.Error as exc:
            raise_translated(exc, engine)
        finally:
            _OPTIMISTIC_CHECKOUT.reset(checkout)
        try:
            rows = _fetch_outside_transaction(connection.dbapi_connection,
                                              dialect, sql, values)
        except Exception as exc:
            if connection_lost(engine, connection.dbapi_connection, exc):
                # Checks itself in, closed; the pool opens a new one.
                connection.invalidate(exc)
                if optimistic:
                    continue
            else:
                connection.close()
            raise_translated(exc, engine)
        except BaseException:
            # Interrupted midway (a greenlet killed, Ctrl-C): the
            # connection's state is unknown, so it is closed, not pooled.
            connection.invalidate()
            raise
        connection.close()
        return plan.rows(rows)


#: The most statements kept compiled per dialect
#: (:data:`fault_persist.db.plans.KEPT`, shared with the writes of
#: :mod:`~fault_persist.db.dbapi_writes`), the least recently used
#: dropped first.
READ_PLANS_KEPT = plans.KEPT


def _fetch_outside_transaction(dbapi_connection, dialect, sql, values):
    autocommit = dialect.name == 'postgresql' and (
        dbapi_connection.autocommit is False)
    if autocommit:
        dbapi_connection.autocommit = True
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql, values)
            return cursor.fetchall()
        finally:
            cursor.close()
    finally:
        if autocommit and not dbapi_connection.closed:
            dbapi_connection.autocommit = False


def connection_lost(engine, dbapi_connection, exc):
    """Whether ``exc`` says ``dbapi_connection`` lost its database.

    :param engine: the connection's engine.
    :param dbapi_connection: the DB-API connection ``exc`` came from.
    :param exc: an exception; only the driver's own can say so.
    """
    dialect = engine.dialect
    return isinstance(exc, dialect.loaded_dbapi.Error) and (
        dialect.is_disconnect(exc, dbapi_connection, None))


def raise_translated(exc, engine):
    """Raise ``exc`` as SQLAlchemy and oslo.db would have translated it.

    SQLAlchemy's own handling of an error outside a statement (a failed
    check-out): wrap a DB-API error in SQLAlchemy's exception and pass it
    through the engine's ``handle_error`` listeners, oslo.db's exception
    filters among them. It is private to SQLAlchemy; the unit and
    functional tests of :func:`read_rows` check what it raises, and those
    of :mod:`~fault_persist.db.dbapi_writes`, which raises its failures
    through it too.
    """
    sa.engine.Connection._handle_dbapi_exception_noconnection(
        exc, engine.dialect, engine)


def sqlite_busy(exc):
    """Whether SQLite refused a write because another one holds the lock.

    Two SQLite transactions that both read before they write (every insert
    of fault_persist first looks for what is stored already) cannot both
    upgrade to the write lock: one gets "database is locked" at once,
    whatever the busy timeout. It succeeds when tried again after the
    other commits.
    The notifier's writer thread and a direct call may write together.
    """
    # oslo.db hands OperationalError on as it is.
    return (isinstance(exc, sa.exc.OperationalError)
            and 'database is locked' in str(exc.orig))


def settle_again(exc):
    """Whether another writer got in the way, and a second pass settles it.

    It stored one of our entries or tasks first, or purged a task we were
    adding to, or holds SQLite's write lock: a second pass sees what it
    did.
    """
    return isinstance(exc, (db_exc.DBDuplicateEntry,
                            db_exc.DBReferenceError)) or sqlite_busy(exc)


def exactly_of(project_id, rows):
    """The rows whose ``project_id`` is exactly ``project_id``.

    A project's records are compared exactly: a database collation that
    folds case or ignores trailing spaces (MariaDB's default) must not let
    ``'PROJ-B'`` or ``'proj-b '`` read project ``proj-b``.

    :param project_id: the project, or ``None`` for rows of any project.
    :param rows: rows with a ``project_id``.
    :returns: a list of the rows kept, in order.
    """
    if project_id is None:
        return list(rows)
    return [row for row in rows if row.project_id == project_id]
