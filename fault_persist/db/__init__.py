"""Storage: the tables, their queries by record kind, and migrations.

==================  ====================================================
module              job
==================  ====================================================
``models``          the tables, declarative and dumb
``engine``          our own enginefacade context manager, the engine and
                    its URL, transactions, database errors
``faults``          faults: insert, show view, history, resolve, delete,
                    purge
``request_log``     request-log entries and tasks: insert, list, window,
                    purge
``task_upsert``     open or advance many tasks in one statement
``resolution``      faults resolved by completed request-log entries
``captured``        a captured batch's faults and entries in one
                    transaction
``dbapi_writes``    a write transaction on SQLite's DB-API connection,
                    past SQLAlchemy's execution
``plans``           a Core statement compiled once per dialect for a
                    DB-API cursor (``read_rows``, ``dbapi_writes``)
``recordset``       a batch of rows as one parameter (PostgreSQL)
``migration``       alembic migrations, with their own version table
==================  ====================================================

Storage imports nothing of fault_persist above it: besides itself, only
the pure :mod:`fault_persist.request_log_text` (the words of the request
log) and what that imports. It never calls back into the layers that
call it.
"""
