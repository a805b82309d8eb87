"""A batch of rows as one parameter: PostgreSQL's ``json_to_recordset``.

A capture writes batches of a hundred rows of twenty columns. Sent as an
``executemany`` (SQLAlchemy's "insertmanyvalues"), every value is a
parameter of its own: SQLAlchemy builds a dictionary of two thousand
names, psycopg2 adapts and quotes each value into the statement, and
PostgreSQL parses that text back; together more CPU than the rows' own
insertion. On PostgreSQL the batch goes as one JSON text instead, read
back as rows by ``json_to_recordset``::

    INSERT INTO instance_faults (id, ...)
    SELECT r.id, ... FROM json_to_recordset(CAST(%(rows)s AS JSON))
        AS r(id TEXT, ...)
    ON CONFLICT (message_id) DO NOTHING RETURNING ...

The statement is built once; only the text changes. Its values reach the
table as they would as parameters: text columns are declared ``TEXT`` in
the record, so a value too long for its column is refused by the table
as before. Other databases keep ``executemany``.

Usage::

    rows = recordset.of(table.c.id, table.c.created)
    insert = sa.insert(table).from_select(['id', 'created'],
                                          sa.select(rows.c.id,
                                                    rows.c.created))
    connection.execute(insert, recordset.parameters(dicts))
"""

import datetime
import json

import orjson
import sqlalchemy as sa

#: The name of the statement's one parameter.
PARAMETER = 'rows'

# The record's type of each kind of column: text for every string (the
# table's own type checks its length), the column's kind otherwise.
_RECORD_TYPES = (
    (sa.String, sa.Text),
    (sa.DateTime, sa.DateTime),
    (sa.Boolean, sa.Boolean),
    (sa.Integer, sa.BigInteger),
)


def supported(dialect):
    """Whether ``dialect``'s database reads a batch as one parameter."""
    return dialect.name == 'postgresql'


def of(*columns, name='r'):
    """The rows of the ``rows`` parameter, as a FROM clause.

    :param columns: the table columns the rows carry, by name; a row's
        other keys are ignored, a missing key reads as NULL.
    :param name: the alias of the rows in the statement.
    :returns: a table-valued function whose ``c`` has each column.
    """
    record = [sa.column(column.name, _record_type(column.type))
              for column in columns]
    rows = sa.cast(sa.bindparam(PARAMETER, type_=sa.Text), sa.JSON)
    return sa.func.json_to_recordset(rows).table_valued(
        *record).render_derived(name=name, with_types=True)


def _record_type(column_type):
    # An Identifier is a String underneath.
    column_type = getattr(column_type, 'impl_instance', column_type)
    for kind, record_type in _RECORD_TYPES:
        if isinstance(column_type, kind):
            return record_type()
    raise TypeError('no record type for %r' % (column_type,))


def parameters(rows):
    """The parameters of a statement reading ``rows`` through :func:`of`.

    :param rows: dicts of column values (text, naive UTC datetimes,
        booleans, integers, ``None``).
    :returns: ``{'rows': JSON text}``.
    """
    # Text as it is, not escaped to ASCII: shorter, and a value that is no
    # valid UTF-8 is refused by the driver as a parameter of its own is.
    # orjson writes a storm's batch (tracebacks and all) ten times faster
    # than the standard library, and a naive or UTC datetime as
    # isoformat() does, without a call back into Python for each; what
    # it refuses (a lone surrogate, an integer beyond 64 bits) goes to
    # the standard library, which answers as it always did.
    try:
        text = orjson.dumps(rows, default=_json_value)
    except TypeError:
        return {PARAMETER: json.dumps(rows, ensure_ascii=False,
                                      default=_json_value)}
    return {PARAMETER: text.decode('utf-8')}


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError('%r is no value of a column' % (value,))
