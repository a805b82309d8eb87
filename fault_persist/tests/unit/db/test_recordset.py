"""A batch of rows as one parameter (PostgreSQL's json_to_recordset)."""

import datetime
import json

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
import testtools

from fault_persist.db import models
from fault_persist.db import recordset

_FAULTS = models.InstanceFault.__table__


class TestRecordset(testtools.TestCase):

    def test_only_postgresql_reads_a_batch_as_one_parameter(self):
        self.assertEqual(
            [True, False, False],
            [recordset.supported(dialect) for dialect in (
                postgresql.dialect(), sqlite.dialect(), mysql.dialect())])

    def test_text_columns_are_text_in_the_record_others_keep_their_kind(self):
        rows = recordset.of(_FAULTS.c.id, _FAULTS.c.message,
                            _FAULTS.c.created, _FAULTS.c.deleted,
                            models.Task.__table__.c.status)
        sql = str(rows.select().compile(dialect=postgresql.dialect()))
        self.assertIn('json_to_recordset(CAST(%(rows)s', sql)
        # The table checks a value's length, as it does a parameter's.
        self.assertIn('AS r(id TEXT, message TEXT, created TIMESTAMP '
                      'WITHOUT TIME ZONE, deleted BOOLEAN, status BIGINT)',
                      sql)

    def test_parameters_are_one_json_text_with_iso_times(self):
        created = datetime.datetime(2026, 1, 2, 3, 4, 5, 6)
        parameters = recordset.parameters([
            {'id': 'f-1', 'message': 'caf\u00e9', 'created': created,
             'deleted': False, 'code': None}])
        self.assertEqual(['rows'], list(parameters))
        self.assertIn('caf\u00e9', parameters['rows'])
        self.assertEqual(
            [{'id': 'f-1', 'message': 'caf\u00e9',
              'created': '2026-01-02T03:04:05.000006', 'deleted': False,
              'code': None}], json.loads(parameters['rows']))

    def test_a_value_no_column_holds_is_refused(self):
        self.assertRaises(TypeError, recordset.parameters,
                          [{'id': object()}])

    @settings(max_examples=300, deadline=None)
    @given(rows=st.lists(st.dictionaries(
        st.sampled_from(['id', 'message', 'details', 'created', 'deleted',
                         'status', 'code']),
        st.none() | st.booleans() | st.text()
        | st.integers(-2 ** 70, 2 ** 70)
        | st.datetimes(min_value=datetime.datetime(1, 1, 1, 0, 0, 1),
                       timezones=st.sampled_from(
                           [None, datetime.timezone.utc]))),
        max_size=4))
    def test_the_text_reads_as_the_standard_librarys(self, rows):
        # orjson writes it when it can (lone surrogates, integers beyond
        # 64 bits: the standard library does, as it always did).
        standard = json.dumps(rows, ensure_ascii=False,
                              default=recordset._json_value)
        text = recordset.parameters(rows)['rows']
        self.assertIsInstance(text, str)
        self.assertEqual(json.loads(standard), json.loads(text))

    def test_a_lone_surrogate_is_left_to_the_driver_to_refuse(self):
        text = recordset.parameters([{'message': 'a\ud800b'}])['rows']
        self.assertIn('a\ud800b', text)
