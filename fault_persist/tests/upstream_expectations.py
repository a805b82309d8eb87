"""What fault_persist must make of each upstream error sample.

The expectations (``data/samples/upstream/expected.yaml``) were written by
reading the samples, not by running fault_persist; the unit tests check
extraction against them on SQLite and the functional tests through the
real bus and databases.
"""

import os

import yaml

from fault_persist import extract
from fault_persist.tests import samples

EXPECTED_FILE = os.path.join(samples.UPSTREAM_DIR, 'expected.yaml')
# What an error that gives no human text says instead.
NO_MESSAGE_WORDS = 'gives no message'
NO_REASON_WORDS = 'without a message or an error code'


def load():
    """The expectations, a list of dicts (see ``expected.yaml``)."""
    with open(EXPECTED_FILE, encoding='utf-8') as stream:
        return yaml.safe_load(stream)


def notification(expected, number):
    """The sample of an expectation as oslo.messaging delivers it."""
    message = samples.load_upstream(expected['name'])
    message.update(message_id='upstream-%03d' % number,
                   timestamp='2026-11-22 10:00:%02d.000000' % (number % 60))
    return message


def resource(expected, message):
    """``(kind, id)`` the fault must have: the host when none is named."""
    if expected['resource_id'] is None:
        _service, host = extract.split_publisher(message['publisher_id'])
        return 'host', host
    return expected['resource_type'], expected['resource_id']


def mismatches(expected, event, message):
    """What ``event`` gets wrong against ``expected``, as text lines."""
    wrong = []

    def check(what, want, got):
        if want != got:
            wrong.append('%s: %s: expected %r, got %r'
                         % (expected['name'], what, want, got))

    check('kind', 'error', event.kind)
    check('resource', resource(expected, message),
          (event.resource_type, event.instance_id))
    if expected['message'] is None:
        if not (NO_MESSAGE_WORDS in event.message
                or NO_REASON_WORDS in event.message):
            wrong.append('%s: message: expected words saying there is '
                         'none, got %r' % (expected['name'],
                                           event.message))
    else:
        check('message', expected['message'], event.message)
    check('code', expected['code'], event.code)
    check('traceback in details', expected['has_traceback'],
          'Traceback (most recent call last)' in (event.details or ''))
    check('app', expected['app'], event.app)
    if expected.get('project_id'):
        check('project_id', expected['project_id'], event.project_id)
    return wrong
