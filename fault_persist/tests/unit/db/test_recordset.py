"""A batch of rows as one parameter (PostgreSQL's json_to_recordset)."""

import datetime
import json

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
