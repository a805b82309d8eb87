"""prepared: which statements run prepared, and which failures are theirs.

What PostgreSQL does with them is tested on PostgreSQL
(``tests/functional/db/test_prepared.py``).
"""

from oslo_db import exception as db_exc
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from fault_persist.db import plans
from fault_persist.db import prepared
from fault_persist.tests import base

_TABLE = sa.table('t', sa.column('a'))
_FIXED = sa.select(_TABLE.c.a).where(_TABLE.c.a == sa.bindparam('a'))
_IN_LIST = sa.select(_TABLE.c.a).where(
    _TABLE.c.a.in_(sa.bindparam('a', expanding=True)))


class _PGError(Exception):
    """A psycopg2 error: its SQLSTATE and message."""

    def __init__(self, pgcode, message):
        super().__init__(message)
        self.pgcode = pgcode


def _translated(orig):
    """``orig`` as oslo.db raises it: wrapped by SQLAlchemy, then oslo.db."""
    return db_exc.DBError(sa.exc.DBAPIError('EXECUTE ...', {}, orig))


class TestWanted(base.TestCase):

    def _wanted(self, dialect, statement):
        return prepared.wanted(dialect, statement,
                               plans.plan_of(dialect, statement))

    def test_a_marked_statement_is_prepared_with_psycopg2(self):
        self.assertTrue(self._wanted(postgresql.psycopg2.dialect(),
                                     prepared.prepare(_FIXED)))

    def test_an_unmarked_statement_is_not(self):
        self.assertFalse(self._wanted(postgresql.psycopg2.dialect(), _FIXED))

    def test_a_statement_of_other_sql_at_each_call_is_not(self):
        self.assertFalse(self._wanted(postgresql.psycopg2.dialect(),
                                      prepared.prepare(_IN_LIST)))

    def test_other_drivers_prepare_nothing(self):
        for dialect in (sqlite.dialect(), postgresql.psycopg.dialect()):
            self.assertFalse(self._wanted(dialect, prepared.prepare(_FIXED)))

    def test_a_forsaken_dialect_prepares_nothing(self):
        dialect = postgresql.psycopg2.dialect()
        prepared.forsake(dialect, _PGError(
            '26000', 'prepared statement "fault_persist_1" does not exist'))
        self.assertFalse(self._wanted(dialect, prepared.prepare(_FIXED)))


class TestStale(base.TestCase):

    def test_a_changed_result_type_is_stale(self):
        self.assertTrue(prepared.stale(_translated(_PGError(
            '0A000', 'cached plan must not change result type'))))

    def test_an_unknown_statement_of_ours_is_stale(self):
        self.assertTrue(prepared.stale(_translated(_PGError(
            '26000', 'prepared statement "fault_persist_ab" does not exist'))))

    def test_other_failures_are_not(self):
        for orig in (_PGError('23505', 'duplicate key value'),
                     _PGError('0A000', 'some feature is not supported'),
                     _PGError('26000', 'prepared statement "x" does not '
                                       'exist'),
                     ValueError('no pgcode')):
            self.assertFalse(prepared.stale(_translated(orig)), orig)

    def test_only_an_unknown_statement_forsakes_preparing(self):
        dialect = postgresql.psycopg2.dialect()
        prepared.forsake(dialect, _translated(_PGError(
            '0A000', 'cached plan must not change result type')))
        self.assertNotIn(dialect, prepared._FORSAKEN)
