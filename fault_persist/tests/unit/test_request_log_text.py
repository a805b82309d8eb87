import datetime
import os

from babel.messages import catalog
from babel.messages import extract
from babel.messages import mofile
import fixtures
from oslotest import base

from fault_persist import exception
from fault_persist import request_log_text as text

KIMCHI_EXAMPLE = (
    "[2016-08-12 11:49:55 BRT] TASK  1002 kimchi   Failure on Kimchi task "
    "ID 100: /plugins/kimchi/vms/name/clone (KCHVM0001E failed to clone vm "
    "'name')")


def kimchi_failure(**changes):
    entry = {
        'created': datetime.datetime(2016, 8, 12, 14, 49, 55),
        'req': 'TASK',
        'status': text.FAILED,
        'app': 'kimchi',
        'user': None,
        'ip': None,
        'task_id': 100,
        'target': '/plugins/kimchi/vms/name/clone',
        'detail_code': 'KCHVM0001E',
        'detail_message': "failed to clone vm 'name'",
    }
    entry.update(changes)
    entry['message'] = text.message(
        entry['status'], entry['app'], entry['task_id'], entry['target'],
        entry['detail_code'], entry['detail_message'])
    return entry


class TestTemplates(base.BaseTestCase):

    def test_started(self):
        self.assertEqual(
            'Started Trove task ID 7: dbaas.instance_create i-1',
            text.message(text.STARTED, 'trove', 7,
                         'dbaas.instance_create i-1'))

    def test_completed(self):
        self.assertEqual(
            'Successfully completed Nova task ID 8: instance.create i-2',
            text.message(text.COMPLETED, 'nova', 8, 'instance.create i-2'))

    def test_failed(self):
        self.assertEqual(
            "Failure on Kimchi task ID 100: /plugins/kimchi/vms/name/clone "
            "(KCHVM0001E failed to clone vm 'name')",
            text.message(text.FAILED, 'kimchi', 100,
                         '/plugins/kimchi/vms/name/clone', 'KCHVM0001E',
                         "failed to clone vm 'name'"))

    def test_failure_without_code_or_message_still_fills_the_template(self):
        self.assertEqual(
            'Failure on Nova task ID 3: x (the failure came with no error '
            'code and no message)',
            text.message(text.FAILED, 'nova', 3, 'x'))

    def test_app_is_capitalised_and_otherwise_kept(self):
        self.assertEqual('Kimchi', text.app_title('kimchi'))
        self.assertEqual('MyApp', text.app_title('myApp'))
        self.assertEqual('', text.app_title(''))

    def test_one_stable_code_per_status(self):
        self.assertEqual({1000: 'FPTASK1000I', 1001: 'FPTASK1001I',
                          1002: 'FPTASK1002E'}, text.MESSAGE_CODES)
        self.assertEqual(set(text.MESSAGE_CODES.values()),
                         set(text.TEMPLATES))

    def test_long_message_is_bounded(self):
        message = text.message(text.FAILED, 'a' * 64, 1, 't' * 255,
                               'c' * 64, 'm' * 2000)
        self.assertEqual(text.MESSAGE_MAX_CHARS, len(message))


class TestEntryMessage(base.BaseTestCase):

    def test_is_the_message_of_the_entry_status(self):
        entry = kimchi_failure()
        self.assertEqual(entry['message'], text.entry_message(entry))

    def test_a_secret_only_the_joined_parts_show_is_masked(self):
        entry = kimchi_failure(detail_code='token:',
                               detail_message='s3cr3t-value')
        message = text.entry_message(entry)
        self.assertNotIn('s3cr3t-value', message)
        self.assertIn('(token: ***)', message)

    def test_is_bounded(self):
        entry = kimchi_failure(app='a' * 64, target='t' * 255,
                               detail_code='c' * 64,
                               detail_message='m' * 2000)
        self.assertEqual(text.MESSAGE_MAX_CHARS,
                         len(text.entry_message(entry)))


