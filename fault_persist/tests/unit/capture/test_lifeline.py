import os
import subprocess
import sys
import textwrap
import time

from fault_persist.tests import base
from fault_persist.tests import processes

# A parent that forks a child calling die_with_parent, prints the
# child's pid, then dies without a word to it.
_PARENT = textwrap.dedent('''
    import os, sys, time
    from fault_persist.capture import lifeline
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        lifeline.die_with_parent(parent, %s)
        time.sleep(60)
        os._exit(0)
    print(pid, flush=True)
    time.sleep(0.2)
    os._exit(0)
''')


class TestDieWithParent(base.TestCase):

    def _orphan_is_gone(self, forked_from_main_thread, within):
        parent = subprocess.run(
            [sys.executable, '-c', _PARENT % forked_from_main_thread],
            stdout=subprocess.PIPE, check=True, timeout=20,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        child = int(parent.stdout)
        deadline = time.monotonic() + within
        while processes.running(child):
            if time.monotonic() > deadline:
                os.kill(child, 9)
                self.fail('process %d outlived its parent' % child)
            time.sleep(0.02)

    def test_the_kernel_ends_a_child_with_its_parent(self):
        self._orphan_is_gone(True, within=0.5)

    def test_a_child_without_the_signal_ends_within_its_interval(self):
        self._orphan_is_gone(False, within=3.0)
