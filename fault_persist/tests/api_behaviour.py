"""Behaviour of the HTTP API that must hold on every database backend.

Mixed into a SQLite test case (unit) and into PostgreSQL and MariaDB test
cases (functional), like :mod:`fault_persist.tests.fault_store_behaviour`.
The application runs in process with ``[api] auth_strategy = noauth``;
each strategy's own tests are in ``tests/unit/api/test_auth.py``.
"""

import datetime
from unittest import mock
import urllib.parse

import webtest

import fault_persist
from fault_persist.api import app as api_app
from fault_persist.conf import api as api_opts
from fault_persist import tasks
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import task_events as ev

STARTED, COMPLETED, FAILED = 1000, 1001, 1002
T0 = datetime.datetime(2026, 5, 4, 10, 0, 0)
ISO = '%Y-%m-%dT%H:%M:%SZ'

ADMIN = {'project': 'admin-project', 'user': 'admin',
         'roles': 'admin,member,reader'}
MEMBER_A = {'project': 'project-a', 'user': 'user-a',
            'roles': 'member,reader'}
MEMBER_B = {'project': 'project-b', 'user': 'user-b',
            'roles': 'member,reader'}


def headers(caller):
    return {'X-Project-Id': caller['project'], 'X-User-Id': caller['user'],
            'X-Roles': caller['roles']}


def at(second):
    return T0 + datetime.timedelta(seconds=second)


class ApiBehaviourFixtures:
    """The application and records of the API tests.

    Needs ``self.conf`` with fault_persist on a migrated database.
    """

    def setUp(self):
        super().setUp()
        api_opts.register_opts(self.conf)
        self.conf.set_override('auth_strategy', api_opts.NOAUTH,
                               group=api_opts.GROUP)
        self.app = webtest.TestApp(api_app.build_app(self.conf))

    # Helpers -------------------------------------------------------------

    def get(self, url, caller=ADMIN, status=200, **kwargs):
        extra = kwargs.pop('headers', {})
        return self.app.get(url, headers=dict(headers(caller), **extra),
                            status=status, **kwargs)

    def assertError(self, code, response, words=()):
        self.assertEqual('application/json', response.content_type)
        self.assertEqual({'error'}, set(response.json))
        error = response.json['error']
        self.assertEqual({'code', 'title', 'message'}, set(error))
        self.assertEqual(code, error['code'])
        self.assertTrue(error['message'])
        for word in words:
            self.assertIn(word, error['message'])

    def walk(self, url, name, caller=ADMIN):
        """Every record of a list, following ``next``; and the pages."""
        records, pages = [], 0
        while url:
            document = self.get(url, caller).json
            pages += 1
            records.extend(document[name])
            links = document[name + '_links']
            self.assertLessEqual(len(links), 1)
            url = None
            if links:
                self.assertEqual('next', links[0]['rel'])
                parts = urllib.parse.urlsplit(links[0]['href'])
                url = parts.path + '?' + parts.query
        return records, pages

    def save(self, instance_id, second, project='project-a', **fields):
        self.useFixture(fp_fixtures.TimeOverride(at(second)))
        fields.setdefault('details', 'Traceback: boom %d' % second)
        context = base.user_context(project_id=project)
        return fault_persist.save_fault(
            context, instance_id, 'Failed at %d' % second, **fields)

    def record(self, phase, request_id, second, project='project-a',
               user='user-a', **payload):
        payload['tenant_id'] = project
        tasks.record_events([ev.trove_event(phase, request_id, at(second),
                                            payload=payload,
                                            context={'user_id': user})])

    def some_faults(self):
        """Faults of two projects, a host fault and a resolved one."""
        self.a1, self.a2 = 'inst-a1', 'inst-a2'
        self.b1 = 'inst-b1'
        ids = {
            'a1-old': self.save(self.a1, 0, code='BuildError',
                                event_type='compute.instance.create.error'),
            'a1-new': self.save(self.a1, 10, code='ResizeError',
                                event_type='compute.instance.resize.error'),
            'a2': self.save(self.a2, 20, code='BuildError',
                            resource_type='volume'),
            'b1': self.save(self.b1, 30, project='project-b',
                            code='BuildError'),
            'host': self.save('compute-1', 40, project=None,
                              resource_type='host'),
        }
        self.useFixture(fp_fixtures.TimeOverride(at(50)))
        fault_persist.resolve_faults(base.admin_context(), self.a2)
        return ids

    def some_tasks(self):
        """Tasks of two projects: a completed, a failed, a running one."""
        self.done, self.failed = 'req-done', 'req-fail'
        self.running = 'req-run'
        self.theirs = 'req-theirs'
        self.record('start', self.done, 0)
        self.record('start', self.failed, 1, client_ip='10.0.0.99')
        self.record('start', self.theirs, 2, project='project-b',
                    user='user-b')
        self.record('error', self.failed, 3, client_ip='10.0.0.99')
        self.record('end', self.done, 4)
        self.record('start', self.running, 5)
        self.useFixture(fp_fixtures.TimeOverride(at(65)))
        listed = fault_persist.list_tasks(base.admin_context())
        return {task['request_id']: task['task_id'] for task in listed}


