import datetime

import testtools

import fault_persist
from fault_persist import exception
from fault_persist import faults
from fault_persist.tests import base
from fault_persist.tests import fault_store_behaviour


class TestFaultStoreOnSQLite(fault_store_behaviour.FaultStoreBehaviour,
                             base.TestCase):
    """The fault store's behaviour on the embedded default, SQLite."""


class TestNotInitialised(base.TestCase):

    USES_SQLITE = False

    def test_calls_before_init_are_clear_errors(self):
        fault_persist.config.reset()
        self.assertRaises(exception.NotInitialized, fault_persist.get_fault,
                          base.admin_context(), 'i-1')
        self.assertRaises(exception.NotInitialized, fault_persist.save_fault,
                          None, 'i-1', 'Boom')


class TestListArguments(base.TestCase):

    def test_bad_limit_is_a_clear_error(self):
        for bad in (0, -1, 'ten'):
            self.assertRaises(exception.InvalidField,
                              fault_persist.list_faults,
                              base.admin_context(), limit=bad)

    def test_bad_time_is_a_clear_error(self):
        self.assertRaises(exception.InvalidTimeRange,
                          fault_persist.list_faults, base.admin_context(),
                          since='yesterday')

    def test_purge_rejects_negative_age(self):
        self.assertRaises(exception.InvalidField, fault_persist.purge_faults,
                          -1)


class TestFaultRecord(base.TestCase):

    def test_a_direct_calls_values_are_cleaned(self):
        row = faults.fault_record('i-1', ' Boom\n  again ',
                                  'password=hunter2\n\n')
        self.assertEqual(('Boom again', 'password=***'),
                         (row['message'], row['details']))


class TestFaultView(testtools.TestCase):

    def test_created_is_the_text_strftime_gives(self):
        for when in (datetime.datetime(2026, 5, 4, 10, 0, 30, 999999),
                     datetime.datetime(1000, 1, 1),
                     datetime.datetime(9999, 12, 31, 23, 59, 59),
                     datetime.datetime(999, 1, 1),
                     datetime.datetime(2026, 5, 4, 10, 0, 30,
                                       tzinfo=datetime.timezone.utc)):
            self.assertEqual(when.strftime(faults.ISO8601_UTC),
                             faults._iso8601(when), when)
        self.assertIsNone(faults._iso8601(None))
