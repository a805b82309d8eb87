import collections
import math
import pickle

import hypothesis
from hypothesis import strategies as st

from fault_persist.capture import handoff
from fault_persist.tests import base

SETTINGS = hypothesis.settings(max_examples=200, deadline=None,
                               derandomize=True)

# What JSON decodes to, with what Python's json module also reads:
# NaN and the infinities; and lone surrogates, which "\ud800" decodes to.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.integers(min_value=2 ** 64, max_value=2 ** 200)
    | st.text(max_size=30) | st.sampled_from(['\ud800', 'a\udfffb', '']),
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=8), children,
                                        max_size=4)),
    max_leaves=30)


def _same(one, other):
    """Equal and of the same types all the way down; NaN equals NaN."""
    if type(one) is not type(other):
        return False
    if isinstance(one, float) and math.isnan(one):
        return math.isnan(other)
    if isinstance(one, dict):
        return (list(one) == list(other)
                and all(_same(one[key], other[key]) for key in one))
    if isinstance(one, (list, tuple)):
        return len(one) == len(other) and all(
            _same(a, b) for a, b in zip(one, other))
    return one == other


class _Custom:
    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return type(other) is _Custom and other.value == self.value


class _Text(str):
    pass


class TestHandOff(base.TestCase):

    @SETTINGS
    @hypothesis.given(st.lists(JSON_VALUES, max_size=5),
                      st.sampled_from(['ERROR', 'INFO']))
    def test_what_json_decodes_to_crosses_exactly(self, messages, priority):
        data = handoff.encode((messages, priority))
        self.assertTrue(_same((messages, priority), handoff.decode(data)))

    def test_json_values_cross_marshalled(self):
        batch = ([{'payload': {'x': float('nan'), 'big': 2 ** 70,
                               'text': '\ud800'}}], 'ERROR')
        self.assertEqual(b'M', handoff.encode(batch)[:1])

    def test_other_objects_cross_pickled_and_keep_their_types(self):
        for odd in (collections.OrderedDict(a=1), _Text('id'),
                    _Custom([1, 2])):
            batch = ([{'ctxt': {}, 'payload': {'value': odd}}], 'ERROR')
            data = handoff.encode(batch)
            self.assertEqual(b'P', data[:1])
            got = handoff.decode(data)[0][0]['payload']['value']
            self.assertIs(type(odd), type(got))
            self.assertEqual(odd, got)

    def test_bytes_of_something_else_are_refused(self):
        self.assertRaises(ValueError, handoff.decode,
                          pickle.dumps(([], 'ERROR')))
