import sys
import threading
import time
from unittest import mock
import uuid

from oslo_db import exception as db_exc
from oslo_utils import uuidutils

import fault_persist
from fault_persist.db import faults as db_faults
from fault_persist.db import request_log as db_request_log
from fault_persist import exception
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures


class TestSaveFault(base.TestCase):

    def _stored(self, instance_id):
        return fault_persist.get_fault(base.admin_context(), instance_id)

    def test_returns_id_of_stored_fault(self):
        fault_id = fault_persist.save_fault(None, 'i-1', 'Boom')
        listed = fault_persist.list_faults(base.admin_context(),
                                           instance_id='i-1')
        self.assertEqual([fault_id], [fault['id'] for fault in listed])

    def test_context_fills_project_user_and_request(self):
        context = base.user_context('project-x', 'user-x')
        fault_persist.save_fault(context, 'i-1', 'Boom')
        fault = fault_persist.list_faults(base.admin_context())[0]
        self.assertEqual('project-x', fault['project_id'])
        self.assertEqual(context.request_id, fault['request_id'])

    def test_dict_context_is_accepted(self):
        fault_persist.save_fault({'project_id': 'p-dict', 'user_id': 'u'},
                                 'i-1', 'Boom')
        fault = fault_persist.list_faults(base.admin_context())[0]
        self.assertEqual('p-dict', fault['project_id'])

    def test_exc_info_true_appends_traceback_and_sets_code(self):
        try:
            raise ValueError('flavor too small')
        except ValueError:
            fault_persist.save_fault(None, 'i-1', 'Resize failed',
                                     details='while resizing', exc_info=True)
        fault = self._stored('i-1')
        self.assertTrue(fault['details'].startswith('while resizing\n'))
        self.assertIn('Traceback (most recent call last)', fault['details'])
        self.assertTrue(fault['details'].rstrip().endswith(
            'ValueError: flavor too small'))
        listed = fault_persist.list_faults(base.admin_context())
        self.assertEqual('ValueError', listed[0]['code'])

    def test_exc_info_tuple_gives_message_when_none(self):
        try:
            raise KeyError('volume')
        except KeyError:
            exc_info = sys.exc_info()
        fault_persist.save_fault(None, 'i-1', None, exc_info=exc_info)
        self.assertEqual("KeyError: 'volume'", self._stored('i-1')['message'])

    def test_none_message_is_a_clear_error(self):
        error = self.assertRaises(exception.InvalidMessage,
                                  fault_persist.save_fault, None, 'i-1', None)
        self.assertIn('missing', str(error))

    def test_blank_message_is_a_clear_error(self):
        self.assertRaises(exception.InvalidMessage,
                          fault_persist.save_fault, None, 'i-1', ' \n ')

    def test_bad_instance_ids_are_clear_errors(self):
        for bad in (None, '', ' ', 'x' * 65, 'a\x00b', 3.5, ['i-1']):
            self.assertRaises(exception.InvalidInstanceId,
                              fault_persist.save_fault, None, bad, 'Boom')

    def test_uuid_and_integer_instance_ids_are_coerced(self):
        instance_uuid = uuidutils.generate_uuid(dashed=True)
        fault_persist.save_fault(None, uuid.UUID(instance_uuid), 'Boom')
        fault_persist.save_fault(None, 42, 'Boom')
        self.assertIsNotNone(self._stored(instance_uuid))
        self.assertIsNotNone(self._stored('42'))

    def test_non_string_details_are_coerced(self):
        fault_persist.save_fault(None, 'i-bytes', 'Boom',
                                 details=b'\xff\xfeok')
        fault_persist.save_fault(None, 'i-dict', 'Boom',
                                 details={'password': 'hunter2', 'n': 1})
        fault_persist.save_fault(None, 'i-lines', 'Boom',
                                 details=['Traceback:\n', 'Err: x\n'])
        self.assertIn('ok', self._stored('i-bytes')['details'])
        self.assertNotIn('hunter2', self._stored('i-dict')['details'])
        self.assertEqual('Traceback:\nErr: x',
                         self._stored('i-lines')['details'])

    def test_secrets_are_masked_in_message_and_details(self):
        fault_persist.save_fault(
            None, 'i-1', 'Login failed password=hunter2',
            details='connecting to mysql+pymysql://nova:s3cr3t@db/nova with '
                    '{"auth_token": "abc123"}')
        fault = self._stored('i-1')
        self.assertNotIn('hunter2', fault['message'])
        self.assertNotIn('s3cr3t', fault['details'])
        self.assertIn('mysql+pymysql://nova:***@db/nova', fault['details'])
        self.assertNotIn('abc123', fault['details'])

    def test_unknown_field_is_a_clear_error(self):
        error = self.assertRaises(exception.InvalidField,
                                  fault_persist.save_fault, None, 'i-1',
                                  'Boom', colour='red')
        self.assertIn('colour', str(error))

    def test_too_long_identifier_field_is_a_clear_error(self):
        self.assertRaises(exception.InvalidField, fault_persist.save_fault,
                          None, 'i-1', 'Boom', request_id='r' * 65)

    def test_details_bound_is_configurable(self):
        self.flags(details_max_bytes=2000)
        fault_persist.save_fault(None, 'i-1', 'Boom', details='y' * 5000)
        self.assertLessEqual(len(self._stored('i-1')['details']), 2000)


