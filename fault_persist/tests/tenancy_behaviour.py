"""Isolation of projects, on every read and write path, on every backend.

Two projects, A and B, each with a fault and a task. A member of A never
sees or changes B's records, whether it names them by id, asks for B, or
comes with a context whose project id differs from B's only by case or
white space; an admin sees both; details only where the policy allows.
Mixed into a SQLite test case (unit) and into PostgreSQL and MariaDB
test cases (functional), like :mod:`fault_persist.tests.fault_store_behaviour`.

MariaDB compares the project columns case-insensitively and without
trailing spaces until the collation migration lands; the API compares
project ids exactly in Python as well, so these tests hold there too.
"""

import fixtures
from oslo_context import context as o_context
from oslo_utils import uuidutils

import fault_persist
from fault_persist import exception
from fault_persist import policy
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures

A, B = 'proj-a', 'proj-b'
#: Contexts whose project is not B, though a folding comparison says so.
B_LOOKALIKES = ('PROJ-B', 'Proj-b', 'proj-b ', ' proj-b', 'proj-b\t')
OWNER_RULE = '"project_id:%(project_id)s"'


def member(project):
    return o_context.RequestContext(project_id=project, user_id='u-' + A,
                                    roles=['member', 'reader'])


class TenancyBehaviour:
    """Needs ``self`` to be a TestCase with fault_persist initialised."""

    def setUp(self):
        super().setUp()
        self.instance = {}
        self.task = {}
        for project in (A, B):
            instance_id = uuidutils.generate_uuid()
            self.instance[project] = instance_id
            fault_persist.save_fault(member(project), instance_id,
                                     'Boom in ' + project,
                                     details='Traceback of ' + project)
            with fault_persist.track_task(member(project), 'kimchi',
                                          '/vms/' + project,
                                          instance_id='vm-' + project) as t:
                pass
            self.task[project] = t.task_id

    def readers_of_a(self):
        """Contexts that must see nothing of B."""
        return [member(A)] + [member(project) for project in B_LOOKALIKES]

    def owner_rules(self, *rules):
        path = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        with open(path, 'w') as stream:
            for rule in rules:
                stream.write('"fault_persist:%s": %s\n' % (rule, OWNER_RULE))
        self.fault_persist.config.config(group='oslo_policy',
                                         policy_file=path)
        policy.reset()
        policy.init(self.conf)

    # Faults ------------------------------------------------------------

    def test_get_fault_of_another_project_is_none(self):
        for ctxt in self.readers_of_a():
            self.assertIsNone(fault_persist.get_fault(ctxt,
                                                      self.instance[B]))
        self.assertEqual('Boom in proj-b', fault_persist.get_fault(
            member(B), self.instance[B])['message'])

    def test_get_faults_shows_only_the_callers_project(self):
        both = [self.instance[A], self.instance[B]]
        for ctxt in self.readers_of_a():
            self.assertEqual({}, fault_persist.get_faults(
                ctxt, [self.instance[B]]))
        self.assertEqual([self.instance[A]], list(fault_persist.get_faults(
            member(A), both)))
        self.assertNotIn('details', fault_persist.get_faults(
            member(A), both)[self.instance[A]])
        admin = fault_persist.get_faults(base.admin_context(), both)
        self.assertEqual({'Traceback of proj-a', 'Traceback of proj-b'},
                         {fault['details'] for fault in admin.values()})

    def _page_statements(self, ctxt, instance_ids):
        """get_faults' views and the statements it ran on the faults."""
        statements = self.useFixture(fp_fixtures.SQLStatements()).statements
        views = fault_persist.get_faults(ctxt, instance_ids)
        return views, [statement for statement in statements
                       if 'instance_faults' in statement]

    def test_get_faults_reads_details_only_for_a_caller_who_sees_them(self):
        both = [self.instance[A], self.instance[B]]
        views, statements = self._page_statements(member(A),
                                                  [self.instance[A]])
        self.assertEqual({'created', 'message'},
                         set(views[self.instance[A]]))
        # The page's rows came without their details.
        self.assertEqual(1, len(statements))
        self.assertNotIn('.details', statements[0])
        views, statements = self._page_statements(base.admin_context(), both)
        self.assertEqual(1, len(statements))
        self.assertIn('.details', statements[0])

    def test_get_faults_reads_details_again_for_a_rule_on_the_target(self):
        # Every project's faults for everyone; only B's details.
        path = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        with open(path, 'w') as stream:
            stream.write('"fault_persist:fault:all_projects": "@"\n'
                         '"fault_persist:fault:details": '
                         '"\'%s\':%%(project_id)s"\n' % B)
        self.fault_persist.config.config(group='oslo_policy',
                                         policy_file=path)
        policy.reset()
        policy.init(self.conf)
        both = [self.instance[A], self.instance[B]]
        views, statements = self._page_statements(member(A), both)
        self.assertEqual({instance_id: fault_persist.get_fault(
            member(A), instance_id) for instance_id in both}, views)
        self.assertNotIn('details', views[self.instance[A]])
        self.assertEqual('Traceback of proj-b',
                         views[self.instance[B]]['details'])
        # Without details, as A's own would show; B's read again, whole.
        self.assertEqual(2, len(statements))
        self.assertEqual([False, True], ['.details' in statement
                                         for statement in statements])

    def test_list_faults_shows_only_the_callers_project(self):
        self.assertEqual([A], [f['project_id'] for f in
                               fault_persist.list_faults(member(A))])
        for project in B_LOOKALIKES:
            self.assertEqual([], fault_persist.list_faults(member(project)))
            try:
                listed = fault_persist.list_faults(member(project),
                                                   project_id=project)
            except exception.InvalidField:
                # A tab is no character of an id.
                listed = []
            self.assertEqual([], listed)
        for ctxt in self.readers_of_a():
            self.assertRaises(exception.Forbidden, fault_persist.list_faults,
                              ctxt, project_id=B)
            self.assertEqual([], fault_persist.list_faults(
                ctxt, instance_id=self.instance[B]))

    def test_marker_of_another_projects_fault_is_invalid(self):
        [fault_of_b] = fault_persist.list_faults(member(B))
        for ctxt in self.readers_of_a():
            self.assertRaises(exception.InvalidMarker,
                              fault_persist.list_faults, ctxt,
                              marker=fault_of_b['id'])

    def test_admin_sees_both_projects_with_details(self):
        listed = fault_persist.list_faults(base.admin_context())
        self.assertEqual({A, B}, {f['project_id'] for f in listed})
        self.assertEqual({'Traceback of proj-a', 'Traceback of proj-b'},
                         {f['details'] for f in listed})
        self.assertIn('details', fault_persist.get_fault(
            base.admin_context(), self.instance[B]))
        self.assertNotIn('details', fault_persist.get_fault(
            member(B), self.instance[B]))

    def test_resolve_and_delete_leave_another_projects_faults(self):
        for ctxt in self.readers_of_a():
            self.assertEqual(0, fault_persist.resolve_faults(
                ctxt, self.instance[B]))
            self.assertEqual(0, fault_persist.delete_faults(
                ctxt, self.instance[B]))
        self.assertIsNone(fault_persist.list_faults(
            member(B))[0]['resolved_at'])
        self.assertEqual(1, fault_persist.resolve_faults(
            member(B), self.instance[B]))
        self.assertEqual(1, fault_persist.delete_faults(
            base.admin_context(), self.instance[A]))

    def test_save_fault_writes_only_into_the_exact_project(self):
        for project in ('proj-b ', ' proj-b', 'proj-b\t'):
            self.assertRaises(exception.InvalidField,
                              fault_persist.save_fault, member(project),
                              self.instance[B], 'Spoof')
        fault_persist.save_fault(member('PROJ-B'), self.instance[B], 'Other')
        self.assertEqual('Boom in proj-b', fault_persist.get_fault(
            member(B), self.instance[B])['message'])
        self.assertEqual(['Boom in proj-b'], [f['message'] for f in
                         fault_persist.list_faults(member(B))])

    # Tasks and the request log -------------------------------------------

    def _continue(self, ctxt, task_id, target='/stolen'):
        with fault_persist.track_task(ctxt, 'kimchi', target,
                                      task_id=task_id):
            raise AssertionError('the work must not run')

    def test_track_task_cannot_continue_another_projects_task(self):
        before = fault_persist.get_task(member(B), self.task[B])
        unknown = self.task[B] + 1000
        for ctxt in self.readers_of_a():
            # A context id with white space around it writes nothing: it
            # is refused before any task is looked for.
            error = (exception.InvalidField
                     if ctxt.project_id != ctxt.project_id.strip()
                     else exception.TaskNotFound)
            with self.assertRaises(error) as denied:
                self._continue(ctxt, self.task[B])
            with self.assertRaises(error) as missing:
                self._continue(ctxt, unknown)
            # The same error as for an id that does not exist.
            self.assertEqual(str(missing.exception).replace(
                str(unknown), str(self.task[B])), str(denied.exception))
        self.assertEqual(before, fault_persist.get_task(member(B),
                                                        self.task[B]))
        self.assertEqual(2, len(fault_persist.list_request_log(
            member(B), task_id=self.task[B])))

    def test_owner_and_admin_continue_a_task(self):
        with fault_persist.track_task(member(B), 'kimchi', '/vms/proj-b',
                                      task_id=self.task[B]) as t:
            pass
        self.assertEqual(self.task[B], t.task_id)
        with fault_persist.track_task(base.admin_context(), 'kimchi',
                                      '/vms/proj-a', task_id=self.task[A]):
            pass
        self.assertEqual(4, len(fault_persist.list_request_log(
            member(A), task_id=self.task[A])))

    def test_task_reads_of_another_project_are_not_found(self):
        for ctxt in self.readers_of_a():
            self.assertRaises(exception.TaskNotFound, fault_persist.get_task,
                              ctxt, self.task[B])
            self.assertRaises(exception.TaskNotFound,
                              fault_persist.entries_between, ctxt,
                              self.task[B])
            self.assertRaises(exception.InvalidMarker,
                              fault_persist.list_tasks, ctxt,
                              marker=self.task[B])
            self.assertRaises(exception.Forbidden, fault_persist.list_tasks,
                              ctxt, project_id=B)
            self.assertRaises(exception.Forbidden,
                              fault_persist.list_request_log, ctxt,
                              project_id=B)
            self.assertEqual([], fault_persist.list_request_log(
                ctxt, task_id=self.task[B]))
            self.assertEqual([], list(fault_persist.request_log_lines(
                ctxt, task_id=self.task[B])))

    def test_request_log_lists_only_the_callers_project(self):
        self.assertEqual([self.task[A]], [t['task_id'] for t in
                         fault_persist.list_tasks(member(A))])
        self.assertEqual({A}, {e['project_id'] for e in
                               fault_persist.list_request_log(member(A))})
        self.assertEqual(2, len(list(fault_persist.request_log_lines(
            member(A)))))
        between = fault_persist.entries_between(member(A), self.task[A])
        self.assertEqual({A}, {e['project_id'] for e in between})
        for project in B_LOOKALIKES:
            self.assertEqual([], fault_persist.list_tasks(member(project)))
            self.assertEqual([], fault_persist.list_request_log(
                member(project)))
            self.assertEqual([], list(fault_persist.request_log_lines(
                member(project))))

    def test_admin_reads_the_request_log_of_both(self):
        admin = base.admin_context()
        self.assertEqual({A, B}, {t['project_id'] for t in
                                  fault_persist.list_tasks(admin)})
        self.assertEqual(B, fault_persist.get_task(
            admin, self.task[B])['project_id'])
        self.assertEqual(4, len(fault_persist.list_request_log(admin)))

    # An operator's owner-style rules -------------------------------------

    def test_owner_rule_for_all_projects_opens_no_other_project(self):
        self.owner_rules('fault:all_projects', 'fault:details',
                         'fault:hosts', 'request_log:all_projects',
                         'request_log:update_all_projects',
                         'fault:update_all_projects')
        ctxt = member(A)
        self.assertEqual([A], [f['project_id'] for f in
                               fault_persist.list_faults(ctxt)])
        self.assertRaises(exception.Forbidden, fault_persist.list_faults,
                          ctxt, project_id=B)
        # Its own project, with the details the owner rule grants.
        self.assertEqual(['Traceback of proj-a'], [
            f['details'] for f in fault_persist.list_faults(
                ctxt, project_id=A)])
        self.assertIsNone(fault_persist.get_fault(ctxt, self.instance[B]))
        self.assertEqual('Traceback of proj-a', fault_persist.get_fault(
            ctxt, self.instance[A])['details'])
        self.assertEqual({self.instance[A]: fault_persist.get_fault(
            ctxt, self.instance[A])}, fault_persist.get_faults(
            ctxt, [self.instance[A], self.instance[B]]))
        self.assertEqual(0, fault_persist.resolve_faults(ctxt,
                                                         self.instance[B]))
        self.assertEqual([self.task[A]], [t['task_id'] for t in
                         fault_persist.list_tasks(ctxt)])
        self.assertRaises(exception.Forbidden,
                          fault_persist.list_request_log, ctxt, project_id=B)
        self.assertRaises(exception.TaskNotFound, fault_persist.get_task,
                          ctxt, self.task[B])
        self.assertRaises(exception.TaskNotFound,
                          fault_persist.entries_between, ctxt, self.task[B])
        with self.assertRaises(exception.TaskNotFound):
            self._continue(ctxt, self.task[B])
        with self.assertRaises(exception.TaskNotFound):
            self._continue(member('PROJ-B'), self.task[B])
        for project in B_LOOKALIKES:
            self.assertEqual([], fault_persist.list_faults(member(project)))
            self.assertIsNone(fault_persist.get_fault(member(project),
                                                      self.instance[B]))
            self.assertEqual([], fault_persist.list_tasks(member(project)))

    def test_context_without_project_sees_nothing(self):
        for ctxt in (None, {}, o_context.RequestContext()):
            self.assertEqual([], fault_persist.list_faults(ctxt))
            self.assertEqual([], fault_persist.list_tasks(ctxt))
            self.assertIsNone(fault_persist.get_fault(ctxt,
                                                      self.instance[B]))
            self.assertEqual({}, fault_persist.get_faults(
                ctxt, list(self.instance.values())))
            self.assertRaises(exception.TaskNotFound, fault_persist.get_task,
                              ctxt, self.task[B])
            with self.assertRaises(exception.TaskNotFound):
                self._continue(ctxt, self.task[B])
