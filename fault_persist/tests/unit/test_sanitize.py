"""sanitize masks at least what oslo.utils masks; its fast paths skip work."""

from oslo_utils import strutils
import testtools

from fault_persist import sanitize


class TestMaskSecrets(testtools.TestCase):

    def _texts(self):
        texts = ['Traceback (most recent call last):\n  File "x.py", line 1'
                 '\nRuntimeError: A guest error occurred',
                 '', 'no secret here', 'caf\u00e9 \u4e2d\u6587',
                 'amqp://user:pw@rabbit:5672/ failed',
                 'mysql+pymysql://nova:s3cret@db/nova?charset=utf8']
        for key in strutils._SANITIZE_KEYS:
            texts.extend([
                '%s=hunter2 and more' % key,
                '%s = "hunter2"' % key.upper(),
                "{'%s': 'hunter2', 'user': 'admin'}" % key,
                '"%s": "hunter2"' % key.title(),
                '--%s hunter2' % key,
                '<%s>hunter2</%s>' % (key, key),
            ])
        return texts

    def test_masks_what_oslo_utils_masks_on_every_key(self):
        for text in self._texts():
            if 'hunter2' not in strutils.mask_password(text):
                self.assertNotIn('hunter2', sanitize.mask_secrets(text), text)

    def test_text_without_secrets_is_unchanged(self):
        for text in self._texts()[:4]:
            self.assertEqual(text, sanitize.mask_secrets(text))

    def test_secrets_are_masked(self):
        masked = sanitize.mask_secrets('password=hunter2 token=abc '
                                       'amqp://u:pw@host/')
        self.assertNotIn('hunter2', masked)
        self.assertNotIn('abc', masked)
        self.assertNotIn(':pw@', masked)

    def test_text_without_keys_skips_oslo_utils(self):
        calls = []
        self.patch(strutils, 'mask_password',
                   lambda text: calls.append(text) or text)
        sanitize.mask_secrets('RuntimeError: A guest error occurred')
        self.assertEqual([], calls)
        sanitize.mask_secrets('bad Password=x')
        self.assertEqual(['bad Password=x'], calls)

    def test_without_known_keys_oslo_utils_always_runs(self):
        self.patch(sanitize, '_SECRET_KEYS', ())
        self.assertEqual('password=***', sanitize.mask_secrets(
            'password=hunter2'))


class TestToText(testtools.TestCase):

    def _old_to_text_of_mapping(self, value):
        text = sanitize._to_json(sanitize._mask_mapping(value))
        return sanitize._CONTROL_CHARS.sub(
            '\ufffd', text.encode('utf-8', 'replace').decode('utf-8'))

    def test_mappings_as_before(self):
        mappings = [
            {'exception': 'FlavorDiskTooSmall', 'function_name': 'f'},
            {'admin_pass': 'hunter3', 'url': 'amqp://u:pw@h/'},
            {'nested': {'auth_token': 'abc', 'list': ['password=x', 1]}},
            {'Password': 'upper-case key'},
            {'note': 'the secret is out'},
            {1: 'integer key', 'token': 't'},
            {'text': 'caf\u00e9 \x00 nul'},
        ]
        for value in mappings:
            self.assertEqual(self._old_to_text_of_mapping(value),
                             sanitize.to_text(value), value)

    def test_secret_keys_of_mappings_are_masked(self):
        text = sanitize.to_text({'admin_pass': 'hunter3',
                                 'nested': {'password': 'hunter4'}})
        self.assertNotIn('hunter3', text)
        self.assertNotIn('hunter4', text)

    def test_surrogates_and_controls_are_replaced(self):
        self.assertEqual('a\ufffdb?c', sanitize.to_text('a\x00b\udc80c'))
        self.assertEqual('plain ascii\n', sanitize.to_text('plain ascii\n'))