class TestSaveFaultWhenDatabaseFails(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(spool_replay_interval=1.0)

    def test_fault_is_spooled_then_stored_under_the_returned_id(self):
        with fp_fixtures.UnreachableDatabase():
            fault_id = fault_persist.save_fault(
                base.user_context(), 'i-down', 'Resize failed',
                details='Traceback: disk', code='DiskFull')
            self.assertEqual(1, len(self.spool_files()))
        # The database answers again: the spool is replayed by itself.
        self.wait_for(lambda: fault_persist.list_faults(
            base.admin_context(), instance_id='i-down'))
        listed = fault_persist.list_faults(base.admin_context(),
                                           instance_id='i-down')
        self.assertEqual([(fault_id, 'Resize failed', 'DiskFull',
                           'project-a', 'Traceback: disk')],
                         [(f['id'], f['message'], f['code'],
                           f['project_id'], f['details']) for f in listed])
        self.wait_for(lambda: not self.spool_files())

    def test_bad_arguments_still_raise_when_the_database_fails(self):
        with fp_fixtures.UnreachableDatabase():
            self.assertRaises(exception.InvalidMessage,
                              fault_persist.save_fault, None, 'i-1', None)
        self.assertEqual([], self.spool_files())


class TestTrackTask(base.TestCase):

    def test_database_failure_does_not_fail_the_work(self):
        with mock.patch.object(db_request_log, 'add_task_entries',
                               side_effect=db_exc.DBConnectionError('x')):
            with fault_persist.track_task(None, 'trove', 'resize') as task:
                done = True
        self.assertTrue(done)
        self.assertIsNone(task.task_id)

    def test_entries_spooled_while_the_database_is_down_arrive_later(self):
        self.flags(spool_replay_interval=1.0)
        with fp_fixtures.UnreachableDatabase():
            with self.assertRaises(KeyError):
                with fault_persist.track_task(base.user_context(), 'trove',
                                              'resize db-1') as task:
                    raise KeyError('volume')
            self.assertIsNone(task.task_id)
            self.assertEqual(1, len(self.spool_files()))
        # The database answers again: the spool is replayed by itself.
        self.wait_for(lambda: fault_persist.list_tasks(base.admin_context()))
        [shown] = fault_persist.list_tasks(base.admin_context())
        self.assertEqual((1002, 'resize db-1'),
                         (shown['status'], shown['target']))
        entries = fault_persist.list_request_log(
            base.admin_context(), task_id=shown['task_id'])
        self.assertEqual([1002, 1000], [e['status'] for e in entries])
        self.assertIn("(KeyError 'volume')", entries[0]['message'])

    def test_a_start_lost_on_entry_is_stored_on_exit(self):
        real = db_request_log.add_task_entries
        calls = []

        def first_call_fails(entries, **kwargs):
            calls.append(len(entries))
            if len(calls) == 1:
                raise db_exc.DBConnectionError('x')
            return real(entries, **kwargs)

        with mock.patch.object(db_request_log, 'add_task_entries',
                               side_effect=first_call_fails):
            with fault_persist.track_task(None, 'trove', 'resize') as task:
                self.assertIsNone(task.task_id)
        self.assertEqual([1, 2], calls)
        shown = fault_persist.get_task(base.admin_context(), task.task_id)
        self.assertEqual(1001, shown['status'])
        self.assertEqual(2, len(fault_persist.list_request_log(
            base.admin_context(), task_id=task.task_id)))

    def test_failure_is_reraised_when_the_database_is_down(self):
        with mock.patch.object(db_request_log, 'add_task_entries',
                               side_effect=db_exc.DBConnectionError('x')):
            with self.assertRaises(KeyError):
                with fault_persist.track_task(None, 'trove', 'resize'):
                    raise KeyError('volume')

    def test_blank_app_or_target_is_a_clear_error(self):
        for app, target in ((' ', 'resize'), ('trove', ''),
                            (None, 'resize')):
            with self.assertRaises(exception.InvalidField):
                with fault_persist.track_task(None, app, target):
                    self.fail('the work must not run')

    def test_task_id_must_be_an_integer(self):
        with self.assertRaises(exception.InvalidField):
            with fault_persist.track_task(None, 'trove', 'resize',
                                          task_id='100'):
                self.fail('the work must not run')

    def test_secrets_in_the_error_are_masked(self):
        with self.assertRaises(RuntimeError):
            with fault_persist.track_task(None, 'trove', 'backup') as task:
                raise RuntimeError('connect mysql://root:hunter2@db failed')
        failure = fault_persist.list_request_log(
            base.admin_context(), task_id=task.task_id, status=1002)[0]
        self.assertNotIn('hunter2', failure['message'])
        self.assertNotIn('hunter2', failure['detail_message'])

    def test_needs_init(self):
        fault_persist.config.reset()
        with self.assertRaises(exception.NotInitialized):
            with fault_persist.track_task(None, 'trove', 'resize'):
                self.fail('the work must not run')


class TestDirectCallsAreBounded(base.TestCase):
    """A hung database never holds a direct call past the bound."""

    BOUND = 0.3
    MARGIN = 1.5

    def setUp(self):
        super().setUp()
        self.flags(driver_write_timeout=self.BOUND, spool_replay_interval=1.0)
        self.release = threading.Event()
        self.addCleanup(self.release.set)
        real_add_faults = db_faults.add_faults
        real_add_entries = db_request_log.add_task_entries

        def hung(real):
            def call(*args, **kwargs):
                self.release.wait(30)
                return real(*args, **kwargs)
            return call

        for module, name, real in (
                (db_faults, 'add_faults', real_add_faults),
                (db_request_log, 'add_task_entries', real_add_entries)):
            patcher = mock.patch.object(module, name, hung(real))
            patcher.start()
            self.addCleanup(patcher.stop)

    def timed(self, function, *args, **kwargs):
        started = time.monotonic()
        result = function(*args, **kwargs)
        took = time.monotonic() - started
        self.assertLess(took, self.BOUND + self.MARGIN)
        return result

    def test_save_fault_returns_within_the_bound_and_is_stored_once(self):
        fault_id = self.timed(fault_persist.save_fault, None, 'i-hung',
                              'Boom')
        self.assertEqual(1, len(self.spool_files()))
        self.release.set()
        self.wait_for(lambda: not self.spool_files())
        self.assertTrue(fault_persist.flush(10))
        listed = fault_persist.list_faults(base.admin_context(),
                                           instance_id='i-hung')
        self.assertEqual([fault_id], [fault['id'] for fault in listed])

    def test_track_task_entry_and_exit_return_within_the_bound(self):
        context = self.timed(fault_persist.track_task, None, 'trove',
                             'resize')
        task = self.timed(context.__enter__)
        self.assertIsNone(task.task_id)
        self.timed(context.__exit__, None, None, None)
        self.release.set()
        self.wait_for(lambda: not self.spool_files())
        self.assertTrue(fault_persist.flush(10))
        [shown] = fault_persist.list_tasks(base.admin_context())
        self.assertEqual(1001, shown['status'])
        self.assertEqual(2, len(fault_persist.list_request_log(
            base.admin_context(), task_id=shown['task_id'])))
