"""Properties of cleaning, on arbitrary input (hypothesis)."""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from fault_persist import sanitize
from fault_persist.tests import secret_forms

FORMS = secret_forms.forms()
# Small bounds make the cuts fall near the secrets.
DETAILS_BOUNDS = (1024, 4096, sanitize.TEXT_MAX_BYTES)

_filler = st.builds(lambda text, repeat, unit: text + unit * repeat,
                    st.text(max_size=40), st.integers(0, 3000),
                    st.sampled_from(['x', 'x ', '\n', '\u4e2d', 'ab\n  ']))
_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text()
    | st.binary(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10) | st.integers(), children,
                      max_size=5),
    max_leaves=20)


class TestCleaningProperties(testtools.TestCase):

    @settings(max_examples=200, deadline=None)
    @given(before=_filler, after=_filler,
           form=st.sampled_from(FORMS),
           max_bytes=st.sampled_from(DETAILS_BOUNDS))
    def test_no_secret_anywhere_and_bounds_hold(self, before, after, form,
                                                max_bytes):
        _name, secret, fragments = form
        # The secret is a text of its own: separated from what surrounds
        # it, as it is in a message or a traceback.
        text = before + ' ' + secret + '\n' + after
        message = sanitize.clean_message(text)
        details = sanitize.clean_details(text, max_bytes)
        self.assertEqual([], secret_forms.leaked(fragments, message))
        self.assertEqual([], secret_forms.leaked(fragments, details))
        self.assertLessEqual(len(message), sanitize.MESSAGE_MAX_CHARS)
        self.assertLessEqual(len(details.encode('utf-8')), max_bytes)

    @settings(max_examples=200, deadline=None)
    @given(value=_json_like | st.text() | st.binary(),
           max_bytes=st.sampled_from(DETAILS_BOUNDS))
    def test_never_raises_and_bounds_hold(self, value, max_bytes):
        message = sanitize.clean_message(value)
        details = sanitize.clean_details(value, max_bytes)
        self.assertIsInstance(message, str)
        self.assertLessEqual(len(message), sanitize.MESSAGE_MAX_CHARS)
        self.assertLessEqual(len(details.encode('utf-8')), max_bytes)


# Text that holds what the fast paths must notice: control characters,
# lone surrogates, non-ASCII spaces, line breaks, blanks at either end.
_ODD_TEXT = st.text(alphabet=st.sampled_from(
    ['a', 'Z', ' ', '\t', '\n', '\r', '\x00', '\x07', '\x1f', '\x7f',
     '\u00a0', '\u2028', '\ud800', '\udfff', '\u4e2d', '\ufffd', 'é'])
    | st.characters(), max_size=40)


class _Message(str):
    """A str subclass, as oslo.i18n's lazy Message is."""


def _reference_printable(text):
    """sanitize._printable as it was at a9f1215 (no fast path)."""
    if not text.isascii():
        text = text.encode('utf-8', 'replace').decode('utf-8')
    return sanitize._CONTROL_CHARS.sub('\ufffd', text)


def _reference_bounded_text(value, limit=None):
    """sanitize.bounded_text as it was at a9f1215 (no fast path)."""
    if value is None:
        return None
    text = _reference_printable(sanitize._raw_text(value)).strip()
    if limit is not None:
        text = text[:limit].rstrip()
    return text or None


class TestFastPathsProperties(testtools.TestCase):
    """The fast paths of cleaning give what the full work gives."""

    @settings(max_examples=300, deadline=None)
    @given(value=_ODD_TEXT | _ODD_TEXT.map(_Message) | _json_like,
           limit=st.none() | st.integers(1, 12))
    def test_bounded_text_is_the_full_cleaning(self, value, limit):
        cleaned = sanitize.bounded_text(value, limit)
        self.assertEqual(_reference_bounded_text(value, limit), cleaned)
        # Exact text, never the caller's subclass (the event is pickled
        # to the storers, which may not know the class).
        self.assertIn(type(cleaned), (str, type(None)))

    @settings(max_examples=300, deadline=None)
    @given(value=_ODD_TEXT | _ODD_TEXT.map(_Message))
    def test_to_text_is_the_full_cleaning(self, value):
        self.assertEqual(_reference_printable(value),
                         sanitize.to_text(value))

    @settings(max_examples=200, deadline=None)
    @given(value=st.sampled_from(['', ' ', '\n\t ', None, b'', b'  ', [],
                                  {}]) | _ODD_TEXT,
           limit=st.sampled_from([10, sanitize.MESSAGE_MAX_CHARS]))
    def test_a_message_of_nothing_is_empty_as_masking_nothing_gives(
            self, value, limit):
        text = sanitize._raw_text(value).lstrip()
        full = sanitize.truncate_message(' '.join(sanitize._masked_head(
            text, sanitize._MESSAGE_KEEP * limit).split()), limit)
        self.assertEqual(full, sanitize.clean_message(value, limit))


class TestRememberedCleaningProperties(testtools.TestCase):
    """A text cleaned again gives what cleaning it afresh gives."""

    @settings(max_examples=200, deadline=None)
    @given(before=_filler, after=_filler, form=st.sampled_from(FORMS),
           limits=st.lists(st.sampled_from([10, 40, 255]), min_size=2,
                           max_size=3),
           max_bytes=st.lists(st.sampled_from(DETAILS_BOUNDS), min_size=2,
                              max_size=3))
    def test_remembered_results_are_the_cleanings(self, before, after, form,
                                                  limits, max_bytes):
        text = before + ' ' + form[1] + '\n' + after
        for _round in range(2):  # the second from memory, when it fits
            for limit in limits:
                self.assertEqual(
                    sanitize._message_of(text.lstrip(), limit)
                    if text.strip() else '',
                    sanitize.clean_message(text, limit))
            for bound in max_bytes:
                self.assertEqual(
                    sanitize._details_of(text.rstrip(), bound),
                    sanitize.clean_details(text, bound))
                self.assertEqual(
                    sanitize._details_of(text.rstrip(), bound),
                    sanitize.clean_details(text.splitlines(True), bound))

    def test_only_short_text_is_remembered(self):
        sanitize._remembered_details.cache_clear()
        sanitize.clean_details('x' * (sanitize._REMEMBERED_MAX_CHARS + 1))
        self.assertEqual(0, sanitize._remembered_details.cache_info().currsize)
        sanitize.clean_details('Traceback: password=hunter2')
        sanitize.clean_details('Traceback: password=hunter2')
        self.assertEqual(1, sanitize._remembered_details.cache_info().hits)
