"""sanitize masks at least what oslo.utils masks; its fast paths skip work."""

import hypothesis
from hypothesis import strategies as st
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


class TestBoundedMasking(testtools.TestCase):
    """Masking reads a window of a long text, never the whole of it."""

    TEN_MB = 10 * 1024 * 1024

    def _mask_inputs(self):
        calls = []
        real = sanitize.mask_secrets
        self.patch(sanitize, 'mask_secrets',
                   lambda text: calls.append(len(text)) or real(text))
        return calls

    def test_ten_mb_message_masks_a_window_of_the_bound(self):
        calls = self._mask_inputs()
        text = 'Boom ' + 'x' * self.TEN_MB + ' password=hunter2xx9'
        message = sanitize.clean_message(text)
        self.assertLessEqual(len(message), sanitize.MESSAGE_MAX_CHARS)
        self.assertTrue(calls)
        self.assertLessEqual(max(calls), 4 * sanitize.MESSAGE_MAX_CHARS
                             + sanitize.MASK_MARGIN)

    def test_ten_mb_details_masks_windows_of_the_bound(self):
        calls = self._mask_inputs()
        text = 'Traceback\n' + 'x' * self.TEN_MB + '\npassword: hunter2xx9'
        details = sanitize.clean_details(text)
        self.assertLessEqual(len(details.encode('utf-8')),
                             sanitize.TEXT_MAX_BYTES)
        self.assertNotIn('hunter2xx9', details)
        self.assertTrue(details.endswith('password: ***'))
        self.assertLessEqual(max(calls), sanitize.TEXT_MAX_BYTES
                             + sanitize.MASK_MARGIN)
        self.assertLessEqual(sum(calls), sanitize.TEXT_MAX_BYTES
                             + 2 * sanitize.MASK_MARGIN)

    def test_multibyte_details_respect_the_byte_bound(self):
        text = '\u4e2d' * self.TEN_MB + ' token: \u4e2dhunter2xx9'
        details = sanitize.clean_details(text, 4096)
        self.assertLessEqual(len(details.encode('utf-8')), 4096)
        self.assertNotIn('hunter2xx9', details)

    def test_secret_straddling_the_head_cut_is_masked_whole(self):
        max_bytes = 4096
        for secret in ('password=Zq1first2half3secondhalf',
                       'mysql://u:Zq1first2half3secondhalf@db/x',
                       'Authorization: Bearer Zq1first2half3secondhalf'):
            head_bytes, _tail = sanitize._shares(20000, max_bytes)
            # The head ends 10 characters into the secret.
            text = ('a ' * 5000)[:head_bytes - 10] + secret + ' b' * 5000
            self.assertEqual(5, len(str(len(text))))  # as 20000: same marker
            details = sanitize.clean_details(text, max_bytes)
            self.assertIn('\n... [', details)
            self.assertNotIn('Zq1', details, secret)
            self.assertNotIn('half', details, secret)

    def test_secret_straddling_the_tail_cut_is_masked_whole(self):
        max_bytes = 4096
        secret = 'password=Zq1first2half3secondhalf '
        _head, tail_bytes = sanitize._shares(20000, max_bytes)
        text = 'b ' * 5000 + secret + 'c' * (tail_bytes + 10 - len(secret))
        # The tail starts 10 characters into the secret.
        self.assertEqual(secret[10:], text[-tail_bytes:][:len(secret) - 10])
        details = sanitize.clean_details(text, max_bytes)
        self.assertNotIn('secondhalf', details)
        self.assertNotIn('half3', details)

    def test_secret_straddling_the_message_bound_is_masked_whole(self):
        text = 'x ' * 120 + 'password=Zq1first2half3secondhalf' + ' y' * 99
        message = sanitize.clean_message(text)
        self.assertEqual(sanitize.MESSAGE_MAX_CHARS, len(message))
        self.assertNotIn('Zq1', message)

    def test_pem_key_cut_at_its_start_is_masked_by_its_end(self):
        body = '\n'.join('Zq%062d' % line for line in range(200))
        text = ('x\n' * 40000 + '-----BEGIN RSA PRIVATE KEY-----\n' + body
                + '\n-----END RSA PRIVATE KEY-----\nValueError: bad key')
        details = sanitize.clean_details(text, 8192)
        self.assertNotIn('Zq0', details)
        self.assertTrue(details.endswith('\nValueError: bad key'))

    def test_masking_that_shortens_the_window_keeps_no_cut_secret(self):
        # Keys masked to *** pull text from the window's edge forward; the
        # URL cut at the edge must not come with it.
        pems = ''.join('-----BEGIN EC PRIVATE KEY-----\n%s\n'
                       '-----END EC PRIVATE KEY-----\n' % ('K' * 400)
                       for _ in range(4))
        window = 4 * sanitize.MESSAGE_MAX_CHARS + sanitize.MASK_MARGIN
        url = 'amqp://u:Zq1first2half3second@rabbit/'
        text = pems + 'y' * (window - len(pems) - 15) + ' ' + url
        message = sanitize.clean_message(text)
        self.assertNotIn('Zq1', message)


class TestBoundedText(testtools.TestCase):
    """The one rule for text kept in a bounded column."""

    def test_blank_is_none(self):
        for value in (None, '', '   ', b' \t', '\n'):
            self.assertIsNone(sanitize.bounded_text(value, 10), value)

    def test_stripped_also_after_the_cut(self):
        self.assertEqual('abc', sanitize.bounded_text('  abc  '))
        self.assertEqual('ab', sanitize.bounded_text(' ab cd', 3))
        self.assertEqual('abcd', sanitize.bounded_text('abcdef', 4))

    @hypothesis.given(value=st.one_of(st.text(), st.binary(),
                                      st.integers()),
                      limit=st.one_of(st.none(), st.integers(1, 20)))
    def test_printable_bounded_and_stripped(self, value, limit):
        text = sanitize.bounded_text(value, limit)
        if text is None:
            return
        self.assertEqual(text.strip(), text)
        self.assertNotEqual('', text)
        if limit is not None:
            self.assertLessEqual(len(text), limit)
        self.assertTrue(sanitize.to_text(value).strip().startswith(text))
