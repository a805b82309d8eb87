"""Behaviour of the request log that must hold on every database backend.

Mixed into a SQLite test case (unit) and into PostgreSQL and MariaDB test
cases (functional), like :mod:`fault_persist.tests.fault_store_behaviour`.
"""

import datetime
import threading

from oslo_utils import uuidutils
import testtools

import fault_persist
from fault_persist import exception
from fault_persist import projections
from fault_persist import tasks
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import task_events as ev

STARTED, COMPLETED, FAILED = 1000, 1001, 1002


def _request_id():
    return 'req-' + uuidutils.generate_uuid()


class RequestLogBehaviour:
    """Tests of recording and reading the request log."""

    def _admin(self):
        return base.admin_context()

    def _task_of(self, request_id):
        listed = fault_persist.list_tasks(self._admin(),
                                          request_id=request_id)
        self.assertEqual(1, len(listed), listed)
        return listed[0]

    def _entries(self, **filters):
        return fault_persist.list_request_log(self._admin(), **filters)

    # Lifecycles from notifications -------------------------------------

    def test_trove_start_then_end_completes_the_task(self):
        request_id = _request_id()
        self.assertEqual(2, tasks.record_events([
            ev.trove_event('start', request_id, ev.seconds(0)),
            ev.trove_event('end', request_id, ev.seconds(90))]))
        task = self._task_of(request_id)
        self.assertEqual(COMPLETED, task['status'])
        self.assertFalse(task['running'])
        self.assertEqual('2026-05-04T10:00:00Z', task['started'])
        self.assertEqual('2026-05-04T10:01:30Z', task['ended'])
        self.assertEqual(90.0, task['duration'])
        self.assertEqual('trove', task['app'])
        self.assertEqual('dbaas.instance_create', task['action'])
        self.assertEqual(ev.TROVE_INSTANCE, task['instance_id'])
        self.assertEqual(ev.SAMPLE_PROJECT, task['project_id'])
        target = 'dbaas.instance_create ' + ev.TROVE_INSTANCE
        self.assertEqual(target, task['target'])
        entries = self._entries(request_id=request_id)
        self.assertEqual([
            'Successfully completed Trove task ID %d: %s'
            % (task['task_id'], target),
            'Started Trove task ID %d: %s' % (task['task_id'], target),
        ], [entry['message'] for entry in entries])
        self.assertEqual([COMPLETED, STARTED],
                         [entry['status'] for entry in entries])
        self.assertEqual(['FPTASK1001I', 'FPTASK1000I'],
                         [entry['msg_code'] for entry in entries])
        self.assertEqual({'TASK'}, {entry['req'] for entry in entries})
        self.assertEqual({'10.0.0.15'}, {entry['ip'] for entry in entries})
        self.assertEqual({task['task_id']},
                         {entry['task_id'] for entry in entries})

    def test_trove_start_then_error_fails_the_task(self):
        request_id = _request_id()
        tasks.record_events([
            ev.trove_event('start', request_id, ev.seconds(0)),
            ev.trove_event('error', request_id, ev.seconds(42))])
        task = self._task_of(request_id)
        self.assertEqual(FAILED, task['status'])
        self.assertEqual(42.0, task['duration'])
        failure = self._entries(request_id=request_id, status=FAILED)
        self.assertEqual(1, len(failure))
        self.assertEqual('RuntimeError', failure[0]['detail_code'])
        self.assertEqual('A guest error occurred',
                         failure[0]['detail_message'])
        self.assertEqual('FPTASK1002E', failure[0]['msg_code'])
        self.assertEqual(
            'Failure on Trove task ID %d: dbaas.instance_create %s '
            '(RuntimeError A guest error occurred)'
            % (task['task_id'], ev.TROVE_INSTANCE), failure[0]['message'])

    def test_nova_start_then_end_completes_the_task(self):
        request_id = _request_id()
        tasks.record_events([
            ev.nova_event('start', request_id, ev.seconds(0)),
            ev.nova_event('end', request_id, ev.seconds(12.5))])
        task = self._task_of(request_id)
        self.assertEqual(COMPLETED, task['status'])
        self.assertEqual(12.5, task['duration'])
        self.assertEqual('nova', task['app'])
        self.assertEqual('instance.create', task['action'])
        self.assertEqual(ev.NOVA_INSTANCE, task['instance_id'])
        self.assertEqual('fake', task['user_id'])
        entries = self._entries(request_id=request_id)
        self.assertEqual(
            'Started Nova task ID %d: instance.create %s'
            % (task['task_id'], ev.NOVA_INSTANCE), entries[-1]['message'])
        self.assertEqual({'fake'}, {entry['user'] for entry in entries})
        self.assertEqual({'192.0.2.7'}, {entry['ip'] for entry in entries})

    def test_nova_start_then_error_priority_fails_the_task(self):
        request_id = _request_id()
        tasks.record_events([
            ev.nova_event('start', request_id, ev.seconds(0)),
            ev.nova_event('error', request_id, ev.seconds(3))])
        task = self._task_of(request_id)
        self.assertEqual(FAILED, task['status'])
        self.assertEqual(3.0, task['duration'])
        failure = self._entries(request_id=request_id, status=FAILED)[0]
        self.assertEqual(
            "Failure on Nova task ID %d: instance.create %s "
            "(FlavorDiskTooSmall The created instance's disk would be too "
            "small.)" % (task['task_id'], ev.NOVA_INSTANCE),
            failure['message'])

    def test_each_request_is_its_own_task(self):
        first, second = _request_id(), _request_id()
        tasks.record_events([ev.nova_event('start', first),
                             ev.nova_event('start', second)])
        self.assertNotEqual(self._task_of(first)['task_id'],
                            self._task_of(second)['task_id'])

    def test_task_ids_are_small_increasing_integers(self):
        ids = []
        for _ in range(3):
            request_id = _request_id()
            tasks.record_events([ev.trove_event('start', request_id)])
            ids.append(self._task_of(request_id)['task_id'])
        self.assertTrue(all(isinstance(i, int) and i > 0 for i in ids))
        self.assertEqual(sorted(ids), ids)
        self.assertEqual(len(ids), len(set(ids)))

    def test_advancing_stored_tasks_takes_no_new_task_ids(self):
        first, second = _request_id(), _request_id()
        tasks.record_events([ev.trove_event('start', first, ev.seconds(0))])
        for phase in ('end', 'error'):
            tasks.record_events([ev.trove_event(phase, first,
                                                ev.seconds(5))])
        tasks.record_events([ev.trove_event('start', second)])
        self.assertEqual(self._task_of(first)['task_id'] + 1,
                         self._task_of(second)['task_id'])

    def test_a_batch_of_stored_and_new_tasks_takes_ids_for_the_new_only(
            self):
        stored = [_request_id() for _ in range(3)]
        tasks.record_events([ev.trove_event('start', request_id,
                                            ev.seconds(0))
                             for request_id in stored])
        highest = max(self._task_of(request_id)['task_id']
                      for request_id in stored)
        new = [_request_id() for _ in range(2)]
        self.assertEqual(5, tasks.record_events(
            [ev.trove_event('end', request_id, ev.seconds(5))
             for request_id in stored]
            + [ev.trove_event('start', request_id, ev.seconds(6))
               for request_id in new]))
        self.assertEqual(
            [highest + 1, highest + 2],
            sorted(self._task_of(request_id)['task_id']
                   for request_id in new))
        for request_id in stored:
            self.assertEqual(COMPLETED, self._task_of(request_id)['status'])

    def test_one_write_folds_a_batch_into_all_its_stored_tasks(self):
        request_ids = [_request_id() for _ in range(30)]
        tasks.record_events([ev.trove_event('start', request_id,
                                            ev.seconds(0))
                             for request_id in request_ids])
        statements = self.useFixture(fp_fixtures.SQLStatements()).statements
        self.assertEqual(30, tasks.record_events([
            ev.trove_event('end', request_id, ev.seconds(7))
            for request_id in request_ids]))
        writes = [statement for statement in statements
                  if statement.upper().startswith(('INSERT', 'UPDATE'))
                  and 'request_log_tasks' in statement]
        self.assertEqual(1, len(writes), writes)
        for request_id in request_ids:
            task = self._task_of(request_id)
            self.assertEqual(COMPLETED, task['status'])
            self.assertEqual(7.0, task['duration'])

    # Out of order, redelivered -------------------------------------------

    def test_end_before_start_gives_one_completed_task(self):
        request_id = _request_id()
        tasks.record_events([ev.trove_event('end', request_id,
                                            ev.seconds(60))])
        early = self._task_of(request_id)
        self.assertEqual(COMPLETED, early['status'])
        self.assertIsNone(early['started'])
        self.assertIsNone(early['duration'])
        tasks.record_events([ev.trove_event('start', request_id,
                                            ev.seconds(0))])
        task = self._task_of(request_id)
        self.assertEqual(early['task_id'], task['task_id'])
        self.assertEqual(COMPLETED, task['status'])
        self.assertEqual('2026-05-04T10:00:00Z', task['started'])
        self.assertEqual('2026-05-04T10:01:00Z', task['ended'])
        self.assertEqual(60.0, task['duration'])
        self.assertEqual(2, len(self._entries(task_id=task['task_id'])))

    def test_error_before_start_in_one_batch_gives_one_failed_task(self):
        request_id = _request_id()
        tasks.record_events([
            ev.nova_event('error', request_id, ev.seconds(8)),
            ev.nova_event('start', request_id, ev.seconds(1))])
        task = self._task_of(request_id)
        self.assertEqual(FAILED, task['status'])
        self.assertEqual(7.0, task['duration'])

    def test_a_late_start_does_not_reopen_a_failed_task(self):
        request_id = _request_id()
        tasks.record_events([ev.trove_event('error', request_id,
                                            ev.seconds(5))])
        tasks.record_events([ev.trove_event('start', request_id,
                                            ev.seconds(1))])
        task = self._task_of(request_id)
        self.assertEqual(FAILED, task['status'])
        self.assertFalse(task['running'])

    def test_task_spans_its_earliest_start_to_its_latest_end(self):
        # One request creating two instances reports the action twice.
        request_id = _request_id()
        for phase, second in (('start', 0), ('end', 50), ('start', 10),
                              ('end', 30)):
            tasks.record_events([ev.nova_event(phase, request_id,
                                               ev.seconds(second))])
        task = self._task_of(request_id)
        self.assertEqual('2026-05-04T10:00:00Z', task['started'])
        self.assertEqual('2026-05-04T10:00:50Z', task['ended'])
        self.assertEqual(50.0, task['duration'])

    def test_the_most_specific_target_wins_in_any_order(self):
        # Trove's create starts before the instance has an id.
        first, second = _request_id(), _request_id()
        for request_id, phases in ((first, ('start', 'end')),
                                   (second, ('end', 'start'))):
            for phase in phases:
                payload = {'instance_id': None} if phase == 'start' else {}
                tasks.record_events([ev.trove_event(phase, request_id,
                                                    payload=payload)])
        target = 'dbaas.instance_create ' + ev.TROVE_INSTANCE
        self.assertEqual(target, self._task_of(first)['target'])
        self.assertEqual(target, self._task_of(second)['target'])

    def test_error_without_start_gets_its_entry_and_task(self):
        request_id = _request_id()
        self.assertEqual(1, tasks.record_events([
            ev.trove_event('error', request_id)]))
        task = self._task_of(request_id)
        self.assertEqual(FAILED, task['status'])
        self.assertEqual(1, len(self._entries(task_id=task['task_id'])))

    def test_redelivered_events_are_stored_once(self):
        request_id = _request_id()
        events = [ev.trove_event('start', request_id, ev.seconds(0)),
                  ev.trove_event('end', request_id, ev.seconds(30))]
        self.assertEqual(2, tasks.record_events(events))
        self.assertEqual(0, tasks.record_events(events))
        self.assertEqual(0, tasks.record_events(list(reversed(events))))
        self.assertEqual(2, len(self._entries(request_id=request_id)))
        task = self._task_of(request_id)
        self.assertEqual(COMPLETED, task['status'])
        self.assertEqual(30.0, task['duration'])

    def test_a_batch_repeating_a_message_stores_it_once(self):
        request_id = _request_id()
        start = ev.trove_event('start', request_id)
        self.assertEqual(1, tasks.record_events([start, start._replace()]))
        self.assertEqual(1, len(self._entries(request_id=request_id)))

    def test_a_direct_calls_fault_is_no_entry(self):
        request_id = _request_id()
        row = projections.fault_row(ev.trove_event('error', request_id))
        self.assertEqual(0, tasks.record_events(
            [projections.spooled_fault(row)]))
        self.assertEqual([], self._entries(request_id=request_id))

    # Durations -------------------------------------------------------------

    def test_running_task_reports_time_running_so_far(self):
        request_id = _request_id()
        tasks.record_events([ev.nova_event('start', request_id,
                                           ev.seconds(0))])
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(300)))
        task = fault_persist.get_task(self._admin(),
                                      self._task_of(request_id)['task_id'])
        self.assertTrue(task['running'])
        self.assertEqual(STARTED, task['status'])
        self.assertIsNone(task['ended'])
        self.assertEqual(300.0, task['duration'])

    def test_finished_task_duration_does_not_grow(self):
        request_id = _request_id()
        tasks.record_events([
            ev.nova_event('start', request_id, ev.seconds(0)),
            ev.nova_event('end', request_id, ev.seconds(0.25))])
        task_id = self._task_of(request_id)['task_id']
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(3600)))
        self.assertEqual(0.25, fault_persist.get_task(
            self._admin(), task_id)['duration'])

    def test_unknown_task_is_a_clear_error(self):
        self.assertRaises(exception.TaskNotFound, fault_persist.get_task,
                          self._admin(), 987654321)
        self.assertRaises(exception.TaskNotFound,
                          fault_persist.entries_between, self._admin(),
                          987654321)

    # What happened in between ------------------------------------------

    def _record(self, phase, request_id, second, **kwargs):
        tasks.record_events([ev.trove_event(phase, request_id,
                                            ev.seconds(second), **kwargs)])

    def test_entries_between_a_tasks_start_and_end(self):
        long_task, other, later = _request_id(), _request_id(), _request_id()
        self._record('end', _request_id(), -1)          # before
        self._record('start', long_task, 0)
        self._record('start', other, 3)
        self._record('error', other, 5)
        self._record('end', long_task, 10)
        self._record('start', later, 11)                # after
        task_id = self._task_of(long_task)['task_id']
        between = fault_persist.entries_between(self._admin(), task_id)
        self.assertEqual(
            [(long_task, STARTED), (other, STARTED), (other, FAILED),
             (long_task, COMPLETED)],
            [(entry['request_id'], entry['status']) for entry in between])

    def test_entries_between_the_start_of_a_running_task_and_now(self):
        running, other = _request_id(), _request_id()
        self._record('start', running, 0)
        self._record('start', other, 20)
        self._record('end', other, 40)
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(30)))
        task_id = self._task_of(running)['task_id']
        between = fault_persist.entries_between(self._admin(), task_id)
        self.assertEqual([(running, STARTED), (other, STARTED)],
                         [(entry['request_id'], entry['status'])
                          for entry in between])

    def test_entries_between_pages_return_each_entry_once(self):
        long_task = _request_id()
        self._record('start', long_task, 0)
        for index in range(13):
            # Several entries share each second.
            self._record('start', _request_id(), 1 + index // 3)
        self._record('end', long_task, 100)
        task_id = self._task_of(long_task)['task_id']
        full = fault_persist.entries_between(self._admin(), task_id)
        self.assertEqual(15, len(full))
        seen, marker = [], None
        while True:
            page = fault_persist.entries_between(self._admin(), task_id,
                                                 limit=4, marker=marker)
            if not page:
                break
            self.assertLessEqual(len(page), 4)
            seen.extend(entry['id'] for entry in page)
            marker = page[-1]['id']
        self.assertEqual([entry['id'] for entry in full], seen)

    # Filters and pages ---------------------------------------------------

    def test_pagination_returns_every_entry_exactly_once(self):
        stored = []
        for index in range(23):
            request_id = _request_id()
            self._record('start', request_id, index // 4)
            stored.extend(entry['id'] for entry in
                          self._entries(request_id=request_id))
        seen, marker = [], None
        while True:
            page = self._entries(limit=5, marker=marker)
            if not page:
                break
            self.assertLessEqual(len(page), 5)
            seen.extend(entry['id'] for entry in page)
            marker = page[-1]['id']
        self.assertEqual(sorted(stored), sorted(seen))
        self.assertEqual(len(seen), len(set(seen)))
        full = self._entries()
        self.assertEqual([entry['id'] for entry in full], seen)
        created = [entry['created'] for entry in full]
        self.assertEqual(sorted(created, reverse=True), created)

    def test_unknown_marker_is_a_clear_error(self):
        self.assertRaises(exception.InvalidMarker, self._entries,
                          marker=987654321)
        self.assertRaises(exception.InvalidMarker, fault_persist.list_tasks,
                          self._admin(), marker=987654321)

    def test_filters_select_matching_entries(self):
        trove, nova = _request_id(), _request_id()
        self._record('start', trove, 0)
        self._record('error', trove, 10)
        tasks.record_events([ev.nova_event('start', nova, ev.seconds(20))])
        trove_task = self._task_of(trove)['task_id']

        def request_ids(**filters):
            return [(entry['request_id'], entry['status'])
                    for entry in self._entries(**filters)]

        self.assertEqual([(trove, FAILED), (trove, STARTED)],
                         request_ids(app='trove'))
        self.assertEqual([(nova, STARTED)], request_ids(app='nova'))
        self.assertEqual([(nova, STARTED)], request_ids(user='fake'))
        self.assertEqual([(nova, STARTED)], request_ids(ip='192.0.2.7'))
        self.assertEqual([(trove, FAILED)], request_ids(status=FAILED))
        self.assertEqual([(trove, FAILED)], request_ids(status='1002'))
        self.assertEqual([(nova, STARTED), (trove, STARTED)],
                         request_ids(status=STARTED))
        self.assertEqual(3, len(request_ids(req='TASK')))
        self.assertEqual([], request_ids(req='GET'))
        self.assertEqual([(trove, FAILED), (trove, STARTED)],
                         request_ids(task_id=trove_task))
        self.assertEqual([(nova, STARTED)],
                         request_ids(instance_id=ev.NOVA_INSTANCE))
        self.assertEqual([(trove, FAILED)], request_ids(
            since=ev.seconds(5), before=ev.seconds(20)))
        self.assertEqual([(nova, STARTED)], request_ids(
            since='2026-05-04T10:00:20Z'))
        self.assertEqual([(trove, STARTED)], request_ids(
            app='trove', before=ev.seconds(10)))

    def test_bad_filters_are_clear_errors(self):
        self.assertRaises(exception.InvalidField, self._entries, status=999)
        self.assertRaises(exception.InvalidField, self._entries, limit=0)
        self.assertRaises(exception.InvalidField, self._entries,
                          task_id='seven')
        self.assertRaises(exception.InvalidTimeRange, self._entries,
                          since='yesterday')

    def test_list_tasks_filters_and_pages(self):
        request_ids = [_request_id() for _ in range(7)]
        for index, request_id in enumerate(request_ids):
            self._record('start', request_id, index)
            if index % 2:
                self._record('end', request_id, index + 0.5)
        running = fault_persist.list_tasks(self._admin(), status=STARTED)
        self.assertEqual(4, len(running))
        self.assertTrue(all(task['running'] for task in running))
        seen, marker = [], None
        while True:
            page = fault_persist.list_tasks(self._admin(), app='trove',
                                            limit=3, marker=marker)
            if not page:
                break
            seen.extend(task['task_id'] for task in page)
            marker = page[-1]['task_id']
        self.assertEqual(7, len(seen))
        self.assertEqual(sorted(seen, reverse=True), seen)

    # Who sees what ---------------------------------------------------------

    def test_a_project_sees_only_its_own_entries_and_tasks(self):
        mine, theirs = _request_id(), _request_id()
        self._record('start', mine, 0, payload={'tenant_id': 'project-a'})
        self._record('start', theirs, 1, payload={'tenant_id': 'project-b'})
        self._record('end', mine, 2, payload={'tenant_id': 'project-a'})
        owner = base.user_context('project-a')
        listed = fault_persist.list_request_log(owner)
        self.assertEqual({mine}, {entry['request_id'] for entry in listed})
        self.assertEqual(2, len(listed))
        self.assertEqual([mine], [task['request_id'] for task in
                                  fault_persist.list_tasks(owner)])
        self.assertRaises(exception.Forbidden,
                          fault_persist.list_request_log, owner,
                          project_id='project-b')
        self.assertRaises(exception.Forbidden, fault_persist.list_tasks,
                          owner, project_id='project-b')
        their_task = self._task_of(theirs)['task_id']
        self.assertRaises(exception.TaskNotFound, fault_persist.get_task,
                          owner, their_task)
        self.assertRaises(exception.TaskNotFound,
                          fault_persist.entries_between, owner, their_task)
        my_task = self._task_of(mine)['task_id']
        self.assertEqual(
            [mine, mine],
            [entry['request_id'] for entry in
             fault_persist.entries_between(owner, my_task)])
        self.assertEqual(3, len(fault_persist.entries_between(
            self._admin(), my_task)))
        self.assertEqual(2, len(list(fault_persist.request_log_lines(
            owner))))
        self.assertEqual(3, len(list(fault_persist.request_log_lines(
            self._admin()))))

    def test_a_context_without_project_sees_nothing(self):
        self._record('start', _request_id(), 0)
        self.assertEqual([], fault_persist.list_request_log(
            base.user_context(project_id=None)))

    # Identifiers compare exactly (see migration 0004) ----------------------

    def test_request_ids_differing_by_case_or_accent_are_distinct_tasks(self):
        request_id = 'req-a-' + uuidutils.generate_uuid()
        alike = [request_id, request_id.upper(),
                 request_id.replace('req-a', 'req-\u00e1')]
        # In one batch ...
        self.assertEqual(3, tasks.record_events([
            ev.trove_event('start', each, ev.seconds(0)) for each in alike]))
        # ... and each folded into by a later one, in any order.
        self.assertEqual(3, tasks.record_events([
            ev.trove_event('end', each, ev.seconds(second))
            for second, each in enumerate(reversed(alike), 5)]))
        tasks_seen = [self._task_of(each) for each in alike]
        self.assertEqual(3, len({task['task_id'] for task in tasks_seen}))
        self.assertEqual([7.0, 6.0, 5.0],
                         [task['duration'] for task in tasks_seen])
        for each in alike:
            self.assertEqual([each, each], [
                entry['request_id']
                for entry in self._entries(request_id=each)])

    def test_a_task_opened_earlier_is_not_taken_for_a_look_alike(self):
        # The writer looks its stored tasks up by exact key; the database
        # must not fold a new key into a stored look-alike behind its back.
        request_id = 'req-' + uuidutils.generate_uuid()
        tasks.record_events([ev.trove_event('start', request_id)])
        tasks.record_events([ev.trove_event('error', request_id.upper(),
                                            ev.seconds(3))])
        self.assertEqual(STARTED, self._task_of(request_id)['status'])
        self.assertEqual(FAILED, self._task_of(request_id.upper())['status'])

    def test_message_ids_differing_by_case_or_accent_are_distinct_entries(
            self):
        request_id = _request_id()
        message_ids = ['msg-a', 'MSG-A', 'msg-\u00e1']
        self.assertEqual(3, tasks.record_events([
            ev.trove_event('start', request_id, message_id=message_id)
            for message_id in message_ids]))
        self.assertEqual(sorted(message_ids), sorted(
            entry['message_id']
            for entry in self._entries(request_id=request_id)))
        self.assertEqual(0, tasks.record_events([
            ev.trove_event('start', request_id, message_id=message_id)
            for message_id in message_ids]))

    def test_a_project_differing_by_case_or_blanks_reads_no_request_log(self):
        request_id = _request_id()
        self._record('start', request_id, 0, payload={'tenant_id': 'proj-b'})
        for project_id in ('PROJ-B', 'proj-b ', ' proj-b', 'pr\u00f3j-b'):
            caller = base.user_context(project_id)
            self.assertEqual([], fault_persist.list_request_log(caller))
            self.assertEqual([], fault_persist.list_tasks(caller))
            self.assertRaises(exception.TaskNotFound, fault_persist.get_task,
                              caller, self._task_of(request_id)['task_id'])
            self.assertEqual([], fault_persist.list_request_log(
                self._admin(), project_id=project_id))
            self.assertEqual([], fault_persist.list_tasks(
                self._admin(), project_id=project_id))
        owner = base.user_context('proj-b')
        self.assertEqual(1, len(fault_persist.list_request_log(owner)))
        self.assertEqual(1, len(fault_persist.list_tasks(owner)))

    def test_filters_match_exactly(self):
        request_id = 'req-a-' + uuidutils.generate_uuid()
        self._record('start', request_id, 0)
        for filters in ({'request_id': request_id.upper()},
                        {'request_id': request_id.replace('req-a',
                                                          'req-\u00e1')},
                        {'app': 'Trove'}, {'app': 'trove '}):
            self.assertEqual([], self._entries(**filters), filters)
            self.assertEqual([], fault_persist.list_tasks(
                self._admin(), **filters), filters)
        self.assertEqual(1, len(self._entries(request_id=request_id,
                                              app='trove')))

    # The direct call -------------------------------------------------------

    def test_track_task_records_start_and_success(self):
        context = base.user_context('project-a', 'user-a')
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(0)))
        with fault_persist.track_task(context, 'kimchi',
                                      '/plugins/kimchi/vms/name/clone',
                                      instance_id='vm-1') as task:
            self.assertIsInstance(task.task_id, int)
            shown = fault_persist.get_task(context, task.task_id)
            self.assertTrue(shown['running'])
            self.useFixture(fp_fixtures.TimeOverride(ev.seconds(75)))
        shown = fault_persist.get_task(context, task.task_id)
        self.assertEqual(COMPLETED, shown['status'])
        self.assertEqual(75.0, shown['duration'])
        self.assertEqual('vm-1', shown['instance_id'])
        entries = fault_persist.list_request_log(context,
                                                 task_id=task.task_id)
        self.assertEqual([
            'Successfully completed Kimchi task ID %d: '
            '/plugins/kimchi/vms/name/clone' % task.task_id,
            'Started Kimchi task ID %d: /plugins/kimchi/vms/name/clone'
            % task.task_id], [entry['message'] for entry in entries])
        self.assertEqual({'user-a'}, {entry['user'] for entry in entries})
        self.assertEqual({context.request_id},
                         {entry['request_id'] for entry in entries})

    def _faults_of(self, instance_id):
        return [(fault['created'], fault['resolved_at'])
                for fault in fault_persist.list_faults(
                    self._admin(), instance_id=instance_id)]

    def test_track_task_success_resolves_the_instances_earlier_faults(self):
        context = base.user_context('project-a', 'user-a')
        for second in (0, 5):
            self.useFixture(fp_fixtures.TimeOverride(ev.seconds(second)))
            fault_persist.save_fault(context, 'vm-1', 'Clone failed')
        fault_persist.save_fault(context, 'vm-2', 'Clone failed')
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(10)))
        with fault_persist.track_task(context, 'kimchi', 'clone',
                                      instance_id='vm-1'):
            self.assertIsNotNone(fault_persist.get_fault(context, 'vm-1'))
            self.useFixture(fp_fixtures.TimeOverride(ev.seconds(20)))
        self.assertIsNone(fault_persist.get_fault(context, 'vm-1'))
        self.assertEqual([('2026-05-04T10:00:05Z', '2026-05-04T10:00:20Z'),
                          ('2026-05-04T10:00:00Z', '2026-05-04T10:00:20Z')],
                         self._faults_of('vm-1'))
        self.assertIsNotNone(fault_persist.get_fault(context, 'vm-2'))

    def test_track_task_failure_resolves_nothing(self):
        context = base.user_context('project-a', 'user-a')
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(0)))
        fault_persist.save_fault(context, 'vm-1', 'Clone failed')
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(10)))
        with testtools.ExpectedException(RuntimeError):
            with fault_persist.track_task(context, 'kimchi', 'clone',
                                          instance_id='vm-1'):
                raise RuntimeError('again')
        self.assertEqual([('2026-05-04T10:00:00Z', None)],
                         self._faults_of('vm-1'))

    def test_track_task_resolves_nothing_without_resolve_on_success(self):
        self.flags(resolve_on_success=False)
        context = base.user_context('project-a', 'user-a')
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(0)))
        fault_persist.save_fault(context, 'vm-1', 'Clone failed')
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(10)))
        with fault_persist.track_task(context, 'kimchi', 'clone',
                                      instance_id='vm-1'):
            pass
        self.assertEqual([('2026-05-04T10:00:00Z', None)],
                         self._faults_of('vm-1'))

    def test_a_completed_notification_resolves_a_saved_fault(self):
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(0)))
        fault_persist.save_fault(None, ev.TROVE_INSTANCE, 'Resize failed')
        tasks.record_events([ev.trove_event('end', _request_id(),
                                            ev.seconds(30))])
        self.assertEqual([('2026-05-04T10:00:00Z', '2026-05-04T10:00:30Z')],
                         self._faults_of(ev.TROVE_INSTANCE))

    def test_track_task_records_failure_and_reraises(self):
        class CloneError(Exception):
            code = 'KCHVM0001E'

        context = base.user_context('project-a')
        self.useFixture(fp_fixtures.TimeOverride(ev.seconds(0)))
        tracked = []
        with self.assertRaisesRegex(CloneError, 'failed to clone'):
            with fault_persist.track_task(
                    context, 'kimchi',
                    '/plugins/kimchi/vms/name/clone') as task:
                tracked.append(task)
                raise CloneError("failed to clone vm 'name'")
        task_id = tracked[0].task_id
        shown = fault_persist.get_task(context, task_id)
        self.assertEqual(FAILED, shown['status'])
        failure = fault_persist.list_request_log(
            context, task_id=task_id, status=FAILED)[0]
        self.assertEqual(
            "Failure on Kimchi task ID %d: /plugins/kimchi/vms/name/clone "
            "(KCHVM0001E failed to clone vm 'name')" % task_id,
            failure['message'])

    def test_track_task_failure_without_code_names_the_class(self):
        with self.assertRaises(ValueError):
            with fault_persist.track_task(None, 'trove', 'backup b-1') as t:
                raise ValueError('no space left')
        failure = fault_persist.list_request_log(
            self._admin(), task_id=t.task_id, status=FAILED)[0]
        self.assertEqual('ValueError', failure['detail_code'])
        self.assertTrue(failure['message'].endswith(
            '(ValueError no space left)'))

    def test_track_task_continues_a_known_task(self):
        request_id = _request_id()
        self._record('start', request_id, 0)
        task_id = self._task_of(request_id)['task_id']
        with fault_persist.track_task(self._admin(), 'trove', 'resize',
                                      task_id=task_id) as task:
            self.assertEqual(task_id, task.task_id)
        self.assertEqual(COMPLETED, fault_persist.get_task(
            self._admin(), task_id)['status'])

    def test_track_task_of_unknown_task_is_a_clear_error(self):
        context = self._admin()

        def track():
            with fault_persist.track_task(context, 'trove', 'resize',
                                          task_id=987654321):
                self.fail('the work must not run')

        self.assertRaises(exception.TaskNotFound, track)

    # Text and retention --------------------------------------------------

    def test_lines_are_in_the_configured_zone(self):
        self.flags(log_timezone='BRT=-03:00')
        with fault_persist.track_task(None, 'kimchi', '/vms/a') as task:
            pass
        lines = list(fault_persist.request_log_lines(
            self._admin(), task_id=task.task_id))
        self.assertEqual(2, len(lines))
        self.assertRegex(
            lines[0], r'^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d BRT\] TASK  1001 '
            r'kimchi   Successfully completed Kimchi task ID %d: /vms/a$'
            % task.task_id)

    def test_lines_follow_limit_and_pages(self):
        for index in range(7):
            self._record('start', _request_id(), index)
        self.assertEqual(7, len(list(fault_persist.request_log_lines(
            self._admin()))))
        self.assertEqual(3, len(list(fault_persist.request_log_lines(
            self._admin(), limit=3))))

    def test_purge_removes_old_entries_and_emptied_tasks(self):
        old, spanning, new = _request_id(), _request_id(), _request_id()
        day = datetime.timedelta(days=1)
        tasks.record_events([
            ev.trove_event('start', old, ev.T0 - 100 * day),
            ev.trove_event('end', old, ev.T0 - 99 * day),
            ev.trove_event('start', spanning, ev.T0 - 95 * day),
            ev.trove_event('end', spanning, ev.T0 - 1 * day),
            ev.trove_event('start', new, ev.T0)])
        spanning_id = self._task_of(spanning)['task_id']
        self.useFixture(fp_fixtures.TimeOverride(ev.T0))
        self.assertEqual(3, fault_persist.purge_request_log(
            datetime.timedelta(days=90)))
        self.assertEqual([], fault_persist.list_tasks(self._admin(),
                                                      request_id=old))
        self.assertEqual(COMPLETED, fault_persist.get_task(
            self._admin(), spanning_id)['status'])
        self.assertEqual(2, len(self._entries()))


