"""A Core statement compiled once per dialect, for a DB-API cursor.

:func:`~fault_persist.db.engine.read_rows` and
:mod:`~fault_persist.db.dbapi_writes` run Core statements on a DB-API
cursor, past SQLAlchemy's execution. A :class:`Plan` is what they need of
a statement, worked out once per dialect: its SQL, its values bound as
SQLAlchemy binds them (the types' bind processors) and its rows processed
as SQLAlchemy's result processes them (the types' result processors).
:func:`plan_of` keeps the plans of the :data:`KEPT` statements used last.
"""

import collections
import weakref

import sqlalchemy as sa


class Plan:
    """A statement compiled for one dialect: its SQL, values and rows.

    A statement whose SQL is the same for every call (no ``IN`` list)
    keeps its SQL and the values of its literals (and of the parameters
    that may be left out, ``None`` unless given): a call only adds its own
    values (SQLAlchemy's ``construct_expanded_state()`` works all of them
    out again at every call, several microseconds).
    """

    def __init__(self, dialect, statement, column_keys=None):
        """Compile ``statement`` for ``dialect``.

        :param column_keys: for an INSERT or UPDATE, the names of the
            columns its parameters give, as SQLAlchemy compiles it for
            them; ``None`` otherwise.
        """
        self.compiled = compiled = statement.compile(
            dialect=dialect,
            column_keys=None if column_keys is None else list(column_keys))
        columns = list(statement.exported_columns)
        #: Whether the statement returns rows (a SELECT, a RETURNING).
        self.returns_rows = bool(columns)
        # An unnamed or unusable name becomes _<position>.
        self.row_type = collections.namedtuple(
            'Row', [str(column.key) for column in columns], rename=True)
        # What SQLAlchemy's result applies to each column (e.g. text to
        # datetime on SQLite); no type of ours depends on the driver's
        # type code.
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns]
        # (position, processor) of the columns that have one: a page of a
        # hundred rows of eighteen columns, one of them a date, spends
        # less on the seventeen others.
        self.processed = tuple((position, process) for position, process
                               in enumerate(processors) if process)
        # What SQLAlchemy applies to each value it binds (e.g. a datetime
        # to text on SQLite), by the name the DB-API sees;
        # construct_expanded_state() gives only those of the values an IN
        # list expands to.
        self.escaped = escaped = compiled.escaped_bind_names or {}
        self.bind_processors = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None and (
                    bind not in compiled.post_compile_params):
                self.bind_processors[escaped.get(name, name)] = process
        self.positional = compiled.positional
        self.required = frozenset(bind.key for bind in compiled.binds.values()
                                  if bind.required)
        self.sql = None
        if compiled.post_compile_params or compiled.escaped_bind_names:
            return
        fixed = compiled.construct_expanded_state(
            dict.fromkeys(self.required))
        if not self.required.issubset(fixed.parameters):
            return
        self.sql = fixed.statement
        self.literals = {name: value
                         for name, value in fixed.parameters.items()
                         if name not in self.required}
        self.order = fixed.positiontup if compiled.positional else None

    def bound(self, parameters):
        """The SQL and the DB-API parameters of one call.

        :param parameters: ``{bind parameter name: value}``; an expanding
            (``IN``) parameter takes a list.
        :returns: ``(sql, values)`` for the cursor's ``execute()``: a
            tuple of values for a positional DB-API, else a dict.
        :raises: :class:`sqlalchemy.exc.ArgumentError` when a required
            parameter is missing.
        """
        processors = self.bind_processors
        if self.sql is None:
            self._check_required(parameters)
            expanded = self.compiled.construct_expanded_state(parameters)
            sql, values = expanded.statement, expanded.parameters
            order = expanded.positiontup
            if order and self.escaped:
                # Its values are by the names the DB-API would see.
                order = [self.escaped.get(name, name) for name in order]
            if expanded.processors:
                processors = dict(processors, **expanded.processors)
        else:
            sql, values = self.sql, dict(self.literals)
            values.update(parameters)
            order = self.order
        for name in processors:
            if name in values:
                values[name] = processors[name](values[name])
        if not self.positional:
            self._check_required(parameters)
            return sql, values
        try:
            return sql, tuple([values[name] for name in order])
        except KeyError:
            # Every literal is there (checked at compile time): a required
            # value is not. Checked here only, not at every call.
            self._check_required(parameters)
            raise

    def _check_required(self, parameters):
        """Raise ``ArgumentError`` if ``parameters`` lack a required one."""
        missing = self.required.difference(parameters)
        if missing:
            raise sa.exc.ArgumentError(
                'A value is required for bind parameters %s'
                % ', '.join(sorted(missing)))

    def rows(self, fetched):
        """The DB-API's rows as named tuples, processed as SQLAlchemy."""
        make = self.row_type._make
        processed = self.processed
        if not processed:
            return [make(row) for row in fetched]
        rows = []
        for row in fetched:
            values = list(row)
            for position, process in processed:
                values[position] = process(values[position])
            rows.append(make(values))
        return rows


#: The most statements :func:`plan_of` keeps compiled per dialect, the
#: least recently used dropped first (a statement built per combination
#: of filters must not fill the memory).
KEPT = 256

# {dialect: OrderedDict({statement or (statement, column keys): Plan})},
# least recently used first; engines (and their dialects) come and go in
# tests and tools, their plans with them. A plan holds its statement:
# only dropping it from here lets the statement go.
_PLANS = weakref.WeakKeyDictionary()


def plan_of(dialect, statement, column_keys=None):
    """The :class:`Plan` of ``statement`` on ``dialect``, compiled once.

    :param dialect: the engine's dialect.
    :param statement: a Core statement, built once (at module level, or
        kept by the caller).
    :param column_keys: for an INSERT or UPDATE that takes its columns
        from its parameters, a tuple of their names: other names compile
        to other SQL, as through SQLAlchemy. ``None`` otherwise.
    """
    plans = _PLANS.get(dialect)
    if plans is None:
        plans = _PLANS.setdefault(dialect, collections.OrderedDict())
    key = statement if column_keys is None else (statement, column_keys)
    plan = plans.get(key)
    if plan is not None:
        try:
            plans.move_to_end(key)
        except KeyError:
            # Another thread dropped it meanwhile: it is compiled again
            # next time.
            pass
        return plan
    plan = plans[key] = Plan(dialect, statement, column_keys)
    while len(plans) > KEPT:
        try:
            plans.popitem(last=False)
        except KeyError:
            break
    return plan
