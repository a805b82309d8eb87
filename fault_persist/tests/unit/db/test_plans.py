"""plans: a Core statement compiled once per dialect, for a DB-API cursor."""

import datetime

import sqlalchemy as sa
import testtools

from fault_persist.db import plans

_WHEN = datetime.datetime(2026, 1, 1, 6)
# A name the dialect escapes ('a.b' is sent as 'a_b'), a datetime SQLite
# gets as text, and an IN list rendered per call.
_SENT = sa.cast(sa.bindparam('a.b', type_=sa.DateTime), sa.String)
_STATEMENTS = (
    (sa.select(_SENT.label('sent')), {'a.b': _WHEN}),
    (sa.select(_SENT.label('sent'), sa.literal(7).label('seven')).where(
        sa.literal(2).in_(sa.bindparam('twos', expanding=True))),
     {'a.b': _WHEN, 'twos': [1, 2]}),
)


class TestPlan(testtools.TestCase):

    def _engine(self, paramstyle):
        engine = sa.create_engine('sqlite://', paramstyle=paramstyle)
        self.addCleanup(engine.dispose)
        return engine

    def test_bound_as_sqlalchemy_binds_for_either_paramstyle(self):
        for paramstyle in ('qmark', 'named'):
            engine = self._engine(paramstyle)
            for statement, parameters in _STATEMENTS:
                plan = plans.plan_of(engine.dialect, statement)
                with engine.connect() as connection:
                    expected = connection.execute(statement,
                                                  parameters).all()
                    fetched = connection.exec_driver_sql(
                        *plan.bound(parameters)).all()
                self.assertEqual(['2026-01-01 06:00:00.000000'],
                                 [row[0] for row in expected])
                self.assertEqual(expected, plan.rows(fetched))
                self.assertEqual(list(statement.selected_columns.keys()),
                                 list(plan.rows(fetched)[0]._fields))

    def test_a_missing_value_is_refused(self):
        engine = self._engine('qmark')
        for statement, parameters in _STATEMENTS:
            plan = plans.plan_of(engine.dialect, statement)
            without = {name: value for name, value in parameters.items()
                       if name != 'a.b'}
            self.assertRaisesRegex(sa.exc.ArgumentError, 'a.b', plan.bound,
                                   without)

    def test_rows_are_processed_as_sqlalchemy_processes_them(self):
        engine = self._engine('qmark')
        # Text in SQLite, a datetime once processed.
        statement = sa.select(sa.literal_column(
            "'2026-01-01 06:00:00.000000'", sa.DateTime).label('when'))
        plan = plans.plan_of(engine.dialect, statement)
        with engine.connect() as connection:
            fetched = connection.exec_driver_sql(*plan.bound({})).all()
        self.assertEqual([(_WHEN,)], plan.rows(fetched))
        self.assertEqual(_WHEN, plan.rows(fetched)[0].when)

    def test_an_insert_is_compiled_for_the_columns_it_is_given(self):
        table = sa.Table('t', sa.MetaData(), sa.Column('a', sa.Integer),
                         sa.Column('b', sa.Integer))
        dialect = self._engine('qmark').dialect
        insert = sa.insert(table)
        only_a = plans.plan_of(dialect, insert, ('a',))
        both = plans.plan_of(dialect, insert, ('a', 'b'))
        self.assertEqual(('INSERT INTO t (a) VALUES (?)', (1,)),
                         only_a.bound({'a': 1}))
        self.assertEqual(('INSERT INTO t (a, b) VALUES (?, ?)', (1, 2)),
                         both.bound({'a': 1, 'b': 2}))
        self.assertIs(only_a, plans.plan_of(dialect, insert, ('a',)))
        self.assertFalse(only_a.returns_rows)