class ConcurrentArrivalBehaviour:
    """Several listener processes record the events of the same tasks.

    Needs a database with concurrent writers (PostgreSQL, MariaDB).
    """

    def test_concurrent_writers_give_one_task_each(self):
        request_ids = [_request_id() for _ in range(12)]
        starts = [ev.trove_event('start', r, ev.seconds(0))
                  for r in request_ids]
        ends = [ev.trove_event('end', r, ev.seconds(9))
                for r in request_ids]
        errors = []
        barrier = threading.Barrier(4)

        def record(events):
            try:
                barrier.wait()
                for event in events:
                    tasks.record_events([event])
            except Exception as exc:  # noqa: reported by the test
                errors.append(exc)

        batches = [starts, list(reversed(ends)), ends, starts]
        threads = [threading.Thread(target=record, args=(batch,))
                   for batch in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([], errors)
        for request_id in request_ids:
            task = self._task_of(request_id)
            self.assertEqual(COMPLETED, task['status'])
            self.assertEqual(9.0, task['duration'])
            self.assertEqual(2, len(self._entries(request_id=request_id)))

    def _task_of(self, request_id):
        listed = fault_persist.list_tasks(base.admin_context(),
                                          request_id=request_id)
        self.assertEqual(1, len(listed), listed)
        return listed[0]

    def _entries(self, **filters):
        return fault_persist.list_request_log(base.admin_context(),
                                              **filters)
