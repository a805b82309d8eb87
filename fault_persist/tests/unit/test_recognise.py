import testscenarios
import testtools

from fault_persist import recognise

load_tests = testscenarios.load_tests_apply_scenarios


class TestRecogniseTable(testtools.TestCase):
    """Priority x event type, with the default options."""

    scenarios = [
        ('nova error at ERROR', dict(
            event_type='instance.create.error', priority='ERROR',
            expected=recognise.ERROR)),
        ('trove error at INFO', dict(
            event_type='dbaas.instance_create.error', priority='INFO',
            expected=recognise.ERROR)),
        ('any event at CRITICAL', dict(
            event_type='compute.metrics.update', priority='CRITICAL',
            expected=recognise.ERROR)),
        ('lower-case priority', dict(
            event_type='compute.metrics.update', priority='error',
            expected=recognise.ERROR)),
        ('start event at ERROR is an error', dict(
            event_type='instance.create.start', priority='ERROR',
            expected=recognise.ERROR)),
        ('start at INFO', dict(
            event_type='instance.create.start', priority='INFO',
            expected=recognise.START)),
        ('end at INFO', dict(
            event_type='dbaas.instance_create.end', priority='INFO',
            expected=recognise.END)),
        ('info event', dict(
            event_type='compute.metrics.update', priority='INFO',
            expected=None)),
        ('warn event', dict(
            event_type='compute.instance.exists', priority='WARN',
            expected=None)),
        ('error in the middle', dict(
            event_type='image.error.count', priority='INFO',
            expected=None)),
        ('sample priority', dict(
            event_type='instance.end.sample', priority='SAMPLE',
            expected=None)),
        ('non-string event type', dict(
            event_type=42, priority='ERROR', expected=None)),
        ('unhashable event type', dict(
            event_type=['x.error'], priority='INFO', expected=None)),
        ('missing priority', dict(
            event_type='instance.delete.error', priority=None,
            expected=recognise.ERROR)),
    ]

    def test_kind(self):
        recogniser = recognise.Recogniser(['ERROR', 'CRITICAL'], ['*.error'],
                                          ['*.start'], ['*.end'])
        self.assertEqual(self.expected,
                         recogniser.kind(self.event_type, self.priority))
        # The cached answer is the same answer.
        self.assertEqual(self.expected,
                         recogniser.kind(self.event_type, self.priority))


class TestRecogniser(testtools.TestCase):

    def test_tasks_not_tracked_leaves_only_errors(self):
        recogniser = recognise.Recogniser(['ERROR'], ['*.error'])
        self.assertIsNone(recogniser.kind('instance.create.start', 'INFO'))
        self.assertEqual(recognise.ERROR,
                         recogniser.kind('instance.create.error', 'INFO'))

    def test_configured_patterns(self):
        recogniser = recognise.Recogniser(['CRITICAL'], ['*.failed',
                                                         'backup.*.fault'])
        self.assertEqual(recognise.ERROR,
                         recogniser.kind('volume.attach.failed', 'INFO'))
        self.assertEqual(recognise.ERROR,
                         recogniser.kind('backup.create.fault', 'INFO'))
        self.assertIsNone(recogniser.kind('instance.create.error', 'ERROR'))

    def test_cache_stays_bounded(self):
        recogniser = recognise.Recogniser(['ERROR'], ['*.error'])
        for index in range(recognise._CACHE_LIMIT * 2):
            recogniser.kind('flood.%d' % index, 'INFO')
        self.assertLessEqual(len(recogniser._cache), recognise._CACHE_LIMIT)

    def test_action_of(self):
        self.assertEqual('dbaas.instance_create',
                         recognise.action_of('dbaas.instance_create.error'))
        self.assertEqual('instance.create',
                         recognise.action_of('instance.create.start'))
        self.assertEqual('instance.create',
                         recognise.action_of('instance.create.end'))
        self.assertEqual('compute.metrics.update',
                         recognise.action_of('compute.metrics.update'))
