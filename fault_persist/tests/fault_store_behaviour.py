"""Behaviour of the fault store that must hold on every database backend.

Mixed into a SQLite test case (unit) and into PostgreSQL and MariaDB test
cases (functional), so the same assertions run against each backend.
"""

import datetime
from unittest import mock

from oslo_db import exception as db_exc
from oslo_utils import uuidutils

import fault_persist
from fault_persist.capture import pipeline as capture_pipeline
from fault_persist.capture import spool as capture_spool
from fault_persist.db import captured as db_captured
from fault_persist.db import engine as db_engine
from fault_persist.db import faults as db_faults
from fault_persist.db import plans
from fault_persist.db import request_log as db_request_log
from fault_persist import exception
from fault_persist import projections
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import migration_behaviour
from fault_persist.tests import task_events


class FaultStoreBehaviour:
    """Tests of the public fault API; needs ``self`` to be a TestCase."""

    def _save(self, instance_id=None, message='Build failed', **kwargs):
        kwargs.setdefault('details', 'Traceback: boom')
        context = kwargs.pop('context', base.user_context())
        instance_id = instance_id or uuidutils.generate_uuid()
        return fault_persist.save_fault(context, instance_id, message,
                                        **kwargs)

    def test_long_message_is_cut_to_255_characters(self):
        instance_id = uuidutils.generate_uuid()
        self._save(instance_id, 'x' * 1000)
        fault = fault_persist.get_fault(base.admin_context(), instance_id)
        self.assertEqual(255, len(fault['message']))
        self.assertTrue(fault['message'].endswith('...'))
        self.assertTrue(fault['message'].startswith('x' * 252))

    def test_multibyte_message_is_stored_within_255_characters(self):
        instance_id = uuidutils.generate_uuid()
        message = '\u00e9\u4e2d\U0001f525' * 100  # 300 characters, 900 bytes
        self._save(instance_id, message)
        stored = fault_persist.get_fault(base.admin_context(),
                                         instance_id)['message']
        self.assertEqual(255, len(stored))
        self.assertEqual(message[:252], stored[:252])

    def test_details_over_text_limit_keep_head_and_tail(self):
        instance_id = uuidutils.generate_uuid()
        details = ('head\n' + '\u4e2d' * 40000 + '\nRuntimeError: the cause')
        self._save(instance_id, details=details)
        stored = fault_persist.get_fault(base.admin_context(),
                                         instance_id)['details']
        self.assertLessEqual(len(stored.encode('utf-8')), 65535)
        self.assertTrue(stored.startswith('head\n'))
        self.assertTrue(stored.endswith('RuntimeError: the cause'))
        self.assertIn('bytes omitted', stored)

    def test_admin_sees_details(self):
        instance_id = uuidutils.generate_uuid()
        self._save(instance_id, 'Build failed', details='Traceback ...')
        fault = fault_persist.get_fault(base.admin_context(), instance_id)
        self.assertEqual({'created', 'message', 'details'}, set(fault))
        self.assertEqual('Build failed', fault['message'])
        self.assertEqual('Traceback ...', fault['details'])

    def test_owner_without_admin_role_does_not_see_details(self):
        instance_id = uuidutils.generate_uuid()
        self._save(instance_id, 'Build failed', details='Traceback ...')
        fault = fault_persist.get_fault(base.user_context(), instance_id)
        self.assertEqual({'created', 'message'}, set(fault))
        self.assertEqual('Build failed', fault['message'])

    def test_created_is_iso8601_utc(self):
        instance_id = uuidutils.generate_uuid()
        when = datetime.datetime(2016, 8, 12, 14, 49, 55)
        self.useFixture(fp_fixtures.TimeOverride(when))
        self._save(instance_id)
        fault = fault_persist.get_fault(base.user_context(), instance_id)
        self.assertEqual('2016-08-12T14:49:55Z', fault['created'])

    def test_get_fault_returns_latest(self):
        instance_id = uuidutils.generate_uuid()
        start = datetime.datetime(2026, 1, 1, 12, 0, 0)
        for offset, message in enumerate(['first', 'second', 'third']):
            self.useFixture(fp_fixtures.TimeOverride(
                start + datetime.timedelta(microseconds=offset * 1000)))
            self._save(instance_id, message)
        fault = fault_persist.get_fault(base.user_context(), instance_id)
        self.assertEqual('third', fault['message'])

    def test_get_fault_of_instance_without_fault_is_none(self):
        self.assertIsNone(fault_persist.get_fault(
            base.admin_context(), uuidutils.generate_uuid()))

    def test_other_project_does_not_see_fault(self):
        instance_id = uuidutils.generate_uuid()
        self._save(instance_id, context=base.user_context('project-a'))
        self.assertIsNone(fault_persist.get_fault(
            base.user_context('project-b'), instance_id))

    def test_non_admin_cannot_list_another_projects_faults(self):
        self._save(context=base.user_context('project-a'))
        self._save(context=base.user_context('project-b'))
        self.assertRaises(exception.Forbidden, fault_persist.list_faults,
                          base.user_context('project-b'),
                          project_id='project-a')
        listed = fault_persist.list_faults(base.user_context('project-b'))
        self.assertEqual(['project-b'],
                         [fault['project_id'] for fault in listed])

    def test_admin_lists_every_project(self):
        self._save(context=base.user_context('project-a'))
        self._save(context=base.user_context('project-b'))
        listed = fault_persist.list_faults(base.admin_context())
        self.assertEqual({'project-a', 'project-b'},
                         {fault['project_id'] for fault in listed})

    def test_pagination_returns_every_fault_exactly_once(self):
        instance_id = uuidutils.generate_uuid()
        # Several faults share one timestamp: the marker must still work.
        when = datetime.datetime(2026, 2, 1, 8, 0, 0)
        saved = []
        for index in range(23):
            self.useFixture(fp_fixtures.TimeOverride(
                when + datetime.timedelta(seconds=index // 4)))
            saved.append(self._save(instance_id, 'fault %d' % index))
        seen, marker = [], None
        while True:
            page = fault_persist.list_faults(
                base.admin_context(), instance_id=instance_id, limit=5,
                marker=marker)
            if not page:
                break
            self.assertLessEqual(len(page), 5)
            seen.extend(fault['id'] for fault in page)
            marker = page[-1]['id']
        self.assertEqual(sorted(saved), sorted(seen))
        self.assertEqual(len(seen), len(set(seen)))
        full = fault_persist.list_faults(base.admin_context(),
                                         instance_id=instance_id)
        self.assertEqual([fault['id'] for fault in full], seen)
        created = [fault['created'] for fault in full]
        self.assertEqual(sorted(created, reverse=True), created)

    def test_unknown_marker_is_a_clear_error(self):
        self.assertRaises(exception.InvalidMarker, fault_persist.list_faults,
                          base.admin_context(), marker='no-such-fault')

    def test_since_and_before_filter_by_creation_time(self):
        instance_id = uuidutils.generate_uuid()
        for day in (1, 2, 3):
            self.useFixture(fp_fixtures.TimeOverride(
                datetime.datetime(2026, 3, day)))
            self._save(instance_id, 'day %d' % day)
        listed = fault_persist.list_faults(
            base.admin_context(), instance_id=instance_id,
            since='2026-03-02T00:00:00Z', before=datetime.datetime(2026, 3, 3))
        self.assertEqual(['day 2'], [fault['message'] for fault in listed])

    def test_delete_faults_hides_them(self):
        instance_id = uuidutils.generate_uuid()
        other = uuidutils.generate_uuid()
        self._save(instance_id)
        self._save(other)
        self.assertEqual(1, fault_persist.delete_faults(base.admin_context(),
                                                        instance_id))
        self.assertIsNone(fault_persist.get_fault(base.admin_context(),
                                                  instance_id))
        self.assertIsNotNone(fault_persist.get_fault(base.admin_context(),
                                                     other))

    def test_purge_removes_only_faults_older_than_cutoff(self):
        now = datetime.datetime(2026, 6, 30, 12, 0, 0)
        old, new = [], []
        for days_ago in (100, 91, 89, 1):
            self.useFixture(fp_fixtures.TimeOverride(
                now - datetime.timedelta(days=days_ago)))
            (old if days_ago > 90 else new).append(self._save())
        self.useFixture(fp_fixtures.TimeOverride(now))
        self.assertEqual(2, fault_persist.purge_faults(
            datetime.timedelta(days=90)))
        remaining = [fault['id'] for fault in fault_persist.list_faults(
            base.admin_context())]
        self.assertEqual(sorted(new), sorted(remaining))

    def test_same_message_id_is_stored_once(self):
        instance_id = uuidutils.generate_uuid()
        first = self._save(instance_id, message_id='msg-1')
        second = self._save(instance_id, message_id='msg-1')
        self.assertEqual(first, second)
        self.assertEqual(1, len(fault_persist.list_faults(
            base.admin_context(), instance_id=instance_id)))

    def test_captured_fault_and_entry_commit_together_once(self):
        event = task_events.trove_event('error', 'req-together')
        rows, entries = projections.rows_of([event])
        with mock.patch.object(db_request_log, 'add_task_entries_on',
                               side_effect=db_exc.DBDataError(
                                   ValueError('refused'))):
            self.assertRaises(db_exc.DBDataError, db_captured.add_captured,
                              rows, entries)
        self.assertEqual([], fault_persist.list_faults(base.admin_context()))
        ids, stored = db_captured.add_captured(rows, entries)
        self.assertEqual(1, stored)
        self.assertEqual((ids, 0), db_captured.add_captured(
            rows, entries))
        self.assertEqual(1, len(fault_persist.list_faults(
            base.admin_context())))
        self.assertEqual(1, len(fault_persist.list_tasks(
            base.admin_context())))

    def _captured(self, events):
        rows, entries = projections.rows_of(events)
        return db_captured.add_captured(rows, entries)

    def test_a_new_batch_is_stored_without_looking_it_up(self):
        events = [task_events.trove_event('error', 'req-new-%d' % index)
                  for index in range(3)]
        statements = self.useFixture(fp_fixtures.SQLStatements()).statements
        ids, stored = self._captured(events)
        self.assertEqual((3, 3), (len(set(ids)), stored))
        lookups = [statement for statement in statements
                   if statement.startswith('SELECT')
                   and 'message_id' in statement]
        self.assertEqual([], lookups)

    def test_a_batch_partly_stored_before_stores_the_rest_once(self):
        events = [task_events.trove_event('error', 'req-part-%d' % index)
                  for index in range(3)]
        first_ids, _ = self._captured(events[:2])
        ids, stored = self._captured(events + [events[2]._replace()])
        self.assertEqual(first_ids, ids[:2])
        self.assertEqual(ids[2], ids[3])
        self.assertEqual(1, stored)
        self.assertEqual(3, len(fault_persist.list_faults(
            base.admin_context())))
        self.assertEqual(3, len(fault_persist.list_request_log(
            base.admin_context())))
        self.assertEqual(3, len(fault_persist.list_tasks(
            base.admin_context())))

    def test_batch_with_stored_and_repeated_message_ids(self):
        rows = [fault_persist.faults.fault_record(
            'instance-1', 'message %d' % index, message_id='batch-%d' % (
                index % 3)) for index in range(6)]
        ids = db_faults.add_faults(rows[:1])
        ids = db_faults.add_faults(rows)
        self.assertEqual(ids[0], ids[3])
        self.assertEqual(3, len(set(ids)))
        self.assertEqual(3, len(fault_persist.list_faults(
            base.admin_context(), instance_id='instance-1')))

    # Resource types, host faults and resolution ------------------------

    def _capture(self, *events):
        capture_pipeline.Pipeline.from_conf(self.conf).store(list(events))

    def _error(self, instance_id, second, **kwargs):
        return task_events.trove_event(
            'error', 'req-' + uuidutils.generate_uuid(),
            task_events.seconds(second),
            payload={'instance_id': instance_id}, **kwargs)

    def _end(self, instance_id, second, action='instance_create'):
        # Any action completed on the resource resolves its faults.
        return task_events.notification_event(
            task_events.TROVE_ERROR, event_type='dbaas.%s.end' % action,
            priority='INFO', timestamp=task_events.seconds(second),
            payload={'instance_id': instance_id,
                     'request_id': 'req-' + uuidutils.generate_uuid()})

    def _history(self, instance_id, **kwargs):
        return [(fault['created'], fault['resolved_at'])
                for fault in fault_persist.list_faults(
                    base.admin_context(), instance_id=instance_id,
                    **kwargs)]

    def test_a_later_end_resolves_the_fault(self):
        instance_id = uuidutils.generate_uuid()
        self._capture(self._error(instance_id, 0))
        self.assertIsNotNone(fault_persist.get_fault(base.admin_context(),
                                                     instance_id))
        self._capture(self._end(instance_id, 10, action='instance_restart'))
        self.assertIsNone(fault_persist.get_fault(base.admin_context(),
                                                  instance_id))
        self.assertEqual([('2026-05-04T10:00:00Z', '2026-05-04T10:00:10Z')],
                         self._history(instance_id))

    def test_an_end_stored_before_an_older_error_resolves_it_the_same(self):
        instance_id = uuidutils.generate_uuid()
        self._capture(self._end(instance_id, 20))
        self._capture(self._end(instance_id, 10))
        self._capture(self._error(instance_id, 0))
        self.assertIsNone(fault_persist.get_fault(base.admin_context(),
                                                  instance_id))
        self.assertEqual([('2026-05-04T10:00:00Z', '2026-05-04T10:00:10Z')],
                         self._history(instance_id))

    def test_a_later_end_moves_resolved_at_back_to_the_earliest(self):
        instance_id = uuidutils.generate_uuid()
        self._capture(self._error(instance_id, 0))
        self._capture(self._end(instance_id, 20))
        self._capture(self._end(instance_id, 10))
        self.assertEqual([('2026-05-04T10:00:00Z', '2026-05-04T10:00:10Z')],
                         self._history(instance_id))

    def test_an_end_older_than_the_error_does_not_resolve_it(self):
        first, second = (uuidutils.generate_uuid() for _ in range(2))
        self._capture(self._end(first, 0))
        self._capture(self._error(first, 10))
        self._capture(self._error(second, 10))
        self._capture(self._end(second, 0))
        for instance_id in (first, second):
            fault = fault_persist.get_fault(base.admin_context(), instance_id)
            self.assertEqual('2026-05-04T10:00:10Z', fault['created'])
            self.assertEqual([('2026-05-04T10:00:10Z', None)],
                             self._history(instance_id))

    def test_one_batch_in_any_order_resolves_by_the_events_times(self):
        instance_id = uuidutils.generate_uuid()
        events = [self._error(instance_id, 30), self._end(instance_id, 10),
                  self._error(instance_id, 0), self._error(instance_id, 20),
                  self._end(instance_id, 25)]
        self._capture(*events)
        self.assertEqual([('2026-05-04T10:00:30Z', None),
                          ('2026-05-04T10:00:20Z', '2026-05-04T10:00:25Z'),
                          ('2026-05-04T10:00:00Z', '2026-05-04T10:00:10Z')],
                         self._history(instance_id))
        self.assertEqual('2026-05-04T10:00:30Z', fault_persist.get_fault(
            base.admin_context(), instance_id)['created'])

    def test_show_returns_the_newest_unresolved_fault_then_none(self):
        instance_id = uuidutils.generate_uuid()
        self._capture(self._error(instance_id, 0, message_id='old'))
        self._capture(self._error(instance_id, 20, message_id='new'))
        self._capture(self._end(instance_id, 10))
        fault = fault_persist.get_fault(base.admin_context(), instance_id)
        self.assertEqual('2026-05-04T10:00:20Z', fault['created'])
        self._capture(self._end(instance_id, 30))
        self.assertIsNone(fault_persist.get_fault(base.admin_context(),
                                                  instance_id))

    def test_history_keeps_resolved_faults_unless_unresolved_asked(self):
        instance_id = uuidutils.generate_uuid()
        self._capture(self._error(instance_id, 0), self._end(instance_id, 5),
                      self._error(instance_id, 10))
        self.assertEqual([('2026-05-04T10:00:10Z', None),
                          ('2026-05-04T10:00:00Z', '2026-05-04T10:00:05Z')],
                         self._history(instance_id))
        self.assertEqual([('2026-05-04T10:00:10Z', None)],
                         self._history(instance_id, unresolved=True))

    def test_redelivered_errors_and_ends_resolve_the_same_once(self):
        instance_id = uuidutils.generate_uuid()
        error, end = self._error(instance_id, 0), self._end(instance_id, 10)
        self._capture(error, end)
        self._capture(error, end)
        self._capture(end)
        self._capture(error)
        self.assertEqual([('2026-05-04T10:00:00Z', '2026-05-04T10:00:10Z')],
                         self._history(instance_id))
        self.assertEqual(2, len(fault_persist.list_request_log(
            base.admin_context(), instance_id=instance_id)))

    def test_resolve_on_success_false_resolves_nothing(self):
        self.flags(resolve_on_success=False)
        first, second = (uuidutils.generate_uuid() for _ in range(2))
        self._capture(self._error(first, 0))
        self._capture(self._end(first, 10))
        self._capture(self._end(second, 10))
        self._capture(self._error(second, 0))
        for instance_id in (first, second):
            self.assertIsNotNone(fault_persist.get_fault(
                base.admin_context(), instance_id))
            self.assertEqual([('2026-05-04T10:00:00Z', None)],
                             self._history(instance_id))

    def test_resolve_faults_resolves_now_and_counts(self):
        instance_id, other = (uuidutils.generate_uuid() for _ in range(2))
        for second in (0, 1):
            self.useFixture(fp_fixtures.TimeOverride(
                task_events.seconds(second)))
            self._save(instance_id)
        self._save(other)
        self.useFixture(fp_fixtures.TimeOverride(task_events.seconds(60)))
        self.assertEqual(2, fault_persist.resolve_faults(
            base.admin_context(), instance_id))
        self.assertIsNone(fault_persist.get_fault(base.admin_context(),
                                                  instance_id))
        self.assertIsNotNone(fault_persist.get_fault(base.admin_context(),
                                                     other))
        self.assertEqual({'2026-05-04T10:01:00Z'},
                         {resolved for _created, resolved
                          in self._history(instance_id)})
        self.assertEqual(0, fault_persist.resolve_faults(
            base.admin_context(), instance_id))
        # A later end keeps the earlier resolution.
        self._capture(self._end(instance_id, 90))
        self.assertEqual({'2026-05-04T10:01:00Z'},
                         {resolved for _created, resolved
                          in self._history(instance_id)})

    def test_save_fault_records_the_resource_type(self):
        volume = uuidutils.generate_uuid()
        self._save(volume, resource_type='volume')
        self._save()
        listed = fault_persist.list_faults(base.admin_context())
        self.assertEqual({'volume', 'instance'},
                         {fault['resource_type'] for fault in listed})
        volumes = fault_persist.list_faults(base.admin_context(),
                                            resource_type='volume')
        self.assertEqual([volume], [fault['instance_id']
                                    for fault in volumes])
        self.assertIsNotNone(fault_persist.get_fault(base.admin_context(),
                                                     volume))

    def test_a_resource_type_that_is_not_a_lower_case_word_is_refused(self):
        for bad in ('Volume', 'a b', '1st', 'x' * 33, 7):
            self.assertRaises(exception.InvalidField, self._save,
                              resource_type=bad)
        self.assertRaises(exception.InvalidField, fault_persist.list_faults,
                          base.admin_context(), resource_type='Volume')

    def test_a_captured_event_carries_its_resource_type(self):
        backup = uuidutils.generate_uuid()
        self._capture(self._error(backup, 0)._replace(resource_type='backup'))
        self.assertEqual(['backup'], [
            fault['resource_type'] for fault in fault_persist.list_faults(
                base.admin_context(), instance_id=backup)])

    def test_host_faults_are_never_shown_and_listed_only_to_admins(self):
        host = 'compute-%s' % uuidutils.generate_uuid()
        context = base.user_context('project-a')
        fault_id = self._save(host, context=context, resource_type='host')
        self._capture(self._error(host, 0)._replace(resource_type='host'))
        self._save(context=context)
        for caller in (base.admin_context(), context):
            self.assertIsNone(fault_persist.get_fault(caller, host))
        admin = fault_persist.list_faults(base.admin_context(),
                                          resource_type='host')
        self.assertEqual(2, len(admin))
        self.assertIn(fault_id, [fault['id'] for fault in admin])
        self.assertEqual(3, len(fault_persist.list_faults(
            base.admin_context())))
        member = fault_persist.list_faults(context)
        self.assertEqual(['instance'],
                         [fault['resource_type'] for fault in member])
        self.assertEqual([], fault_persist.list_faults(context,
                                                       instance_id=host))
        self.assertRaises(exception.Forbidden, fault_persist.list_faults,
                          context, resource_type='host')

    def test_a_completed_task_does_not_resolve_a_host_fault(self):
        host = 'compute-%s' % uuidutils.generate_uuid()
        for events in ([self._error(host, 0)], [self._end(host, 20)],
                       [self._error(host, 30)]):
            self._capture(*[
                event._replace(resource_type='host') if event.is_error
                else event for event in events])
        self._capture(self._end(host, 40))
        self.assertEqual({None}, {resolved for _created, resolved
                                  in self._history(host)})

    # Identifiers compare exactly -------------------------------------------
    #
    # MariaDB's default collations ignore case, accents and trailing spaces;
    # migration 0004 makes its identifier columns exact, as PostgreSQL's
    # and SQLite's are already. The same assertions hold on all three.

    def _look_alike_errors(self):
        """Trove errors, each of another instance, their message ids alike.

        ``msg-a``, ``MSG-A``, ``msg-\u00e1`` and ``msg-a`` again: the
        capture strips the trailing space of ``'msg-a '``, on every
        backend, before the database sees it.
        """
        return [task_events.trove_event(
            'error', 'req-' + uuidutils.generate_uuid(),
            payload={'instance_id': uuidutils.generate_uuid()},
            message_id=message_id)
            for message_id in migration_behaviour.LOOK_ALIKES]

    def test_message_ids_differing_by_case_or_accent_are_distinct_faults(self):
        instance_id = uuidutils.generate_uuid()
        ids = [self._save(instance_id, message_id=message_id)
               for message_id in ('msg-a', 'MSG-A', 'msg-\u00e1')]
        self.assertEqual(3, len(set(ids)))
        self.assertEqual(ids, [self._save(instance_id, message_id=message_id)
                               for message_id in ('msg-a', 'MSG-A',
                                                  'msg-\u00e1')])
        self.assertEqual(3, len(fault_persist.list_faults(
            base.admin_context(), instance_id=instance_id)))

    def test_stored_message_ids_differing_by_a_trailing_space_are_distinct(
            self):
        rows = []
        for message_id in migration_behaviour.LOOK_ALIKES:
            row = fault_persist.faults.fault_record('instance-1', 'm')
            row['message_id'] = message_id
            rows.append(row)
        ids = db_faults.add_faults(rows)
        self.assertEqual(4, len(set(ids)))
        # Each is found again by its own id, and by no other.
        self.assertEqual(ids, db_faults.add_faults(rows))
        self.assertEqual(ids[::-1], db_faults.add_faults(rows[::-1]))
        self.assertEqual(4, len(fault_persist.list_faults(
            base.admin_context(), instance_id='instance-1')))

    def test_a_batch_of_look_alike_message_ids_is_stored_whole(self):
        # What the listener and a spool replay store: one transaction.
        events = self._look_alike_errors()
        rows, entries = projections.rows_of(events)
        # The database keeps apart whatever it is given, trailing space
        # included.
        self.assertEqual('msg-a', rows[-1]['message_id'])
        rows[-1]['message_id'] = entries[-1]['message_id'] = 'msg-a '
        ids, stored = db_captured.add_captured(rows, entries)
        self.assertEqual((4, 4), (len(set(ids)), stored))
        self.assertEqual((ids, 0), db_captured.add_captured(
            rows, entries))
        self.assertEqual(sorted(migration_behaviour.LOOK_ALIKES), sorted(
            entry['message_id'] for entry in fault_persist.list_request_log(
                base.admin_context())))
        self.assertEqual(4, len(fault_persist.list_faults(
            base.admin_context())))

    def test_a_spool_of_look_alike_message_ids_replays_completely(self):
        events = self._look_alike_errors()
        spool = capture_spool.Spool(self.conf.fault_persist.spool_dir)
        spool.append(events[:2])
        spool.append(events[2:])
        pipeline = capture_pipeline.Pipeline.from_conf(self.conf)
        self.assertEqual(4, spool.replay(pipeline.store))
        self.assertEqual([], spool.files())
        self.assertEqual({'rejected': 0}, {
            'rejected': pipeline.counters.snapshot().get('rejected', 0)})
        self.assertEqual(sorted(migration_behaviour.LOOK_ALIKES[:3]), sorted(
            entry['message_id'] for entry in fault_persist.list_request_log(
                base.admin_context())))
        self.assertEqual(3, len(fault_persist.list_faults(
            base.admin_context())))

    def test_a_project_differing_by_case_or_blanks_reads_nothing(self):
        instance_id = uuidutils.generate_uuid()
        self._save(instance_id, context=base.user_context('proj-b'))
        for project_id in ('PROJ-B', 'proj-b ', ' proj-b', 'pr\u00f3j-b'):
            caller = base.user_context(project_id)
            self.assertIsNone(fault_persist.get_fault(caller, instance_id),
                              project_id)
            self.assertEqual([], fault_persist.list_faults(caller),
                             project_id)
            self.assertEqual([], fault_persist.list_faults(
                base.admin_context(), project_id=project_id), project_id)
        owner = base.user_context('proj-b')
        self.assertIsNotNone(fault_persist.get_fault(owner, instance_id))
        self.assertEqual(1, len(fault_persist.list_faults(owner)))

    def test_an_instance_id_differing_by_case_is_another_resource(self):
        instance_id = 'vm-a-' + uuidutils.generate_uuid()
        self._save(instance_id)
        # (Blanks around an instance id are stripped where it enters, on
        # writes and reads alike.)
        for other in (instance_id.upper(),
                      instance_id.replace('vm-a', 'vm-\u00e1')):
            self.assertIsNone(fault_persist.get_fault(base.admin_context(),
                                                      other))
            self.assertEqual([], fault_persist.list_faults(
                base.admin_context(), instance_id=other))

    # get_faults: the show view of a page --------------------------------

    def test_get_faults_gives_what_get_fault_gives_for_each_id(self):
        start = datetime.datetime(2026, 1, 1, 12, 0, 0)
        ids = [uuidutils.generate_uuid() for _ in range(4)]
        for offset, message in enumerate(['first', 'second', 'newest']):
            # Newest wins, also between faults of one second.
            self.useFixture(fp_fixtures.TimeOverride(
                start + datetime.timedelta(microseconds=offset * 1000)))
            self._save(ids[0], message)
        self._save(ids[1], 'resolved')
        fault_persist.resolve_faults(base.admin_context(), ids[1])
        self._save(ids[2], 'deleted')
        fault_persist.delete_faults(base.admin_context(), ids[2])
        host = 'compute-%s' % uuidutils.generate_uuid()
        self._save(host, resource_type='host')
        asked = ids + [host, 'no-such-instance', ids[0]]
        statements = self.useFixture(fp_fixtures.SQLStatements()).statements
        fault_persist.get_faults(base.admin_context(), asked)
        self.assertEqual(1, len([statement for statement in statements
                                 if 'instance_faults' in statement]))
        for caller in (base.admin_context(), base.user_context()):
            faults = fault_persist.get_faults(caller, asked)
            self.assertEqual([ids[0]], list(faults))
            self.assertEqual('newest', faults[ids[0]]['message'])
            self.assertEqual({instance_id: fault_persist.get_fault(
                caller, instance_id) for instance_id in faults}, faults)
        self.assertEqual({'created', 'message', 'details'}, set(
            fault_persist.get_faults(base.admin_context(),
                                     ids)[ids[0]]))
        self.assertEqual({'created', 'message'}, set(
            fault_persist.get_faults(base.user_context(), ids)[ids[0]]))
        self.assertEqual({}, fault_persist.get_faults(base.admin_context(),
                                                      []))

    def test_get_faults_of_another_project_shows_the_callers_own(self):
        instance_id = uuidutils.generate_uuid()
        self.useFixture(fp_fixtures.TimeOverride(task_events.seconds(0)))
        self._save(instance_id, 'mine',
                   context=base.user_context('project-a'))
        self.useFixture(fp_fixtures.TimeOverride(task_events.seconds(10)))
        self._save(instance_id, 'theirs',
                   context=base.user_context('project-b'))
        for project, message in (('project-a', 'mine'),
                                 ('project-b', 'theirs')):
            caller = base.user_context(project)
            self.assertEqual(message, fault_persist.get_faults(
                caller, [instance_id])[instance_id]['message'])
            self.assertEqual(message, fault_persist.get_fault(
                caller, instance_id)['message'])
        self.assertEqual({}, fault_persist.get_faults(
            base.user_context('project-c'), [instance_id]))
        self.assertEqual({}, fault_persist.get_faults(
            base.user_context('PROJECT-A'), [instance_id]))
        self.assertEqual('theirs', fault_persist.get_faults(
            base.admin_context(), [instance_id])[instance_id]['message'])

    def _at(self, seconds):
        self.useFixture(fp_fixtures.TimeOverride(task_events.seconds(seconds)))

    def _assert_page_as_one_by_one(self, callers, instance_ids):
        for caller in callers:
            self.assertEqual(
                {instance_id: fault for instance_id, fault in (
                    (instance_id, fault_persist.get_fault(caller, instance_id))
                    for instance_id in instance_ids) if fault is not None},
                fault_persist.get_faults(caller, instance_ids))

    def test_get_faults_breaks_a_tie_on_created_by_the_larger_id(self):
        instance_id = uuidutils.generate_uuid()
        self._at(0)
        stored = {self._save(instance_id, 'twin %d' % number,
                             context=base.user_context('project-a')): number
                  for number in range(4)}
        # Another project's newest leaves the member their own, also tied.
        self._at(10)
        self._save(instance_id, 'theirs',
                   context=base.user_context('project-b'))
        expected = 'twin %d' % stored[max(stored)]
        self.assertEqual(expected, fault_persist.get_faults(
            base.user_context('project-a'),
            [instance_id])[instance_id]['message'])
        self.assertEqual(expected, fault_persist.get_fault(
            base.user_context('project-a'), instance_id)['message'])
        self._at(20)
        fault_persist.resolve_faults(base.user_context('project-b'),
                                     instance_id)
        self.assertEqual(expected, fault_persist.get_faults(
            base.admin_context(), [instance_id])[instance_id]['message'])

    def test_get_faults_of_a_member_is_their_projects_newest_that_shows(
            self):
        instance_id = uuidutils.generate_uuid()
        mine = base.user_context('project-a')
        # Newer than the one shown, but resolved, deleted or a host's.
        self._at(30)
        self._save(instance_id, 'mine, resolved', context=mine)
        fault_persist.resolve_faults(mine, instance_id)
        self._at(40)
        self._save(instance_id, 'mine, deleted', context=mine)
        fault_persist.delete_faults(mine, instance_id)
        self._at(50)
        self._save(instance_id, 'a host of the same name', context=mine,
                   resource_type='host')
        for seconds, message in ((10, 'mine, older'), (20, 'mine')):
            self._at(seconds)
            self._save(instance_id, message, context=mine)
        for seconds in (25, 60):
            self._at(seconds)
            self._save(instance_id, 'theirs at %d' % seconds,
                       context=base.user_context('project-b'))
        callers = (mine, base.user_context('project-b'),
                   base.user_context('project-c'), base.admin_context())
        for caller, message in zip(callers, ('mine', 'theirs at 60', None,
                                             'theirs at 60')):
            fault = fault_persist.get_faults(caller, [instance_id]).get(
                instance_id)
            self.assertEqual(message, fault and fault['message'])
        self._assert_page_as_one_by_one(callers, [instance_id])

    def test_get_faults_reads_a_page_of_many_statements_whole(self):
        ids = ['vm-%d' % number for number in range(7)]
        for number, instance_id in enumerate(ids):
            project = 'project-a' if number % 2 else 'project-b'
            if number % 3:
                self._save(instance_id, 'of %s' % project,
                           context=base.user_context(project))
        # The newest of the last is another project's.
        self._save(ids[-1], 'theirs', context=base.user_context('project-c'))
        with mock.patch.object(db_faults, 'LATEST_FAULTS_CHUNK', 3):
            self._assert_page_as_one_by_one(
                (base.admin_context(), base.user_context('project-a'),
                 base.user_context('project-b')), ids + ['vm-none'])
            statements = self.useFixture(
                fp_fixtures.SQLStatements()).statements
            fault_persist.get_faults(base.admin_context(), ids)
        self.assertEqual(3, len([statement for statement in statements
                                 if 'instance_faults' in statement]))

    def test_get_faults_reads_ids_with_the_characters_of_an_array(self):
        # PostgreSQL binds the page as the text of one array.
        ids = ['vm "quoted"', 'vm\\back\\slash', 'vm,comma', '{vm}',
               'NULL', 'vm ( ) ;', "vm 'single'", '\u00e9t\u00e9 vm']
        for instance_id in ids:
            self._save(instance_id, 'of %s' % instance_id)
        faults = fault_persist.get_faults(base.admin_context(),
                                          ids + ['vm', 'vm "quoted'])
        self.assertEqual({instance_id: 'of %s' % instance_id
                          for instance_id in ids},
                         {instance_id: fault['message']
                          for instance_id, fault in faults.items()})

    def test_get_faults_asks_the_callers_own_only_where_the_newest_hides(
            self):
        mine, theirs = uuidutils.generate_uuid(), uuidutils.generate_uuid()
        self._at(0)
        for instance_id in (mine, theirs):
            self._save(instance_id, 'mine',
                       context=base.user_context('project-a'))
        self._at(10)
        self._save(theirs, 'theirs', context=base.user_context('project-b'))
        member = base.user_context('project-a')
        for caller, asked, statements_expected in (
                (base.admin_context(), [mine, theirs], 1),
                (member, [mine], 1),
                # Another project's newest: the member's own, asked again.
                (member, [mine, theirs], 2)):
            statements = self.useFixture(
                fp_fixtures.SQLStatements()).statements
            faults = fault_persist.get_faults(caller, asked)
            self.assertEqual(statements_expected, len([
                statement for statement in statements
                if 'instance_faults' in statement]))
            self.assertEqual({instance_id: fault_persist.get_fault(
                caller, instance_id) for instance_id in asked}, faults)
        self.assertEqual('mine', fault_persist.get_faults(
            member, [theirs])[theirs]['message'])

    #: How the plan of a statement is asked for, and the word of a sort
    #: in it.
    _EXPLAIN = {'sqlite': ('EXPLAIN QUERY PLAN ', 'TEMP B-TREE'),
                'postgresql': ('EXPLAIN ', 'Sort'),
                'mysql': ('EXPLAIN ', 'filesort')}

    def _plan_of(self, statement, parameters):
        engine = db_engine.get_engine()
        explain, _sort = self._EXPLAIN[engine.dialect.name]
        sql, values = plans.plan_of(engine.dialect, statement).bound(
            parameters)
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            if engine.dialect.name == 'postgresql':
                # The table is nearly empty: a scan of it would win.
                cursor.execute('SET LOCAL enable_seqscan = off')
                cursor.execute('SET LOCAL enable_bitmapscan = off')
            cursor.execute(explain + sql, values)
            return '\n'.join(str(row) for row in cursor.fetchall())
        finally:
            connection.rollback()
            connection.close()

    def test_the_show_view_reads_the_newest_in_the_index_order(self):
        # get_fault looks up one resource, a page of get_faults 1,000: each
        # look-up takes the first row of the index, in the order asked,
        # with no sort of the resource's candidates.
        # MariaDB and MySQL rank the candidates of a page (ROW_NUMBER):
        # there only get_fault's look-ups read the index in its order.
        dialect = db_engine.get_engine().dialect
        sort = self._EXPLAIN[dialect.name][1]
        self._save('vm', 'mine', context=base.user_context('project-a'))
        show = db_faults._show_query(dialect)
        page = db_faults._page_query(dialect)
        statements = [(show.latest, {'instance_id': 'vm'}), (
            show.of_project,
            {'instance_id': 'vm', 'project_id': 'project-a'})]
        if dialect.name != 'mysql':
            statements += [
                (statement, {'instance_ids': page.bind(['vm']),
                             'project_id': 'project-a'})
                for (of_project, details), statement
                in sorted(page.statements.items())]
        for statement, parameters in statements:
            plan = self._plan_of(statement, parameters)
            self.assertIn('instance_faults_instance_id_deleted_resolved_at_'
                          'created_id_idx', plan)
            self.assertNotIn(sort, plan)

    def test_get_faults_rejects_bad_ids_with_our_errors(self):
        for bad in ('one-id', b'bytes', 7, None, {'a': 1}):
            self.assertRaises(exception.InvalidField,
                              fault_persist.get_faults,
                              base.admin_context(), bad)
        for bad in ([''], ['x' * 65], [None], ['a\x00b'], [1.5]):
            self.assertRaises(exception.InvalidInstanceId,
                              fault_persist.get_faults,
                              base.admin_context(), bad)
        self.fault_persist.config.config(group='api', max_limit=3)
        self.assertRaises(exception.InvalidField, fault_persist.get_faults,
                          base.admin_context(), ['a', 'b', 'c', 'd'])
        self.assertEqual({}, fault_persist.get_faults(
            base.admin_context(), ['a', 'b', 'c', 'a']))
