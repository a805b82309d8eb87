"""No secret of the forms table is stored in clear, whatever the path."""

import json

import fault_persist
from fault_persist import extract
from fault_persist import projections
from fault_persist import recognise
from fault_persist import request_log_text
from fault_persist import sanitize
from fault_persist.tests import base
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests import secret_forms

FORMS = secret_forms.forms()


class TestFormsTable(base.TestCase):

    USES_SQLITE = False

    def test_the_table_has_about_two_hundred_forms_and_more(self):
        self.assertGreaterEqual(len(FORMS), 200)

    def _assert_none_leaked(self, clean):
        leaks = []
        for name, text, fragments in FORMS:
            cleaned = clean('Failed: ' + text)
            leaked = secret_forms.leaked(fragments, cleaned)
            if leaked:
                leaks.append('%s: %r -> %r' % (name, text, cleaned))
        self.assertEqual([], leaks)

    def test_clean_message(self):
        self._assert_none_leaked(sanitize.clean_message)

    def test_clean_details(self):
        self._assert_none_leaked(sanitize.clean_details)

    def test_clean_details_of_traceback_lines(self):
        self._assert_none_leaked(
            lambda text: sanitize.clean_details(text.splitlines(True)))

    def test_clean_details_of_a_list_and_a_mapping(self):
        self._assert_none_leaked(lambda text: sanitize.clean_details(
            [{'error': text}, text]))
        self._assert_none_leaked(lambda text: sanitize.clean_details(
            {'error': text, 'nested': {'args': [text]}}))

    def test_request_log_entry_and_its_message(self):
        definitions = extract.Definitions([{
            'event_types': ['*'], 'app': 'trove',
            'fields': {'target': 'payload.target',
                       'message': 'payload.message',
                       'code': 'payload.code'}}])

        def entry_texts(text):
            event = definitions.extract({}, {
                'event_type': 'dbaas.instance_create.error',
                'timestamp': '2026-05-04 00:00:00',
                'payload': {'code': 'RuntimeError', 'target': text,
                            'message': text}}, recognise.ERROR)
            entry = projections.request_log_entry(event)
            message = request_log_text.entry_message(
                dict(entry, task_id=100))
            return '\n'.join((entry['target'], entry['detail_message'],
                              message))
        self._assert_none_leaked(entry_texts)


class TestStoredRows(base.TestCase):
    """Through the direct calls to the SQLite rows, read back."""

    def test_save_fault_stores_no_secret(self):
        leaks = []
        for index, (name, text, fragments) in enumerate(FORMS):
            instance_id = 'i-%d' % index
            fault_persist.save_fault(None, instance_id, text, details=text)
            fault = fault_persist.get_fault(base.admin_context(),
                                            instance_id)
            stored = fault['message'] + '\n' + fault['details']
            if secret_forms.leaked(fragments, stored):
                leaks.append('%s: %r' % (name, stored))
        self.assertEqual([], leaks)

    def test_track_task_stores_no_secret(self):
        texts = [(text, fragments) for _name, text, fragments in FORMS]
        for text, _fragments in texts:
            try:
                with fault_persist.track_task(None, 'trove', text):
                    raise RuntimeError(text)
            except RuntimeError:
                pass
        rows = fault_persist.list_request_log(base.admin_context())
        stored = json.dumps(rows, default=str)
        self.assertEqual(2 * len(texts), len(rows))
        self.assertEqual([], [fragment for _text, fragments in texts
                              for fragment in secret_forms.leaked(
                                  fragments, stored)])


class TestSpool(base.TestCase):
    """What the direct calls spool while the database is down is clean.

    The spool writes events as it gets them: the faults and entries are
    cleaned before they reach it, which is what this shows.
    """

    def test_spooled_faults_and_entries_hold_no_secret(self):
        forms = FORMS[::7]
        with fp_fixtures.UnreachableDatabase():
            for _name, text, _fragments in forms:
                fault_persist.save_fault(None, 'i-1', text, details=text)
                with fault_persist.track_task(None, 'trove', text):
                    pass
            spooled = ''.join(open(path, encoding='utf-8').read()
                              for path in self.spool_files())
        self.assertIn('"kind": "fault"', spooled)
        self.assertIn('"kind": "task_entry"', spooled)
        self.assertEqual([], [fragment for _name, _text, fragments in forms
                              for fragment in secret_forms.leaked(
                                  fragments, spooled)])
