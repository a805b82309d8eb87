"""Print the last stestr run as one line: "N passed, N failed, N skipped".

Exits non-zero when a test failed or when no test ran at all.
"""

import io
import subprocess
import sys

import subunit
import testtools


class _Counter(testtools.StreamResult):

    def __init__(self):
        super().__init__()
        self.counts = {'passed': 0, 'failed': 0, 'skipped': 0}

    def status(self, test_id=None, test_status=None, **kwargs):
        if test_id is None:
            return
        if test_status in ('success', 'xfail'):
            self.counts['passed'] += 1
        elif test_status in ('fail', 'uxsuccess'):
            self.counts['failed'] += 1
        elif test_status == 'skip':
            self.counts['skipped'] += 1


def main():
    stream = subprocess.run(['stestr', 'last', '--subunit'],
                            capture_output=True, check=True).stdout
    counter = _Counter()
    counter.startTestRun()
    subunit.ByteStreamToStreamResult(io.BytesIO(stream)).run(counter)
    counter.stopTestRun()
    print('%(passed)d passed, %(failed)d failed, %(skipped)d skipped'
          % counter.counts)
    return 1 if counter.counts['failed'] or not counter.counts['passed'] else 0


if __name__ == '__main__':
    sys.exit(main())
