"""Reading fields through per-event-type plans gives what the rules say.

:class:`fault_persist.extract.Definitions` works out, once per event type
and service, the paths of every field in the order they are tried (each
once) and follows them with their key runs made. Here a plain reading of
the rules, as :mod:`fault_persist.extract` read them at a9f1215 (every
definition in order, every path of it, each path's key runs joined on the
way), is the reference: on arbitrary documents the two must agree.
"""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from fault_persist import extract
from fault_persist import payloads

# Every key the built-in definitions' paths name, and keys that are
# several of them joined by dots (a path takes the longest that exists).
_PATH_KEYS = sorted({segment
                     for definition in extract.Definitions.load()._definitions
                     for paths in list(definition.fields.values()) + [
                         paths for _kind, paths in definition.resources]
                     for path in paths for segment in path.segments})
_KEYS = st.sampled_from(_PATH_KEYS + [
    'payload.message', 'request_spec.project_id', 'args.instance', '0',
    '1', 'nova_object.data', 'ironic_object.data', 'nova_object.name'])
_LEAVES = (st.none() | st.booleans() | st.integers(-3, 3)
           | st.sampled_from(['', ' ', 'x', 'FooError', 'req-1', '42'])
           | st.text(max_size=12)
           | st.lists(st.sampled_from(['Traceback (most recent call last):'
                                       '\n', '  File "x"\n', 'E: e\n']),
                      max_size=3))


def _envelope(data):
    return {'nova_object.data': data, 'nova_object.name': 'ExceptionPayload',
            'nova_object.namespace': 'nova', 'nova_object.version': '1.0'}


_VALUES = st.recursive(
    _LEAVES,
    lambda children: (st.dictionaries(_KEYS, children, max_size=6)
                      | st.dictionaries(_KEYS, children, max_size=4).map(
                          _envelope)
                      | st.lists(children, max_size=3)),
    max_leaves=25)
_PATHS = sorted({path.segments
                 for definition in extract.Definitions.load()._definitions
                 for paths in list(definition.fields.values()) + [
                     paths for _kind, paths in definition.resources]
                 for path in paths})


def _put(draw, document, segments, value):
    """Set ``value`` at ``segments``, the way a payload may hold it.

    Some steps name several segments joined by dots, some mappings on the
    way are wrapped in an envelope: what a look-up must see through.
    """
    node, start = document, 0
    while start < len(segments) - 1:
        width = draw(st.integers(1, len(segments) - start))
        key = '.'.join(segments[start:start + width])
        start += width
        if start == len(segments):
            node[key] = value
            return
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = _envelope(child) if draw(st.booleans()) else child
        elif isinstance(child.get('nova_object.data'), dict):
            child = child['nova_object.data']
        node = child
    node['.'.join(segments[start:])] = value


@st.composite
def _documents(draw):
    """A document holding values at some of the definitions' paths."""
    document = draw(st.fixed_dictionaries(
        {'payload': st.dictionaries(_KEYS, _VALUES, max_size=3),
         'error': st.none() | st.dictionaries(_KEYS, _VALUES, max_size=3),
         'context': st.dictionaries(_KEYS, _LEAVES, max_size=3)}))
    for segments in draw(st.lists(st.sampled_from(_PATHS), max_size=12)):
        _put(draw, document, segments, draw(_VALUES))
    document['raw_payload'] = draw(st.sampled_from(
        [document['payload'], _envelope(document['payload'])]))
    return document


_DOCUMENTS = _documents()
_EVENT_TYPES = st.sampled_from([
    'dbaas.instance_create.error', 'dbaas.backup_create.error',
    'instance.create.error', 'compute_task.build_instances.error',
    'baremetal.node.power_set.error', 'orchestration.stack.create.error',
    'orchestration.autoscaling.error', 'scheduler.create_share',
    'share.create.error', 'volume.create.error', 'image.upload',
    'compute.instance.create.error', 'run_instance', 'x.error'])
_SERVICES = st.sampled_from([None, 'nova-compute', 'scheduler', 'compute',
                             'manila-share', 'cinder-volume', 'glance-api',
                             'taskmanager'])


def _reference_lookup(node, segments, hops=0):
    """:func:`fault_persist.extract.lookup` as a recursive rule.

    The longest run of segments naming a key wins; a mapping without it
    (of at most six keys) is looked through its envelope, at most
    ``payloads.MAX_DEPTH`` times; a digit indexes a list; what is found
    last is looked through its envelope once.
    """
    if not segments:
        data_key = payloads.envelope_data_key(node)
        return node[data_key] if data_key is not None else node
    if isinstance(node, dict):
        for width in range(len(segments), 0, -1):
            key = '.'.join(segments[:width])
            if key in node:
                return _reference_lookup(node[key], segments[width:], hops)
        data_key = (payloads.envelope_data_key(node)
                    if len(node) <= 6 else None)
        if data_key is None or hops + 1 > payloads.MAX_DEPTH:
            return None
        return _reference_lookup(node[data_key], segments, hops + 1)
    if isinstance(node, list) and segments[0].isdigit():
        index = int(segments[0])
        if index >= len(node):
            return None
        return _reference_lookup(node[index], segments[1:], hops)
    return None


def _reference_first(document, definitions, name):
    """A field's value as a9f1215 read it: definition by definition."""
    read = extract._READERS.get(name)
    for definition in definitions:
        for path in definition.fields.get(name, ()):
            value = _reference_lookup(document, tuple(path.segments))
            if read is not None:
                value = read(value)
            if payloads.present(value):
                return value
    return None


class TestFieldPlans(testtools.TestCase):

    definitions = extract.Definitions.load()

    @settings(max_examples=200, deadline=None)
    @given(document=_DOCUMENTS, event_type=_EVENT_TYPES, service=_SERVICES)
    def test_a_plan_reads_what_the_definitions_in_order_read(
            self, document, event_type, service):
        applicable = self.definitions.matching(event_type, service)
        for name in extract._EVENT_FIELDS:
            self.assertEqual(
                _reference_first(document, applicable.all, name),
                extract._first(document, applicable.fields[name],
                               extract._READERS.get(name)), name)

    @settings(max_examples=200, deadline=None)
    @given(document=_DOCUMENTS,
           segments=st.lists(_KEYS | st.sampled_from(['payload', 'error']),
                             min_size=1, max_size=4))
    def test_lookup_follows_a_path_as_before(self, document, segments):
        self.assertEqual(_reference_lookup(document, segments),
                         extract.lookup(document, segments))

    def test_a_path_is_tried_once_per_field(self):
        applicable = self.definitions.matching('dbaas.instance_create.error',
                                               'taskmanager')
        code = [path.segments for path in applicable.fields['code']]
        # The Trove definition's paths come first; the catch-all repeats
        # payload.code and payload.exception_class, tried once.
        self.assertEqual([('payload', 'code'),
                          ('payload', 'exception_class'),
                          ('error', 'class'), ('payload', 'exception'),
                          ('payload', 'error_code'), ('payload', 'reason'),
                          ('payload', 'fault')], code)
