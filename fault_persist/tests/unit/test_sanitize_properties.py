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
