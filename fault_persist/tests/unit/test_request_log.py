from unittest import mock

import fault_persist
from fault_persist import exception
from fault_persist import request_log
from fault_persist import tasks
from fault_persist.tests import base
from fault_persist.tests import task_events as ev


class TestRequestLogLines(base.TestCase):

    def _record(self, count):
        for index in range(count):
            tasks.record_events([ev.trove_event(
                'start', 'req-%d' % index, ev.seconds(index))])

    def test_bad_filters_raise_before_the_first_line(self):
        self.assertRaises(exception.InvalidField,
                          fault_persist.request_log_lines,
                          base.admin_context(), status=7)
        self.assertRaises(exception.InvalidTimeRange,
                          fault_persist.request_log_lines,
                          base.admin_context(), since='soon')

    def test_bad_zone_is_a_clear_error(self):
        self.flags(log_timezone='Nowhere/Atlantis')
        self.assertRaises(exception.InvalidTimezone,
                          fault_persist.request_log_lines,
                          base.admin_context())

    def test_lines_read_page_after_page_each_entry_once(self):
        self._record(7)
        with mock.patch.object(request_log, 'LINES_PAGE_SIZE', 2):
            lines = list(fault_persist.request_log_lines(
                base.admin_context()))
            limited = list(fault_persist.request_log_lines(
                base.admin_context(), limit=5))
        self.assertEqual(7, len(lines))
        self.assertEqual(7, len(set(lines)))
        self.assertEqual(['[2026-05-04 10:00:%02d UTC]' % second
                          for second in range(6, -1, -1)],
                         [line.split(' TASK')[0] for line in lines])
        self.assertEqual(lines[:5], limited)

    def test_lines_after_a_marker(self):
        self._record(4)
        entries = fault_persist.list_request_log(base.admin_context())
        lines = list(fault_persist.request_log_lines(
            base.admin_context(), marker=entries[1]['id']))
        self.assertEqual(2, len(lines))
        for entry, line in zip(entries[2:], lines):
            self.assertTrue(line.endswith(' 10.0.0.15 ' + entry['message']),
                            line)


class TestArguments(base.TestCase):

    def test_task_id_is_required(self):
        self.assertRaises(exception.InvalidField, fault_persist.get_task,
                          base.admin_context(), None)
        self.assertRaises(exception.InvalidField,
                          fault_persist.entries_between,
                          base.admin_context(), 'seven')

    def test_status_of_tasks_is_checked(self):
        self.assertRaises(exception.InvalidField, fault_persist.list_tasks,
                          base.admin_context(), status=1003)

    def test_queries_need_init(self):
        fault_persist.config.reset()
        self.assertRaises(exception.NotInitialized,
                          fault_persist.list_request_log,
                          base.admin_context())
