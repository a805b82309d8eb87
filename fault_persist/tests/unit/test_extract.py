import datetime
import os

import fixtures
from oslo_context import context as o_context
import testtools
import yaml

from fault_persist import events
from fault_persist import exception
from fault_persist import extract
from fault_persist import recognise
from fault_persist.tests import samples

TROVE_ERROR = 'trove/dbaas-instance_create-error'
NOVA_CREATE_ERROR = 'nova/instance-create-error'
NOVA_CREATE_START = 'nova/instance-create-start'
NOVA_REBOOT_ERROR = 'nova/instance-reboot-error'
NOVA_INSTANCE = '178b0921-8f85-4257-88b6-2e743b5a975c'
PROJECT = '6f70656e737461636b20342065766572'


class TestBuiltInDefinitions(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.definitions = extract.Definitions.load()
        self.recogniser = recognise.Recogniser(
            ['ERROR', 'CRITICAL'], ['*.error'], ['*.start'], ['*.end'])

    def _extract(self, name, ctxt=None, **changes):
        message = samples.variant(name, **changes)
        kind = self.recogniser.kind(message['event_type'],
                                    message['priority'])
        return self.definitions.extract(ctxt or {}, message, kind)

    def test_every_sample_gives_an_event_with_an_instance(self):
        for name in samples.names():
            event = self._extract(name)
            self.assertIsNotNone(event.kind, name)
            self.assertIsNotNone(event.instance_id, name)
            self.assertEqual(PROJECT, event.project_id, name)
            self.assertIsNotNone(event.app, name)

    def test_trove_error(self):
        event = self._extract(TROVE_ERROR)
        self.assertEqual(recognise.ERROR, event.kind)
        self.assertEqual('73cfc462-dd59-4dc1-9d32-95954171775f',
                         event.instance_id)
        self.assertEqual('A guest error occurred', event.message)
        self.assertEqual('req-6e3a1a52-0d4c-4b8c-9a67-3f2b6bb0a8e1',
                         event.request_id)
        self.assertTrue(event.details.startswith(
            'Traceback (most recent call last):\n  File'))
        self.assertTrue(event.details.endswith(
            'RuntimeError: A guest error occurred'))
        self.assertEqual('RuntimeError', event.code)
        self.assertEqual('trove', event.app)
        self.assertEqual('dbaas.instance_create', event.action)
        self.assertEqual('10.0.0.15', event.ip)
        self.assertEqual('trove-host-1', event.host)

    def test_nova_create_error(self):
        event = self._extract(NOVA_CREATE_ERROR)
        self.assertEqual(recognise.ERROR, event.kind)
        self.assertEqual(NOVA_INSTANCE, event.instance_id)
        self.assertEqual("The created instance's disk would be too small.",
                         event.message)
        self.assertEqual('FlavorDiskTooSmall', event.code)
        self.assertIn('_build_resources', event.details)
        self.assertEqual('fake', event.user_id)
        self.assertEqual('compute', event.host)
        self.assertEqual('nova', event.app)
        self.assertEqual('instance.create', event.action)

    def test_nova_reboot_error(self):
        event = self._extract(NOVA_REBOOT_ERROR)
        self.assertEqual('UnsupportedVirtType', event.code)
        self.assertEqual("Virtualization type 'FakeVirt' is not supported "
                         "by this compute driver", event.message)
        self.assertEqual('instance.reboot', event.action)

    def test_nova_traceback_is_preferred_as_details(self):
        message = samples.load(NOVA_CREATE_ERROR)
        fault = message['payload']['nova_object.data']['fault']
        fault['nova_object.data']['traceback'] = 'Traceback:\nBoom: x'
        event = self.definitions.extract({}, message, recognise.ERROR)
        self.assertEqual('Traceback:\nBoom: x', event.details)

    def test_nova_start_has_no_message(self):
        event = self._extract(NOVA_CREATE_START)
        self.assertEqual(recognise.START, event.kind)
        self.assertIsNone(event.message)
        self.assertIsNone(event.details)

    def test_context_fills_what_payload_lacks(self):
        event = self._extract(NOVA_CREATE_ERROR,
                              ctxt={'request_id': 'req-ctx',
                                    'project_id': 'ignored',
                                    'remote_address': '192.0.2.1'})
        self.assertEqual('req-ctx', event.request_id)
        self.assertEqual(PROJECT, event.project_id)
        self.assertEqual('192.0.2.1', event.ip)

    def test_context_object_fills_what_payload_lacks(self):
        # oslo.messaging gives a host's notifier drivers the context as the
        # host passed it: a RequestContext, not a dict.
        ctxt = o_context.RequestContext(request_id='req-object',
                                        project_id='p-object',
                                        user_id='u-object')
        message = {'event_type': 'volume.attach.error', 'priority': 'ERROR',
                   'payload': {'instance_id': 'i-1'}}
        event = self.definitions.extract(ctxt, message, recognise.ERROR)
        self.assertEqual(('req-object', 'p-object', 'u-object'),
                         (event.request_id, event.project_id,
                          event.user_id))

    def test_context_that_cannot_be_read_counts_as_empty(self):
        class BrokenContext:
            def to_dict(self):
                raise RuntimeError('broken')

        message = {'event_type': 'volume.attach.error', 'priority': 'ERROR',
                   'payload': {'instance_id': 'i-1'}}
        event = self.definitions.extract(BrokenContext(), message,
                                         recognise.ERROR)
        self.assertEqual('i-1', event.instance_id)
        self.assertIsNone(event.request_id)

    def test_legacy_context_keys(self):
        message = {'event_type': 'volume.attach.error', 'priority': 'ERROR',
                   'payload': {'volume_id': 'v-1', 'instance_id': 'i-1'}}
        event = self.definitions.extract(
            {'tenant': 'p-legacy', 'user': 'u-legacy'}, message,
            recognise.ERROR)
        self.assertEqual('p-legacy', event.project_id)
        self.assertEqual('u-legacy', event.user_id)

    def test_generic_flat_payload(self):
        message = {'event_type': 'share.create.error', 'priority': 'ERROR',
                   'publisher_id': 'manila-share.host-9',
                   'message_id': 'm-1',
                   'timestamp': '2016-08-12 14:49:55.123456',
                   'payload': {'resource_id': 'share-1',
                               'message': 'No valid host',
                               'traceback': 'Traceback:\nNoValidHost: no'}}
        event = self.definitions.extract({}, message, recognise.ERROR)
        self.assertEqual('share-1', event.instance_id)
        self.assertEqual('No valid host', event.message)
        self.assertEqual('NoValidHost', event.code)
        self.assertEqual('manila', event.app)
        self.assertEqual('host-9', event.host)
        self.assertEqual('m-1', event.message_id)
        self.assertEqual(datetime.datetime(2016, 8, 12, 14, 49, 55, 123456),
                         event.timestamp)

    def test_secrets_in_payload_are_masked(self):
        message = {'event_type': 'x.error', 'priority': 'ERROR',
                   'payload': {'instance_id': 'i-1',
                               'message': 'auth failed password=hunter2',
                               'exception': {'admin_pass': 'hunter3',
                                             'url': 'amqp://u:pw@h/'}}}
        event = self.definitions.extract({}, message, recognise.ERROR)
        self.assertNotIn('hunter2', event.message)
        self.assertNotIn('hunter3', event.details)
        self.assertNotIn('u:pw@', event.details)

    def test_odd_payloads_never_raise(self):
        odd = [None, 'text', 42, ['a', 'b'], b'\xff\x00bytes',
               {'instance_id': ['not', 'text']},
               {'instance_id': {'nested': 1}, 'message': None},
               {'instance_id': 'i' * 10000, 'message': 'm' * 100000,
                'exception': ['line\n'] * 100000},
               {'nova_object.data': 'not a dict'},
               {'instance_id': b'\xffbinary', 'message': b'\x00\x01'}]
        for payload in odd:
            for event_type in ('dbaas.x.error', 'instance.x.error',
                               'x.error', None, 7):
                message = {'event_type': event_type, 'priority': 'ERROR',
                           'payload': payload, 'timestamp': 'yesterday',
                           'publisher_id': 12}
                event = self.definitions.extract('not a dict', message,
                                                 recognise.ERROR)
                self.assertLessEqual(len(event.message or ''), 255)
                self.assertLessEqual(
                    len((event.details or '').encode('utf-8')), 65535)

    def test_timestamps_are_naive_utc(self):
        expected = datetime.datetime(2016, 8, 12, 12, 49, 55, 123456)
        for stamp in ('2016-08-12 12:49:55.123456',
                      '2016-08-12T12:49:55.123456Z',
                      '2016-08-12T14:49:55.123456+02:00',
                      '20160812T124955.123456Z'):
            event = self._extract(TROVE_ERROR, timestamp=stamp)
            self.assertEqual(expected, event.timestamp, stamp)

    def test_missing_timestamp_is_now(self):
        now = datetime.datetime(2026, 1, 2, 3, 4, 5)
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_utils.timeutils.utcnow', lambda *a, **k: now))
        event = self._extract(TROVE_ERROR)
        self.assertEqual(now, event.timestamp)


class TestCleanedOnce(testtools.TestCase):
    """What extraction does so that no later step cleans again."""

    def setUp(self):
        super().setUp()
        self.definitions = extract.Definitions.load()

    def _start(self, payload=None, ctxt=None, **message):
        notification = {'event_type': 'dbaas.instance_create.start',
                        'publisher_id': 'trove-taskmanager:h1',
                        'payload': dict({'instance_id': 'i-1'},
                                        **(payload or {}))}
        notification.update(message)
        return self.definitions.extract(ctxt or {}, notification,
                                        recognise.START)

    def test_events_are_immutable(self):
        event = self._start()
        self.assertRaises(AttributeError, setattr, event, 'message', 'x')

    def test_target_is_the_action_and_resource_without_one(self):
        self.assertEqual('dbaas.instance_create i-1', self._start().target)

    def test_app_falls_back_to_the_event_types_prefix(self):
        event = self._start(publisher_id=None,
                            event_type='freezer.job_run.start')
        self.assertEqual('freezer', event.app)

    def test_overlong_identifiers_are_left_out(self):
        event = self._start(ctxt={'user_id': 'u' * 65, 'project_id': 'p'})
        self.assertEqual((None, 'p'), (event.user_id, event.project_id))

    def test_an_overlong_message_id_is_replaced_by_a_stable_one(self):
        first = self._start(message_id='m' * 100)
        again = self._start(message_id='m' * 100)
        self.assertEqual(36, len(first.message_id))
        self.assertEqual(first.message_id, again.message_id)
        self.assertNotEqual(first.message_id,
                            self._start(message_id='n' * 100).message_id)

    def test_a_missing_message_id_is_a_new_one(self):
        self.assertNotEqual(self._start().message_id,
                            self._start().message_id)

    def test_text_is_stripped_and_bounded(self):
        event = self._start(priority='  INFO  ' + 'X' * 40,
                            publisher_id='trove:' + 'h' * 300)
        self.assertEqual(16, len(event.priority))
        self.assertTrue(event.priority.startswith('INFO'))
        self.assertLessEqual(len(event.publisher_id), 255)
        self.assertLessEqual(len(event.host), 255)

    def test_a_spooled_event_reads_back_equal(self):
        event = self._start()
        self.assertEqual(event, events.Event.from_dict(event.as_dict()))


class TestLookup(testtools.TestCase):

    def test_keys_with_dots(self):
        document = {'payload': {'nova_object.data': {'uuid': 'u'}}}
        self.assertEqual('u', extract.lookup(
            document, ('payload', 'nova_object', 'data', 'uuid')))

    def test_list_index(self):
        document = {'payload': {'items': [{'id': 'a'}, {'id': 'b'}]}}
        self.assertEqual('b', extract.lookup(
            document, ('payload', 'items', '1', 'id')))
        self.assertIsNone(extract.lookup(
            document, ('payload', 'items', '5', 'id')))

    def test_longest_key_wins(self):
        document = {'a.b': {'c': 'long'}, 'a': {'b': {'c': 'short'}}}
        self.assertEqual('long', extract.lookup(document, ('a', 'b', 'c')))
        self.assertEqual('long', extract.lookup(document, ['a', 'b', 'c']))

    def test_missing_path(self):
        self.assertIsNone(extract.lookup({'a': 1}, ('a', 'b')))
        self.assertIsNone(extract.lookup({'a': 1}, ('b',)))


class TestDefinitionsFile(testtools.TestCase):

    def _write(self, text):
        path = self.useFixture(fixtures.TempDir()).join('defs.yaml')
        with open(path, 'w') as stream:
            stream.write(text)
        return path

    def test_custom_definitions_file(self):
        path = self._write(
            "- event_types: ['backup.*']\n"
            "  app: freezer\n"
            "  fields:\n"
            "    instance_id: payload.job.instance\n"
            "    message: [payload.why, payload.message]\n")
        definitions = extract.Definitions.load(path)
        event = definitions.extract(
            {}, {'event_type': 'backup.run.error',
                 'payload': {'job': {'instance': 'i-9'}, 'why': 'disk'}},
            recognise.ERROR)
        self.assertEqual(('i-9', 'disk', 'freezer'),
                         (event.instance_id, event.message,
                          event.app))

    def test_no_matching_definition_still_gives_context_fields(self):
        path = self._write("- event_types: ['backup.*']\n")
        definitions = extract.Definitions.load(path)
        event = definitions.extract({'project_id': 'p'},
                                    {'event_type': 'other.error'},
                                    recognise.ERROR)
        self.assertEqual('p', event.project_id)
        # Nothing names a resource, nor a host: a fault of an unknown host.
        self.assertEqual(('host', 'unknown'),
                         (event.resource_type, event.instance_id))

    def test_errors_name_the_file_and_the_problem(self):
        cases = {
            "{}": 'a list of definitions expected',
            "- fields: {}\n": 'event_types',
            "- event_types: ['*']\n  fields: {colour: payload.c}\n":
                'unknown fields colour',
            "- event_types: ['*']\n  fields: {message: 3}\n": 'path',
            "- [unbalanced\n": 'expected',
            "- app: x\n": '"event_types" or "publishers"',
            "- event_types: ['*']\n  resource: {backup: payload.id}\n":
                '"resource" must list one-key',
            "- event_types: ['*']\n  resource: [{Backup: payload.id}]\n":
                "kind 'Backup'",
            "- event_types: ['*']\n  resource: [{a: p, b: q}]\n":
                '"resource" must list one-key',
            "- event_types: ['*']\n  resource_keys: uuid\n":
                '"resource_keys" must list',
            "- event_types: ['*']\n  resource_in_message: [{image: '('}]\n":
                'resource_in_message image',
            "- event_types: ['*']\n  resource_in_message: [{image: 'x'}]\n":
                'one group',
            "- publishers: [3]\n": '"publishers" must list',
        }
        for text, reason in cases.items():
            path = self._write(text)
            error = self.assertRaises(exception.InvalidDefinitions,
                                      extract.Definitions.load, path)
            self.assertIn(path, str(error))
            self.assertIn(reason, str(error))

    def test_missing_file(self):
        self.assertRaises(exception.InvalidDefinitions,
                          extract.Definitions.load, '/nonexistent/defs.yaml')

    def test_shipped_etc_file_is_the_built_in_one(self):
        etc = os.path.join(os.path.dirname(extract.__file__), os.pardir,
                           'etc', 'fault-persist', 'fault_definitions.yaml')
        if not os.path.exists(etc):
            self.skipTest('not run from a source tree')
        with open(etc) as shipped, open(
                extract.DEFAULT_DEFINITIONS_FILE) as built_in:
            self.assertEqual(built_in.read(), shipped.read())


# The worked example of doc/source/user/definitions.rst: Watcher, a
# service whose definitions fault_persist does not ship.
WATCHER_ERROR = {
    'event_type': 'action.execution.error', 'priority': 'ERROR',
    'publisher_id': 'infra-optim:node0',
    'payload': {
        'watcher_object.name': 'ActionExecutionPayload',
        'watcher_object.namespace': 'watcher',
        'watcher_object.version': '1.0',
        'watcher_object.data': {
            'uuid': '10a47dd1-4874-4298-91cf-eff046dbdb8d',
            'action_plan_uuid': '76be87bd-3422-43f9-93a0-e85a577e3061',
            'action_type': 'nop', 'state': 'FAILED',
            'fault': {
                'watcher_object.name': 'ExceptionPayload',
                'watcher_object.namespace': 'watcher',
                'watcher_object.version': '1.0',
                'watcher_object.data': {
                    'exception': 'WatcherException',
                    'exception_message': 'TEST',
                    'function_name': 'test_send_action_execution_with_error',
                    'module_name': 'watcher.tests.notifications.'
                                   'test_action'}}}}}


class TestWorkedExample(testtools.TestCase):

    def test_built_in_definitions_read_a_service_they_do_not_know(self):
        event = extract.Definitions.load().extract({}, WATCHER_ERROR,
                                                   recognise.ERROR)
        self.assertEqual(
            ('action', '10a47dd1-4874-4298-91cf-eff046dbdb8d', 'TEST',
             'WatcherException', 'infra-optim', 'node0'),
            (event.resource_type, event.instance_id, event.message,
             event.code, event.app, event.host))

    def test_two_definitions_above_the_catch_all(self):
        with open(extract.DEFAULT_DEFINITIONS_FILE) as stream:
            built_in = yaml.safe_load(stream)
        added = yaml.safe_load(
            "- event_types: ['action_plan.*']\n"
            "  resource: [{action_plan: payload.uuid}]\n"
            "- publishers: ['infra-optim']\n"
            "  app: watcher\n")
        definitions = extract.Definitions(added + built_in)
        plan_error = dict(WATCHER_ERROR,
                          event_type='action_plan.execution.error')
        event = definitions.extract({}, plan_error, recognise.ERROR)
        self.assertEqual(('action_plan', 'watcher', 'TEST'),
                         (event.resource_type, event.app,
                          event.message))
        event = definitions.extract({}, WATCHER_ERROR, recognise.ERROR)
        self.assertEqual(('action', 'watcher'),
                         (event.resource_type, event.app))