class TestTranslation(base.BaseTestCase):

    def _install_catalogue(self, locale, translations):
        localedir = self.useFixture(fixtures.TempDir()).path
        messages = catalog.Catalog(locale=locale, domain='fault_persist')
        for english, translated in translations.items():
            messages.add(english, translated)
        directory = os.path.join(localedir, locale, 'LC_MESSAGES')
        os.makedirs(directory)
        with open(os.path.join(directory, 'fault_persist.mo'), 'wb') as mo:
            mofile.write_mo(mo, messages)
        self.useFixture(fixtures.EnvironmentVariable(
            'FAULT_PERSIST_LOCALEDIR', localedir))

    def test_templates_are_in_the_catalogue(self):
        # What "pybabel extract" finds, with its default keywords.
        found = {message for _, message, _, _ in
                 extract.extract_from_file('python', text.__file__)}
        self.assertTrue(set(text.TEMPLATES.values()) <= found,
                        set(text.TEMPLATES.values()) - found)

    def test_a_reader_gets_the_message_in_their_language(self):
        self._install_catalogue('pt_BR', {
            text.TEMPLATES['FPTASK1000I']:
                'Tarefa {task_id} de {App} iniciada: {target}'})
        self.assertEqual(
            'Tarefa 7 de Kimchi iniciada: /vms/a',
            text.message(text.STARTED, 'kimchi', 7, '/vms/a', locale='pt_BR'))
        entry = kimchi_failure(status=text.STARTED)
        self.assertTrue(text.line(
            entry, text.display_zone('UTC'), locale='pt_BR').endswith(
            'Tarefa 100 de Kimchi iniciada: /plugins/kimchi/vms/name/clone'))

    def test_unknown_locale_falls_back_to_english(self):
        self.assertEqual(
            'Started Kimchi task ID 7: /vms/a',
            text.message(text.STARTED, 'kimchi', 7, '/vms/a', locale='xx_YY'))


class TestLines(base.BaseTestCase):

    def test_the_proposals_example_line(self):
        self.assertEqual(KIMCHI_EXAMPLE, text.line(
            kimchi_failure(), text.display_zone('BRT=-03:00')))

    def test_iana_zone_is_labelled_as_tzdata_says(self):
        line = text.line(kimchi_failure(),
                         text.display_zone('America/Sao_Paulo'))
        self.assertEqual(KIMCHI_EXAMPLE.replace(' BRT]', ' -03]'), line)

    def test_iana_zone_follows_daylight_saving(self):
        zone = text.display_zone('Europe/Berlin')
        winter = kimchi_failure(created=datetime.datetime(2016, 1, 12, 14))
        summer = kimchi_failure(created=datetime.datetime(2016, 8, 12, 14))
        self.assertTrue(text.line(winter, zone).startswith(
            '[2016-01-12 15:00:00 CET] '))
        self.assertTrue(text.line(summer, zone).startswith(
            '[2016-08-12 16:00:00 CEST] '))

    def test_utc_is_the_default(self):
        for spec in (None, '', 'UTC'):
            self.assertTrue(text.line(
                kimchi_failure(), text.display_zone(spec)).startswith(
                '[2016-08-12 14:49:55 UTC] TASK  1002 kimchi   Failure'))

    def test_positive_offset_and_minutes(self):
        self.assertTrue(text.line(
            kimchi_failure(), text.display_zone('IST=+05:30')).startswith(
            '[2016-08-12 20:19:55 IST] '))

    def test_known_user_and_ip_take_their_places(self):
        line = text.line(kimchi_failure(user='admin', ip='192.0.2.1'),
                         text.display_zone('BRT=-03:00'))
        self.assertEqual(KIMCHI_EXAMPLE.replace(
            'kimchi   Failure', 'kimchi admin 192.0.2.1 Failure'), line)

    def test_bad_zones_are_clear_errors(self):
        for spec in ('BRT=3:00', 'BRT=-3', 'BRT=+24:00', 'BRT=+01:60',
                     '=-03:00', 'Mars/Olympus_Mons', '../../etc/passwd'):
            error = self.assertRaises(exception.InvalidTimezone,
                                      text.display_zone, spec)
            self.assertIn('log_timezone', str(error))