class ApiBehaviour(ApiBehaviourFixtures):
    """Tests of the HTTP API."""

    # The show view -------------------------------------------------------

    def test_instance_fault_is_the_latest_with_details_for_admin(self):
        self.some_faults()
        fault = self.get('/v1/instances/inst-a1/fault').json['fault']
        self.assertEqual({'created': at(10).strftime(ISO),
                          'message': 'Failed at 10',
                          'details': 'Traceback: boom 10'}, fault)

    def test_instance_fault_without_details_for_the_owner(self):
        self.some_faults()
        fault = self.get('/v1/instances/inst-a1/fault', MEMBER_A).json
        self.assertEqual({'fault': {'created': at(10).strftime(ISO),
                                    'message': 'Failed at 10'}}, fault)

    def test_instance_fault_of_another_project_is_404(self):
        self.some_faults()
        response = self.get('/v1/instances/inst-a1/fault', MEMBER_B,
                            status=404)
        self.assertError(404, response, ['inst-a1'])
        # The same answer as for a resource that does not exist.
        absent = self.get('/v1/instances/inst-zz/fault', MEMBER_B,
                          status=404).json
        self.assertEqual(absent['error']['message'].replace('inst-zz',
                                                            'inst-a1'),
                         response.json['error']['message'])

    def test_instance_fault_unknown_resolved_or_bad_id_is_404(self):
        self.some_faults()
        self.assertError(404, self.get('/v1/instances/nothing/fault',
                                       status=404))
        # Resolved: no longer in the show view.
        self.assertError(404, self.get('/v1/instances/inst-a2/fault',
                                       status=404))
        self.assertError(404, self.get('/v1/instances/%s/fault' % ('x' * 65),
                                       status=404))

    # The fault history ---------------------------------------------------

    def test_faults_newest_first_with_every_field(self):
        ids = self.some_faults()
        faults = self.get('/v1/faults').json
        self.assertEqual([], faults['faults_links'])
        self.assertEqual(
            [ids['host'], ids['b1'], ids['a2'], ids['a1-new'],
             ids['a1-old']], [fault['id'] for fault in faults['faults']])
        newest_a = faults['faults'][3]
        self.assertEqual({
            'id': ids['a1-new'], 'instance_id': 'inst-a1',
            'resource_type': 'instance', 'project_id': 'project-a',
            'request_id': newest_a['request_id'],
            'event_type': 'compute.instance.resize.error',
            'code': 'ResizeError', 'created': at(10).strftime(ISO),
            'message': 'Failed at 10', 'details': 'Traceback: boom 10',
            'resolved_at': None}, newest_a)
        self.assertEqual(at(50).strftime(ISO),
                         faults['faults'][2]['resolved_at'])
        self.assertEqual(faults['faults'],
                         fault_persist.list_faults(base.admin_context()))

    def test_faults_of_a_member_are_its_projects_without_details(self):
        ids = self.some_faults()
        faults = self.get('/v1/faults', MEMBER_A).json['faults']
        self.assertEqual([ids['a2'], ids['a1-new'], ids['a1-old']],
                         [fault['id'] for fault in faults])
        for fault in faults:
            self.assertNotIn('details', fault)
        self.assertEqual([ids['b1']], [
            fault['id']
            for fault in self.get('/v1/faults', MEMBER_B).json['faults']])

    def test_faults_filters(self):
        ids = self.some_faults()

        def listed(query):
            return [fault['id'] for fault in
                    self.get('/v1/faults?' + query).json['faults']]

        self.assertEqual([ids['a1-new'], ids['a1-old']],
                         listed('instance_id=inst-a1'))
        self.assertEqual([ids['b1']], listed('project_id=project-b'))
        self.assertEqual([ids['b1'], ids['a2'], ids['a1-old']],
                         listed('code=BuildError'))
        self.assertEqual([ids['a1-new']],
                         listed('event_type=compute.instance.resize.error'))
        self.assertEqual([ids['a2']], listed('resource_type=volume'))
        self.assertEqual([ids['host']], listed('resource_type=host'))
        self.assertEqual([ids['host'], ids['b1'], ids['a1-new'],
                          ids['a1-old']], listed('unresolved=true'))
        self.assertEqual(5, len(listed('unresolved=false')))
        self.assertEqual([ids['b1'], ids['a2']],
                         listed('since=2026-05-04T10:00:20Z'
                                '&before=2026-05-04T10:00:40Z'))
        self.assertEqual([ids['a1-new']], listed(
            'since=2026-05-04T12:00:05%2B02:00&code=ResizeError'))
        self.assertEqual([], listed('code=%F0%9F%94%A5'))

    def test_faults_of_hosts_or_other_projects_are_forbidden_to_members(self):
        self.some_faults()
        self.assertError(403, self.get('/v1/faults?project_id=project-b',
                                       MEMBER_A, status=403))
        self.assertError(403, self.get('/v1/faults?resource_type=host',
                                       MEMBER_A, status=403))
        self.assertEqual(3, len(self.get('/v1/faults?project_id=project-a',
                                         MEMBER_A).json['faults']))

    def test_fault_by_id(self):
        ids = self.some_faults()
        fault = self.get('/v1/faults/%s' % ids['a1-old']).json['fault']
        self.assertEqual(fault_persist.list_faults(
            base.admin_context(), instance_id='inst-a1')[1], fault)
        self.assertEqual('Traceback: boom 0', fault['details'])
        member = self.get('/v1/faults/%s' % ids['a1-old'],
                          MEMBER_A).json['fault']
        self.assertNotIn('details', member)
        self.assertEqual(ids['a1-old'], member['id'])

    def test_fault_by_id_of_another_project_or_a_host_is_404(self):
        ids = self.some_faults()
        for fault_id in (ids['a1-old'], ids['host'], 'no-such-fault',
                         'x' * 300):
            self.assertError(404, self.get('/v1/faults/%s' % fault_id,
                                           MEMBER_B, status=404))

    def test_fault_pages_return_each_fault_once(self):
        saved = [self.save('inst-%d' % (index % 3), index % 4)
                 for index in range(11)]
        records, pages = self.walk('/v1/faults?limit=3', 'faults')
        self.assertEqual(sorted(saved), sorted(f['id'] for f in records))
        self.assertEqual(11, len(records))
        self.assertEqual(4, pages)
        exact, pages = self.walk('/v1/faults?limit=11', 'faults')
        self.assertEqual(1, pages)
        filtered, _ = self.walk('/v1/faults?limit=2&instance_id=inst-1',
                                'faults')
        self.assertEqual(4, len(filtered))
        self.assertEqual({'inst-1'}, {f['instance_id'] for f in filtered})

    def test_next_link_keeps_the_filters(self):
        for index in range(3):
            self.save('inst-x', index)
        document = self.get('/v1/faults?instance_id=inst-x&limit=2').json
        href = document['faults_links'][0]['href']
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
        self.assertEqual({'instance_id': ['inst-x'], 'limit': ['2'],
                          'marker': [document['faults'][-1]['id']]}, query)
        self.assertTrue(href.startswith('http://localhost/v1/faults?'))

    def test_a_page_is_never_larger_than_max_limit(self):
        for index in range(7):
            self.save('inst-m', index)
        with mock.patch.object(api_opts, 'max_limit', return_value=3):
            first = self.get('/v1/faults?limit=100').json
            default = self.get('/v1/faults').json
            records, pages = self.walk('/v1/faults', 'faults')
        self.assertEqual(3, len(first['faults']))
        self.assertEqual(1, len(first['faults_links']))
        self.assertEqual(3, len(default['faults']))
        self.assertEqual(7, len({f['id'] for f in records}))
        self.assertEqual(3, pages)

    # The request log -----------------------------------------------------

    def test_request_log_newest_first_as_the_python_api(self):
        self.some_tasks()
        document = self.get('/v1/request-log').json
        self.assertEqual(fault_persist.list_request_log(base.admin_context()),
                         document['entries'])
        self.assertEqual(6, len(document['entries']))
        entry = document['entries'][0]
        for name in ('id', 'created', 'req', 'status', 'app', 'user', 'ip',
                     'task_id', 'message'):
            self.assertIn(name, entry)
        self.assertEqual(at(5).strftime(ISO), entry['created'])

    def test_request_log_filters(self):
        task_ids = self.some_tasks()

        def statuses(query, caller=ADMIN):
            return [(entry['request_id'], entry['status']) for entry in
                    self.get('/v1/request-log?' + query,
                             caller).json['entries']]

        self.assertEqual([(self.failed, FAILED)], statuses('status=1002'))
        self.assertEqual([(self.failed, FAILED), (self.failed, STARTED)],
                         statuses('ip=10.0.0.99'))
        self.assertEqual([(self.done, COMPLETED), (self.done, STARTED)],
                         statuses('task_id=%d' % task_ids[self.done]))
        self.assertEqual([(self.running, STARTED)],
                         statuses('request_id=' + self.running))
        self.assertEqual([(self.theirs, STARTED)],
                         statuses('project_id=project-b'))
        self.assertEqual(6, len(statuses('app=trove&req=TASK')))
        self.assertEqual([], statuses('app=nova'))
        self.assertEqual(5, len(statuses('user=user-a')))
        self.assertEqual([(self.theirs, STARTED)], statuses('user=user-b'))
        self.assertEqual(
            [(self.failed, FAILED), (self.theirs, STARTED)],
            statuses('since=2026-05-04T10:00:02Z&before=2026-05-04T10:00:04Z'))
        instance = self.get('/v1/request-log').json['entries'][0][
            'instance_id']
        self.assertEqual(6, len(statuses('instance_id=' + instance)))
        self.assertEqual([], statuses('app=%F0%9F%94%A5'))

    def test_request_log_pages_return_each_entry_once(self):
        for index in range(13):
            self.record('start', 'req-%02d' % index, index)
        records, pages = self.walk('/v1/request-log?limit=5', 'entries')
        self.assertEqual(13, len({entry['id'] for entry in records}))
        self.assertEqual(13, len(records))
        self.assertEqual(3, pages)
        self.assertEqual(sorted(records, key=lambda e: -e['id']), records)
        filtered, _ = self.walk('/v1/request-log?limit=2&since='
                                '2026-05-04T10:00:08Z', 'entries')
        self.assertEqual(5, len(filtered))

    def test_request_log_as_text_lines(self):
        self.some_tasks()
        response = self.get('/v1/request-log?format=text&status=1002')
        self.assertEqual('text/plain; charset=utf-8',
                         response.headers['Content-Type'])
        self.assertEqual('attachment; filename="request-log.txt"',
                         response.headers['Content-Disposition'])
        expected = list(fault_persist.request_log_lines(
            base.admin_context(), status=1002))
        self.assertEqual(1, len(expected))
        self.assertEqual('\n'.join(expected) + '\n', response.text)
        everything = self.get('/v1/request-log',
                              headers={'Accept': 'text/plain'})
        self.assertEqual(6, len(everything.text.splitlines()))
        limited = self.get('/v1/request-log?format=text&limit=2')
        self.assertEqual(everything.text.splitlines()[:2],
                         limited.text.splitlines())
        as_json = self.get('/v1/request-log', headers={
            'Accept': 'application/json, text/plain;q=0.5'})
        self.assertEqual(6, len(as_json.json['entries']))

    def test_text_lines_stream_page_after_page(self):
        from fault_persist import request_log
        for index in range(7):
            self.record('start', 'req-%02d' % index, index)
        with mock.patch.object(request_log, 'LINES_PAGE_SIZE', 2):
            text = self.get('/v1/request-log?format=text').text
        self.assertEqual(7, len(set(text.splitlines())))

    # Tasks ---------------------------------------------------------------

    def test_tasks_as_the_python_api(self):
        task_ids = self.some_tasks()
        tasks_listed = self.get('/v1/tasks').json
        self.assertEqual(fault_persist.list_tasks(base.admin_context()),
                         tasks_listed['tasks'])
        self.assertEqual([], tasks_listed['tasks_links'])
        done = self.get('/v1/tasks/%d' % task_ids[self.done]).json['task']
        self.assertEqual(COMPLETED, done['status'])
        self.assertEqual(4.0, done['duration'])
        self.assertEqual(at(0).strftime(ISO), done['started'])
        self.assertEqual(at(4).strftime(ISO), done['ended'])
        running = self.get('/v1/tasks/%d' % task_ids[self.running]).json[
            'task']
        self.assertTrue(running['running'])
        self.assertIsNone(running['ended'])
        self.assertEqual(60.0, running['duration'])

    def test_task_filters(self):
        self.some_tasks()

        def listed(query):
            return [task['request_id'] for task in
                    self.get('/v1/tasks?' + query).json['tasks']]

        self.assertEqual([self.failed], listed('status=1002'))
        self.assertEqual([self.running, self.theirs], listed('status=1000'))
        self.assertEqual([self.theirs], listed('project_id=project-b'))
        self.assertEqual([self.done], listed('request_id=' + self.done))
        self.assertEqual(4, len(listed('app=trove')))
        self.assertEqual([], listed('app=nova'))

    def test_task_pages_return_each_task_once(self):
        for index in range(9):
            self.record('start', 'req-%02d' % index, index)
        records, pages = self.walk('/v1/tasks?limit=4', 'tasks')
        self.assertEqual(9, len({task['task_id'] for task in records}))
        self.assertEqual(3, pages)

    def test_task_entries_between_its_start_and_end(self):
        task_ids = self.some_tasks()
        entries = self.get('/v1/tasks/%d/entries'
                           % task_ids[self.done]).json
        self.assertEqual(
            [(self.done, STARTED), (self.failed, STARTED),
             (self.theirs, STARTED), (self.failed, FAILED),
             (self.done, COMPLETED)],
            [(entry['request_id'], entry['status'])
             for entry in entries['entries']])
        walked, pages = self.walk('/v1/tasks/%d/entries?limit=2'
                                  % task_ids[self.done], 'entries')
        self.assertEqual(entries['entries'], walked)
        self.assertEqual(3, pages)
        running = self.get('/v1/tasks/%d/entries'
                           % task_ids[self.running]).json['entries']
        self.assertEqual([(self.running, STARTED)],
                         [(e['request_id'], e['status']) for e in running])

    def test_unknown_tasks_are_404(self):
        self.some_tasks()
        for path in ('/v1/tasks/987654', '/v1/tasks/0', '/v1/tasks/abc',
                     '/v1/tasks/99999999999999999999',
                     '/v1/tasks/987654/entries', '/v1/tasks/abc/entries'):
            self.assertError(404, self.get(path, status=404))

    # Isolation -----------------------------------------------------------

    def test_a_project_sees_nothing_of_another_on_any_endpoint(self):
        fault_ids = self.some_faults()
        task_ids = self.some_tasks()
        theirs = task_ids[self.theirs]
        mine = task_ids[self.done]
        for caller, own_project in ((MEMBER_A, 'project-a'),
                                    (MEMBER_B, 'project-b')):
            faults = self.get('/v1/faults', caller).json['faults']
            entries = self.get('/v1/request-log', caller).json['entries']
            tasks_listed = self.get('/v1/tasks', caller).json['tasks']
            self.assertTrue(faults)
            self.assertTrue(entries)
            for record in faults + entries + tasks_listed:
                self.assertEqual(own_project, record['project_id'])
            text = self.get('/v1/request-log?format=text', caller).text
            self.assertEqual(len(entries), len(text.splitlines()))
        self.assertError(404, self.get('/v1/tasks/%d' % theirs, MEMBER_A,
                                       status=404))
        self.assertError(404, self.get('/v1/tasks/%d/entries' % theirs,
                                       MEMBER_A, status=404))
        self.assertError(404, self.get('/v1/tasks/%d' % mine, MEMBER_B,
                                       status=404))
        self.assertError(404, self.get('/v1/faults/%s' % fault_ids['b1'],
                                       MEMBER_A, status=404))
        self.assertError(404, self.get('/v1/instances/inst-b1/fault',
                                       MEMBER_A, status=404))
        between = self.get('/v1/tasks/%d/entries' % mine,
                           MEMBER_A).json['entries']
        self.assertNotIn(self.theirs, [e['request_id'] for e in between])
        for path in ('/v1/faults', '/v1/request-log', '/v1/tasks',
                     '/v1/request-log?format=text'):
            sep = '&' if '?' in path else '?'
            self.assertError(403, self.get(path + sep + 'project_id='
                                           'project-b', MEMBER_A,
                                           status=403))
        # A marker of another project's record is no way in either.
        self.assertError(400, self.get('/v1/faults?marker=%s'
                                       % fault_ids['b1'], MEMBER_A,
                                       status=400))
        nobody = {'project': '', 'user': 'x', 'roles': 'member'}
        self.assertEqual([], self.get('/v1/faults', nobody).json['faults'])

    # Bad input -----------------------------------------------------------

    def test_bad_queries_are_400_saying_why(self):
        ids = self.some_faults()
        self.some_tasks()
        cases = [
            ('/v1/faults?colour=red', ['colour']),
            ('/v1/faults?limit=0', ['limit']),
            ('/v1/faults?limit=-1', ['limit']),
            ('/v1/faults?limit=ten', ['limit']),
            ('/v1/faults?limit=1&limit=2', ['limit', '2 times']),
            ('/v1/faults?since=yesterday', ['since']),
            ('/v1/faults?before=2026-13-45T00:00:00Z', ['before']),
            ('/v1/faults?since=2026-05-04T10:00:00Z'
             '&before=9999-12-31T23:59:59-23:59', ['before']),
            ('/v1/faults?marker=no-such-fault', ['Marker']),
            ('/v1/faults?unresolved=perhaps', ['unresolved']),
            ('/v1/faults?resource_type=Big%20Thing', ['resource_type']),
            ('/v1/faults?instance_id=%00', ['instance_id']),
            ('/v1/faults?code=' + 'x' * 300, ['code']),
            ('/v1/faults/%s?details=1' % ids['a1-old'], ['details']),
            ('/v1/instances/inst-a1/fault?x=1', ['x']),
            ('/v1/request-log?status=7', ['status']),
            ('/v1/request-log?status=done', ['status']),
            ('/v1/request-log?marker=abc', ['marker']),
            ('/v1/request-log?marker=99999999', ['Marker']),
            ('/v1/request-log?marker=99999999999999999999999', ['marker']),
            ('/v1/request-log?task_id=x', ['task_id']),
            ('/v1/request-log?task_id=99999999999', ['task_id']),
            ('/v1/request-log?format=xml', ['format']),
            ('/v1/request-log?format=text&since=soon', ['since']),
            ('/v1/request-log?format=text&limit=none', ['limit']),
            ('/v1/request-log?app=%1b', ['app']),
            ('/v1/request-log?instance=x', ['instance']),
            ('/v1/tasks?marker=abc', ['marker']),
            ('/v1/tasks?marker=99999999', ['Marker']),
            ('/v1/tasks?status=1003', ['status']),
            ('/v1/tasks?since=2026-05-04T10:00:00Z', ['since']),
            ('/v1/tasks/1?limit=1', ['limit']),
            ('/v1/tasks/1/entries?marker=x', ['marker']),
            ('/v1/tasks/1/entries?limit=0', ['limit']),
            ('/v1/tasks/1/entries?app=trove', ['app']),
        ]
        for url, words in cases:
            response = self.get(url, status=400)
            self.assertError(400, response, words)
            self.assertEqual('Bad Request', response.json['error']['title'])

    def test_unknown_paths_and_methods_answer_the_error_document(self):
        self.assertError(404, self.get('/v1/nothing', status=404))
        self.assertError(405, self.app.post('/v1/faults',
                                            headers=headers(ADMIN),
                                            status=405))

    # The application around the views ------------------------------------

    def test_responses_carry_a_request_id(self):
        response = self.get('/v1/faults')
        self.assertTrue(response.headers['X-OpenStack-Request-ID'].startswith(
            'req-'))
        self.assertIn('X-OpenStack-Request-ID',
                      self.get('/v1/nothing', status=404).headers)

    def test_openapi_document_needs_no_authentication(self):
        document = self.app.get('/v1/openapi.json').json
        self.assertTrue(document['openapi'].startswith('3.'))
        self.assertIn('/v1/faults', document['paths'])

    def test_healthcheck(self):
        self.assertEqual(200, self.app.get('/healthcheck').status_int)

    def test_forwarded_scheme_and_host_make_the_next_links(self):
        self.conf.set_override('enable_proxy_headers_parsing', True,
                               group='oslo_middleware')
        self.app = webtest.TestApp(api_app.build_app(self.conf))
        for index in range(2):
            self.save('inst-p', index)
        links = self.get('/v1/faults?limit=1', headers={
            'X-Forwarded-Proto': 'https',
            'X-Forwarded-Host': 'faults.example.org'}).json['faults_links']
        self.assertTrue(links[0]['href'].startswith(
            'https://faults.example.org/v1/faults?'))
