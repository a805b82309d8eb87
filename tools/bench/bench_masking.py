#!/usr/bin/env python3
"""Masking secrets: our patterns vs Yelp's detect-secrets.

Usage::

    python tools/bench/bench_masking.py [--rounds 15]

Prints, side by side, the cost per 64 KiB traceback (median of rounds,
microseconds) of :func:`fault_persist.sanitize.mask_secrets` and of
detect-secrets' plugins (KeywordDetector, AWSKeyDetector,
JwtTokenDetector, PrivateKeyDetector, BasicAuthDetector) run on every
line, for a traceback without a secret (the common case) and one with a
secret on one line; then the coverage of the forms table of the tests
(``fault_persist/tests/secret_forms.py``): how many forms each leaves
with no fragment in clear (ours) or finds at all (detect-secrets, which
only says a line holds a secret: masking it would still need the span).

detect-secrets is optional: without it only our numbers are printed.
"""

import argparse
import statistics
import time

from fault_persist import sanitize
from fault_persist.tests import secret_forms

try:
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.keyword import KeywordDetector
    from detect_secrets.plugins.private_key import PrivateKeyDetector
except ImportError:
    DETECT_SECRETS = None
else:
    DETECT_SECRETS = (AWSKeyDetector(), BasicAuthDetector(),
                      JwtTokenDetector(), KeywordDetector(),
                      PrivateKeyDetector())

FRAME = ('  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", '
         'line %d, in _build_and_run_instance\n'
         '    self.driver.spawn(context, instance, image_meta,\n')
SIZE = 64 * 1024


def traceback(secret=None):
    """A 64 KiB traceback; ``secret`` on a line in its middle."""
    frames, number = [], 0
    while sum(len(frame) for frame in frames) < SIZE:
        number += 1
        frames.append(FRAME % number)
    if secret:
        frames.insert(len(frames) // 2, '    %s\n' % secret)
    text = 'Traceback (most recent call last):\n' + ''.join(frames)
    return text[-SIZE:] + 'libvirt.libvirtError: internal error'


def detect(text):
    """Lines of ``text`` detect-secrets finds a secret on."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for plugin in DETECT_SECRETS:
            if plugin.analyze_line(filename='details', line=line,
                                   line_number=number):
                found.append(number)
                break
    return found


def median_us(function, text, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=15)
    args = parser.parse_args()
    cases = [('no secret', traceback()),
             ('one password=', traceback('password=Zq1secret7x')),
             ('one key: value', traceback('X-Auth-Token: Zq1secret7x'))]
    print('Cost per 64 KiB traceback, median of %d rounds (us)'
          % args.rounds)
    print('%-16s %12s %16s %8s' % ('traceback', 'ours', 'detect-secrets',
                                   'ratio'))
    for name, text in cases:
        ours = median_us(sanitize.mask_secrets, text, args.rounds)
        if DETECT_SECRETS is None:
            print('%-16s %12.0f %16s %8s' % (name, ours, 'n/a', ''))
            continue
        theirs = median_us(detect, text, max(3, args.rounds // 5))
        print('%-16s %12.0f %16.0f %7.0fx' % (name, ours, theirs,
                                              theirs / ours))
    forms = secret_forms.forms()
    masked = sum(1 for _name, text, fragments in forms
                 if not secret_forms.leaked(fragments,
                                            sanitize.mask_secrets(text)))
    print('\nCoverage of the %d forms of the table' % len(forms))
    print('ours: %d masked (no fragment left in clear)' % masked)
    if DETECT_SECRETS is None:
        print('detect-secrets: not installed')
        return
    found = sum(1 for _name, text, _fragments in forms if detect(text))
    print('detect-secrets: %d found on some line (spans not given: '
          'masking would be ours to do)' % found)
    by_family = {}
    for name, text, _fragments in forms:
        family = name.split(' ')[0]
        total, hits = by_family.get(family, (0, 0))
        by_family[family] = (total + 1, hits + bool(detect(text)))
    print('detect-secrets found, by form: ' + ', '.join(
        '%s %d/%d' % (family, hits, total)
        for family, (total, hits) in sorted(by_family.items())))


if __name__ == '__main__':
    main()
