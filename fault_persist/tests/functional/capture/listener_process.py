"""``fault-persist-listener`` run as a real process, as an operator runs it.

The fixture writes a configuration file, starts the console script (the
one installed beside the running interpreter) and, when the test ends,
stops it with SIGTERM, killing it if it does not stop in time, so that
no process outlives its test, whatever the outcome.
"""

import ast
import os
import re
import signal
import subprocess
import sys
import time

import fixtures
from testtools import content

import fault_persist
from fault_persist.tests.functional.capture import rabbit
from fault_persist.tests import processes

_COUNTERS = re.compile(r'stopped; counters: (\{.*\})')


def listener_command():
    """The command line that starts fault-persist-listener."""
    script = os.path.join(os.path.dirname(sys.executable),
                          'fault-persist-listener')
    if os.access(script, os.X_OK):
        return [script]
    return [sys.executable, '-m', 'fault_persist.cmd.listener']


def listener_environment():
    """The environment of the listener: it runs the code under test.

    The console script imports whatever ``fault_persist`` the interpreter
    finds first, e.g. that of another checkout installed in editable mode;
    the tree these tests come from goes first on its path.
    """
    tree = os.path.dirname(os.path.dirname(os.path.abspath(
        fault_persist.__file__)))
    path = os.environ.get('PYTHONPATH')
    return dict(os.environ,
                PYTHONPATH=os.pathsep.join([tree, path] if path else [tree]))


class ListenerProcess(fixtures.Fixture):
    """A fault-persist-listener process.

    :param connection: the database URL (``[fault_persist] connection``).
    :param topic: the topic to consume.
    :param pool: the listener pool, or ``None``.
    :param options: more options, ``{group: {name: value}}``.
    """

    def __init__(self, connection, topic, pool=None, options=None):
        super().__init__()
        self.connection = connection
        self.topic = topic
        self.pool = pool
        self.options = options or {}
        #: Whether the test stopped it on purpose.
        self.stopped = False

    def _config(self, directory):
        groups = {
            'DEFAULT': {'log_file': self.log_path, 'debug': 'false'},
            'fault_persist': {'connection': self.connection,
                              'state_path': directory},
            'fault_persist_listener': {'transport_url': rabbit.TRANSPORT_URL,
                                       'topics': self.topic,
                                       'batch_size': '20',
                                       'batch_timeout': '0.1',
                                       'requeue_delay': '0.2'},
        }
        if self.pool:
            groups['fault_persist_listener']['pool'] = self.pool
        for group, values in self.options.items():
            groups.setdefault(group, {}).update(values)
        return ''.join(
            '[%s]\n%s\n' % (group, ''.join('%s = %s\n' % item
                                           for item in values.items()))
            for group, values in groups.items())

    def _setUp(self):
        directory = self.useFixture(fixtures.TempDir()).path
        self.log_path = os.path.join(directory, 'listener.log')
        self.output_path = os.path.join(directory, 'output.txt')
        config_path = os.path.join(directory, 'listener.conf')
        with open(config_path, 'w', encoding='utf-8') as stream:
            stream.write(self._config(directory))
        self._output = open(self.output_path, 'wb')
        self.addCleanup(self._output.close)
        self.process = subprocess.Popen(
            listener_command() + ['--config-file', config_path],
            stdout=self._output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=listener_environment())
        self.addCleanup(self._ensure_stopped)

    def _ensure_stopped(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def stop(self, timeout=15.0):
        """Send SIGTERM and wait for the exit.

        :returns: the exit code.
        :raises: ``AssertionError`` when the process does not exit in time.
        """
        self.stopped = True
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError('fault-persist-listener %d ignored SIGTERM '
                                 'for %.0f s' % (self.process.pid, timeout))

    def kill(self):
        """SIGKILL the listener's first process, as the OOM killer may."""
        self.stopped = True
        self.process.kill()
        self.process.wait(10)

    def tree(self):
        """The ids of the listener's processes, its first one included."""
        found = [self.process.pid]
        for pid in found:
            found.extend(processes.children(pid))
        return found

    def children(self, of=None):
        """The ids of the child processes of ``of``, the listener's default.

        A listener's children are its storers, or, with ``workers``, its
        workers; a worker's children are its storers.
        """
        return processes.children(of or self.process.pid)

    def assert_running(self):
        """Fail with the process' output when it has exited."""
        code = self.process.poll()
        if code is not None:
            raise AssertionError('fault-persist-listener exited with %d:\n%s'
                                 % (code, self.text()))

    def log(self):
        """The log written so far."""
        try:
            with open(self.log_path, encoding='utf-8',
                      errors='replace') as stream:
                return stream.read()
        except FileNotFoundError:
            return ''

    def text(self):
        """The log and anything the process wrote outside it."""
        with open(self.output_path, encoding='utf-8',
                  errors='replace') as stream:
            return self.log() + stream.read()

    def counters(self):
        """The counters the listener logs when it stops, as a dict."""
        match = _COUNTERS.search(self.log())
        if match is None:
            raise AssertionError('fault-persist-listener logged no '
                                 'counters:\n%s' % self.text())
        return ast.literal_eval(match.group(1))

    def wait_for_log(self, text, timeout=20.0):
        """Wait until the log contains ``text``."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            self.assert_running()
            if time.monotonic() > deadline:
                raise AssertionError('fault-persist-listener did not log %r '
                                     'within %.0f s:\n%s'
                                     % (text, timeout, self.text()))
            time.sleep(0.05)

    def attach_output(self, test, name):
        """Attach the log and output to ``test``'s details."""
        test.addDetail(name, content.text_content(self.text()))
