import testtools

from fault_persist import payloads


def envelope(name, data, namespace='nova'):
    return {'%s_object.name' % namespace: name,
            '%s_object.namespace' % namespace: namespace,
            '%s_object.version' % namespace: '1.0',
            '%s_object.data' % namespace: data}


EXCEPTION = envelope('ExceptionPayload', {
    'exception': 'NoValidHost',
    'exception_message': 'No valid host was found.',
    'function_name': 'select_destinations',
    'module_name': 'nova.scheduler.manager',
    'traceback': 'Traceback (most recent call last):\nNoValidHost: x\n'})


class TestEnvelopes(testtools.TestCase):

    def test_walk_looks_through_envelopes_of_any_namespace_at_any_depth(
            self):
        payload = envelope('NodePayload', {
            'uuid': 'n-1',
            'ports': [envelope('PortPayload', {'uuid': 'p-1'}, 'ironic')],
            'inner': {'deeper': envelope('X', {'a': 1}, 'watcher')}},
            'ironic')
        walked = {path: (node, name)
                  for path, node, name in payloads.walk(payload)}
        self.assertEqual(('n-1', 'NodePayload'),
                         (walked[()][0]['uuid'], walked[()][1]))
        self.assertEqual(({'uuid': 'p-1'}, 'PortPayload'),
                         walked[('ports', 0)])
        self.assertEqual(({'a': 1}, 'X'), walked[('inner', 'deeper')])

    def test_a_mapping_that_only_looks_alike_is_no_envelope(self):
        big = {'a_object.data': 1, 'b': 2, 'c': 3, 'd': 4, 'e': 5, 'f': 6,
               'g': 7}
        self.assertIsNone(payloads.envelope_data_key(big))
        [(path, node, name)] = payloads.walk(big)
        self.assertEqual(((), big, None), (path, node, name))

    def test_object_name(self):
        self.assertEqual('ExceptionPayload', payloads.object_name(EXCEPTION))
        self.assertIsNone(payloads.object_name({'a': 1}))
        self.assertIsNone(payloads.object_name('text'))

    def test_deep_nesting_is_bounded(self):
        value = {}
        node = value
        for _ in range(5000):
            node['n'] = {}
            node = node['n']
        self.assertLessEqual(len(list(payloads.walk(value))),
                             payloads.MAX_DEPTH + 1)
        self.assertIsNone(payloads.find_exception(value))
        self.assertIsNone(payloads.human_text(value))
        self.assertIsNone(payloads.error_code(value))


class TestFindException(testtools.TestCase):

    def test_nova_fault_inside_an_instance_payload(self):
        payload = envelope('InstanceActionPayload', {'uuid': 'i-1',
                                                     'fault': EXCEPTION})
        found = payloads.find_exception(payload)
        self.assertEqual({'class': 'NoValidHost',
                          'message': 'No valid host was found.',
                          'traceback': 'Traceback (most recent call last):\n'
                                       'NoValidHost: x\n',
                          'function': 'select_destinations',
                          'module': 'nova.scheduler.manager',
                          'summary': 'NoValidHost: No valid host was found.'
                                     '\nraised in nova.scheduler.manager, '
                                     'function select_destinations'}, found)

    def test_exception_payload_at_the_top(self):
        self.assertEqual('NoValidHost',
                         payloads.find_exception(EXCEPTION)['class'])

    def test_by_shape_without_an_envelope_under_any_key(self):
        payload = {'problem': {'exception': 'Boom',
                               'exception_message': 'it broke'}}
        self.assertEqual('it broke',
                         payloads.find_exception(payload)['message'])

    def test_shallowest_then_preferred_key_wins(self):
        deep = {'exception': 'Deep', 'traceback': 't'}
        payload = {'other': {'exception': 'Other', 'traceback': 't'},
                   'reason': {'exception': 'Reason', 'traceback': 't'},
                   'x': {'y': deep}}
        self.assertEqual('Reason', payloads.find_exception(payload)['class'])

    def test_a_list_of_traceback_lines_is_no_exception_payload(self):
        # Trove's "exception" is a list of lines next to "message".
        payload = {'exception': ['Traceback...\n', 'RuntimeError: x\n'],
                   'message': 'x'}
        self.assertIsNone(payloads.find_exception(payload))

    def test_odd_payloads(self):
        for payload in (None, 'text', 3, [1, {'exception': 1}], b'x'):
            self.assertIsNone(payloads.find_exception(payload))


class TestHumanText(testtools.TestCase):

    def test_text_inside_a_dict(self):
        # Nova's legacy scheduler.run_instance.
        reason = {'kwargs': {'code': 500, 'reason': 'Exceeded max '
                             'scheduling attempts 3 for instance i-1'}}
        self.assertEqual('Exceeded max scheduling attempts 3 for instance '
                         'i-1', payloads.human_text(reason))

    def test_the_last_line_of_a_traceback(self):
        self.assertEqual('RuntimeError: A guest error occurred',
                         payloads.human_text(
                             ['Traceback (most recent call last):\n',
                              '  File "x", line 1\n',
                              'RuntimeError: A guest error occurred\n']))
        self.assertEqual('ValueError: bad', payloads.human_text(
            'Traceback (most recent call last):\n  x\nValueError: bad\n'))

    def test_preferred_keys_first(self):
        self.assertEqual('why', payloads.human_text(
            {'details': 'd', 'reason': 'why', 'message': None}))

    def test_envelopes_are_looked_through(self):
        self.assertEqual('No valid host was found.',
                         payloads.human_text(EXCEPTION))

    def test_nothing_to_say(self):
        for value in (None, '', '  ', {}, {'code': 500}, 7, [1, 2]):
            self.assertIsNone(payloads.human_text(value), value)

    def test_bytes_are_text(self):
        self.assertEqual('\ufffdbin', payloads.human_text(b'\xffbin'))


class TestErrorCode(testtools.TestCase):

    def test_tokens_only(self):
        self.assertEqual('NoValidHost', payloads.error_code('NoValidHost'))
        self.assertEqual('KCHVM0001E', payloads.error_code(' KCHVM0001E '))
        self.assertEqual('500', payloads.error_code(500))
        self.assertIsNone(payloads.error_code('No valid host was found.'))
        self.assertIsNone(payloads.error_code(
            'Traceback (most recent call last):\n  File'))
        self.assertIsNone(payloads.error_code(True))
        self.assertIsNone(payloads.error_code('x' * 65))

    def test_inside_a_dict(self):
        self.assertEqual('500', payloads.error_code(
            {'kwargs': {'code': 500, 'reason': 'r'}}))
        self.assertEqual('NoValidHost', payloads.error_code(EXCEPTION))
