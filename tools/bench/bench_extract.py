#!/usr/bin/env python3
"""Extraction cost per event: this tree against another revision.

Usage::

    python tools/bench/bench_extract.py [--against HEAD] [--rounds 7]
        [--events N] [--samples-dir DIR] [--json]

Measures the CPU cost per notification of ``Pipeline.event_of(ctxt,
message)`` (recognise, extract, sanitise; no database) for each sample of
``fault_persist/tests/data/samples/``, for a synthetic large Nova error
(an ``InstanceActionPayload`` with every nested ``nova_object`` a
service sends, and a long traceback) and for an ignored notification
(``compute.metrics.update`` at INFO, what the notifier driver costs a
host for most of its traffic); and of ``Pipeline.of_interest`` for that
ignored notification in batches of 100, the listener's filter before it
hands a batch to a storer.

The same measurements are made for this tree and for ``--against``, the
revision before a change (``HEAD``, the committed code, by default; a
branch's base, such as ``main``, to judge a branch). That revision's
``fault_persist`` package is exported by ``git archive`` into a temporary
directory. Each tree is measured by a child process of its own, which
imports ``fault_persist`` from that tree only (``PYTHONPATH``; the header
names the directory each imported); both read the same notifications,
taken from this tree, so a sample the other revision lacks is measured
too. The two children take turns, round by round and in alternating
order, so that both see the same machine load; within a round each case
runs ``--events`` times with the garbage collector disabled, timed by
``time.process_time``. The table shows the median over the rounds of
each tree, their ratio (now / the other revision) and the range of the
ratios of single rounds, which shows the noise; a case the two trees
treat differently (ignored by one, or a different number of values
extracted) is marked and explained below the table.

``--samples-dir DIR`` adds every ``*.json`` notification under ``DIR``.
A file holding a ``{"$ref": ...}`` is resolved by this tree's
``fault_persist.tests.samples.load_upstream`` when it has one and the
file is one of its upstream samples, and skipped with a note otherwise;
so are files that are not notifications (Nova's shared payloads).

Target: an ignored notification costs no more now than at the other
revision (both ratios at most 1.10), the condition of a rewrite of
extraction: the driver's cost to a host and the listener's rate depend
on it. Comparing a revision with itself gives ratios near 1.0.
"""

import argparse
import gc
import io
import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TARGET_RATIO = 1.10
BATCH = 100
IGNORED_SCALE = 50
# of_interest costs a third of event_of: three times as many, to time
# the same span.
OF_INTEREST_SCALE = 3 * IGNORED_SCALE
DEFAULT_EVENTS = 2000
# With many cases (--samples-dir) fewer events each, so that a default
# run stays near a minute on two CPUs.
EVENTS_PER_ROUND = 12000
MIN_EVENTS = 100
TIMESTAMP = '2026-01-02 03:04:05.000006'
IGNORED = {'event_type': 'compute.metrics.update', 'priority': 'INFO',
           'publisher_id': 'nova-compute:compute-1',
           'payload': {'host': 'compute-1', 'cpu_user_percent': 3.5,
                       'nodes': [1, 2]}}


# The cases, built by the parent from this tree's data.

def _context():
    from oslo_context import context as o_context
    return o_context.RequestContext(
        user_id='fake', project_id='6f70656e737461636b20342065766572',
        request_id='req-5b6c791d-5709-4f36-8fbe-c3e02869e35d',
        auth_token='gAAAAABbench-token',
        roles=['member', 'reader']).to_dict()


def _nova_object(name, data, version='1.0'):
    return {'nova_object.data': data, 'nova_object.name': name,
            'nova_object.namespace': 'nova',
            'nova_object.version': version}


def synthetic_nova_error():
    """A large Nova versioned error notification, every envelope filled.

    As ``instance.rebuild.error`` carries it: the instance with its
    flavor, addresses, block devices, metadata and the initiator, each a
    ``nova_object``; the fault an ``ExceptionPayload`` 1.1 with a
    40-frame traceback that names a database URL with a password.
    """
    frames = ''.join(
        '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", '
        'line %d, in _do_rebuild_step_%d\n    self._step_%d(context, '
        'instance, image_meta, bdms)\n' % (1000 + i * 7, i, i)
        for i in range(40))
    traceback = ('Traceback (most recent call last):\n' + frames
                 + '  File "/usr/lib/python3/dist-packages/oslo_db/api.py",'
                 ' line 142, in wrapper\n    raise DBConnectionError('
                 '"mysql+pymysql://nova:s3cr3t-pass@db-1/nova")\n'
                 'nova.exception.RebuildFailed: Rebuild of instance '
                 'failed: the database at mysql+pymysql://nova:s3cr3t-pass'
                 '@db-1/nova is unreachable\n')
    data = {
        'architecture': 'x86_64', 'availability_zone': 'az-1',
        'action_initiator_project': '6f70656e737461636b20342065766572',
        'action_initiator_user': 'admin',
        'auto_disk_config': 'MANUAL',
        'block_devices': [_nova_object('BlockDevicePayload', {
            'boot_index': index if index == 0 else None,
            'delete_on_termination': False,
            'device_name': '/dev/vd%s' % 'abcdefgh'[index], 'tag': None,
            'volume_id': 'a07f71dc-8151-4e7d-a0cc-cd24a3f1111%d' % index})
            for index in range(6)],
        'created_at': '2012-10-29T13:42:11Z', 'deleted_at': None,
        'display_name': 'some-server', 'display_description': 'x' * 255,
        'fault': _nova_object('ExceptionPayload', {
            'exception': 'RebuildFailed',
            'exception_message': 'Rebuild of instance failed: the '
                                 'database at mysql+pymysql://nova:'
                                 's3cr3t-pass@db-1/nova is unreachable',
            'function_name': '_do_rebuild_instance',
            'module_name': 'nova.compute.manager',
            'traceback': traceback}, '1.1'),
        'flavor': _nova_object('FlavorPayload', {
            'description': None, 'disabled': False, 'ephemeral_gb': 0,
            'extra_specs': {'hw:cpu_policy': 'dedicated',
                            'hw:mem_page_size': 'large',
                            'trait:CUSTOM_FAST': 'required'},
            'flavorid': 'a22d5517-147c-4147-a0d1-e698df5cd4e3',
            'is_public': True, 'memory_mb': 8192, 'name': 'm1.large',
            'projects': None, 'root_gb': 80, 'rxtx_factor': 1.0,
            'swap': 0, 'vcpu_weight': 0, 'vcpus': 4}, '1.4'),
        'host': 'compute-1', 'host_name': 'some-server',
        'image_uuid': '155d900f-4e14-4e4c-a73d-069cbf4541e6',
        'ip_addresses': [_nova_object('IpPayload', {
            'address': '192.168.%d.3' % index, 'device_name': 'tap%d' % index,
            'label': 'private-network-%d' % index,
            'mac': 'fa:16:3e:4c:2c:3%d' % index,
            'meta': {}, 'port_uuid': 'ce531f90-199f-48c0-816c-13e38010b44%d'
            % index, 'version': 4}) for index in range(4)],
        'kernel_id': '', 'key_name': 'my-key',
        'keypairs': [_nova_object('KeypairPayload', {
            'fingerprint': '1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c',
            'name': 'my-key', 'public_key': 'ssh-rsa ' + 'A' * 372,
            'type': 'ssh', 'user_id': 'fake'})],
        'launched_at': '2012-10-29T13:42:11Z', 'locked': False,
        'locked_reason': None,
        'metadata': {'key%02d' % index: 'value %d' % index
                     for index in range(20)},
        'node': 'compute-1.example.org', 'os_type': None,
        'power_state': 'running', 'progress': 0, 'ramdisk_id': '',
        'request_id': 'req-5b6c791d-5709-4f36-8fbe-c3e02869e35d',
        'reservation_id': 'r-npxv0e40', 'shares': [],
        'state': 'error', 'task_state': 'rebuilding',
        'tags': ['tag-%d' % index for index in range(5)],
        'tenant_id': '6f70656e737461636b20342065766572',
        'terminated_at': None, 'updated_at': '2012-10-29T13:42:11Z',
        'user_id': 'fake',
        'uuid': '178b0921-8f85-4257-88b6-2e743b5a975c'}
    return {'event_type': 'instance.rebuild.error', 'priority': 'ERROR',
            'publisher_id': 'nova-compute:compute-1',
            'payload': _nova_object('InstanceActionRebuildPayload', data,
                                    '1.10')}


def _message(notification, number):
    """A notification as a host sends it: with an id and a timestamp."""
    message = dict(notification)
    message.setdefault('message_id',
                       'b7c6b0a4-5f6e-4d55-8f6a-%012d' % number)
    message.setdefault('timestamp', TIMESTAMP)
    return message


def _has_ref(value):
    if isinstance(value, dict):
        return '$ref' in value or any(_has_ref(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_ref(v) for v in value)
    return False


def _upstream_name(samples, path):
    """The name ``load_upstream`` takes for ``path``, or ``None``.

    ``None`` when this tree's samples cannot resolve a ``$ref``: no
    ``load_upstream``, or ``path`` outside its upstream directory.
    """
    if not hasattr(samples, 'load_upstream'):
        return None
    upstream = os.path.realpath(getattr(
        samples, 'UPSTREAM_DIR',
        os.path.join(samples.SAMPLES_DIR, 'upstream')))
    if not path.startswith(upstream + os.sep):
        return None
    return os.path.relpath(path, upstream)[:-len('.json')]


_UNRESOLVED = ('holding a "$ref" that only load_upstream of this tree\'s '
               'fault_persist.tests.samples resolves, for its upstream '
               'samples')
_NOT_NOTIFICATIONS = 'not notifications (no event_type and payload)'


def _directory_samples(directory, samples, seen, names):
    """The notifications of every ``*.json`` under ``directory``.

    :returns: ``([(name, notification)], notes on the files skipped)``.
    """
    found, skipped = [], {}
    directory = os.path.realpath(directory)
    for top, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = os.path.realpath(os.path.join(top, name))
            if not name.endswith('.json') or path in seen:
                continue
            seen.add(path)
            label = os.path.relpath(path, directory)
            try:
                with open(path, encoding='utf-8') as stream:
                    notification = json.load(stream)
                if _has_ref(notification):
                    upstream_name = _upstream_name(samples, path)
                    if upstream_name is None:
                        skipped.setdefault(_UNRESOLVED, []).append(label)
                        continue
                    notification = samples.load_upstream(upstream_name)
            except (OSError, ValueError, TypeError, KeyError) as exc:
                skipped.setdefault('not readable (%s)' % exc,
                                   []).append(label)
                continue
            if (not isinstance(notification, dict)
                    or not isinstance(notification.get('event_type'), str)
                    or 'payload' not in notification):
                skipped.setdefault(_NOT_NOTIFICATIONS, []).append(label)
                continue
            label = label[:-len('.json')]
            if label in names:  # a default sample's name
                label = os.path.join(os.path.basename(directory), label)
            found.append((label if label not in names else path,
                          notification))
            names.add(found[-1][0])
    notes = ['%d file(s) skipped, %s: %s' % (
        len(labels), reason, ', '.join(labels[:3])
        + (', ...' if len(labels) > 3 else ''))
        for reason, labels in skipped.items()]
    return found, notes


def build_cases(samples_dir=None, events=None):
    """The cases both trees measure, and notes on samples skipped.

    :param samples_dir: a directory of more notifications, or ``None``.
    :param events: events per extraction case; by default
        :data:`DEFAULT_EVENTS`, fewer when the cases are many.
    :returns: ``(cases, notes)``; each case a dict with ``name``,
        ``call`` (``event_of`` or ``of_interest``), ``message``,
        ``events``.
    """
    from fault_persist.tests import samples
    if not os.path.realpath(samples.__file__).startswith(
            os.path.realpath(ROOT) + os.sep):
        raise SystemExit('The samples come from %s, not from this tree (%s)'
                         % (samples.__file__, ROOT))
    seen = set()
    notifications = []
    for name in samples.names():
        seen.add(os.path.realpath(
            os.path.join(samples.SAMPLES_DIR, name + '.json')))
        notifications.append((name, samples.load(name)))
    notes = []
    if samples_dir:
        more, notes = _directory_samples(samples_dir, samples, seen,
                                         {name for name, _ in notifications})
        notifications.extend(more)
    notifications.append(('synthetic/nova-rebuild-error (large)',
                          synthetic_nova_error()))
    if events is None:
        events = max(MIN_EVENTS, min(DEFAULT_EVENTS,
                                     EVENTS_PER_ROUND // len(notifications)))
    cases = [{'name': name, 'call': 'event_of', 'events': events,
              'message': _message(notification, number)}
             for number, (name, notification) in enumerate(notifications)]
    ignored = _message(IGNORED, len(cases))
    cases.append({'name': 'ignored %s, event_of' % IGNORED['event_type'],
                  'call': 'event_of', 'events': events * IGNORED_SCALE,
                  'message': ignored, 'ignored': True})
    cases.append({
        'name': 'ignored %s, of_interest' % IGNORED['event_type'],
        'call': 'of_interest', 'events': events * OF_INTEREST_SCALE,
        'ignored': True,
        # As oslo.messaging's batch dispatcher hands it to the listener.
        'message': {'ctxt': None, 'publisher_id': ignored['publisher_id'],
                    'event_type': ignored['event_type'],
                    'payload': ignored['payload'],
                    'metadata': {'message_id': ignored['message_id'],
                                 'timestamp': ignored['timestamp']}}})
    return cases, notes


# The child: measures the cases with the fault_persist it imports.

def _pipeline():
    from oslo_config import cfg

    from fault_persist.capture import pipeline
    import fault_persist.conf
    conf = cfg.ConfigOpts()
    conf([], project='fault_persist_bench')
    fault_persist.conf.register_opts(conf)
    return pipeline.Pipeline.from_conf(conf)


def _event_of_us(pipeline, ctxt, message, events):
    event_of = pipeline.event_of
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(events):
            event_of(ctxt, message)
        return (time.process_time() - start) / events * 1e6
    finally:
        gc.enable()


def _of_interest_us(pipeline, message, events):
    of_interest = pipeline.of_interest
    batch = [message] * BATCH
    batches = max(events // BATCH, 1)
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(batches):
            of_interest(batch, 'INFO')
        return (time.process_time() - start) / (batches * BATCH) * 1e6
    finally:
        gc.enable()


def _measure(pipeline, ctxt, case, events):
    if case['call'] == 'of_interest':
        return _of_interest_us(pipeline, case['message'], events)
    return _event_of_us(pipeline, ctxt, case['message'], events)


def _outcome(pipeline, ctxt, case):
    """What the tree makes of a case: ``error, 12 values``, ``ignored``."""
    before = pipeline.counters.snapshot().get('malformed', 0)
    if case['call'] == 'of_interest':
        kept = pipeline.of_interest([case['message']] * BATCH, 'INFO')
        return 'kept %d of %d' % (len(kept), BATCH)
    event = pipeline.event_of(ctxt, case['message'])
    if event is not None:
        # A named tuple (Event) since events became immutable; a dict
        # before, which an older revision measured against still gives.
        values = event if isinstance(event, dict) else event._asdict()
        return '%s, %d values' % (values.get('kind'), sum(
            1 for value in values.values() if value is not None))
    if pipeline.counters.snapshot().get('malformed', 0) > before:
        return 'malformed'
    return 'ignored'


def child(cases_path, channel):
    """Measure rounds on request: a line ``round`` in, a JSON line out.

    The first line out says where ``fault_persist`` came from and what
    it makes of each case, or ``{"error": ...}`` when this tree cannot be
    measured.
    """
    with open(cases_path, encoding='utf-8') as stream:
        setup = json.load(stream)
    ctxt, cases = setup['context'], setup['cases']
    # A malformed notification would log a warning per event.
    logging.disable(logging.WARNING)

    def send(value):
        channel.write(json.dumps(value) + '\n')
        channel.flush()
    try:
        import fault_persist
        pipeline = _pipeline()
    except Exception as exc:  # reported to the parent, which stops
        send({'error': 'fault_persist could not be imported, or '
                       'Pipeline.from_conf(conf) failed: %s: %s'
                       % (type(exc).__name__, exc)})
        return 2
    outcomes, broken = {}, {}
    for case in cases:
        try:
            outcomes[case['name']] = _outcome(pipeline, ctxt, case)
            # Warm up: caches of the recogniser and the definitions.
            _measure(pipeline, ctxt, case, max(case['events'] // 10, 10))
        except Exception as exc:  # e.g. an API this tree lacks
            broken[case['name']] = '%s: %s' % (type(exc).__name__, exc)
    send({'file': fault_persist.__file__, 'outcomes': outcomes,
          'broken': broken, 'python': sys.version.split()[0]})
    for line in sys.stdin:
        if line.strip() != 'round':
            break
        send({case['name']: _measure(pipeline, ctxt, case, case['events'])
              for case in cases if case['name'] not in broken})
    return 0


# The parent: checks the other revision out, runs the children in turn.

def _git(*args, binary=False):
    result = subprocess.run(('git', '-C', ROOT) + args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            check=False)
    if result.returncode:
        raise SystemExit('git %s failed: %s'
                         % (' '.join(args), result.stderr.decode().strip()))
    return result.stdout if binary else result.stdout.decode().strip()


def export_revision(revision, directory):
    """Write ``revision``'s ``fault_persist`` package under ``directory``.

    :returns: ``(commit, subject)`` of the revision.
    """
    try:
        commit = _git('rev-parse', '--verify', '--quiet',
                      revision + '^{commit}')
    except SystemExit:
        raise SystemExit('--against %s: not a revision of the repository '
                         'at %s' % (revision, ROOT))
    archive = _git('archive', '--format=tar', commit, 'fault_persist',
                   binary=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, 'data_filter'):
            tar.extractall(directory, filter='data')
        else:  # Python before 3.11.4; our own repository's archive
            tar.extractall(directory)
    return commit, _git('log', '-1', '--format=%s', commit)


class Child:
    """A measuring child process importing ``fault_persist`` from ``root``.

    :param label: how the table names the tree.
    :param root: the directory holding the ``fault_persist`` package.
    :param cases_path: the JSON file of the cases.
    """

    def __init__(self, label, root, cases_path):
        self.label = label
        self.root = root
        env = dict(os.environ, PYTHONPATH=root, PYTHONHASHSEED='0')
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), '--child',
             cases_path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=env, cwd=root, text=True)
        self.ready = self._receive()
        if 'error' in self.ready:
            self.close()
            raise SystemExit('%s (%s) cannot be measured: %s'
                             % (label, root, self.ready['error']))
        imported = os.path.dirname(os.path.dirname(
            os.path.realpath(self.ready['file'])))
        if imported != os.path.realpath(root):
            self.close()
            raise SystemExit('%s: the child imported fault_persist from %s, '
                             'not from %s' % (label, imported, root))

    def _receive(self):
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise SystemExit('%s: the measuring process ended (exit code %s)'
                             '; its error is above' % (self.label, code))
        return json.loads(line)

    def measure_round(self):
        """``{case name: us per event}`` of one round."""
        self.process.stdin.write('round\n')
        self.process.stdin.flush()
        return self._receive()

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait()


def _ratios(rev, now):
    return [n / r for r, n in zip(rev, now) if r > 0]


def summarise(cases, results):
    """Per case: each tree's rounds, medians, ratio and outcomes.

    :param results: ``{tree: {'rounds': [{case: us}], 'ready': {...}}}``
        for the trees ``rev`` and ``now``.
    """
    rows = []
    for case in cases:
        name = case['name']
        row = {'case': name, 'call': case['call'],
               'ignored': bool(case.get('ignored')),
               'events_per_round': case['events']}
        for tree in ('rev', 'now'):
            ready = results[tree]['ready']
            row[tree + '_outcome'] = (
                'n/a: ' + ready['broken'][name] if name in ready['broken']
                else ready['outcomes'].get(name))
            values = [r[name] for r in results[tree]['rounds'] if name in r]
            row[tree + '_us'] = values
            row[tree + '_median_us'] = (statistics.median(values)
                                        if values else None)
        if row['rev_median_us'] and row['now_median_us'] is not None:
            row['ratio'] = row['now_median_us'] / row['rev_median_us']
            ratios = _ratios(row['rev_us'], row['now_us'])
            row['round_ratios'] = [min(ratios), max(ratios)]
        else:
            row['ratio'] = row['round_ratios'] = None
        rows.append(row)
    return rows


def _cell(value, form):
    return '-' if value is None else form % value


def format_table(rows, revision):
    """The rows as text lines: case, us at ``revision``, us now, ratio."""
    width = max([len(row['case']) for row in rows] + [4])
    lines = ['  %-*s %12s %10s %8s %15s'
             % (width, 'case', 'us at ' + revision[:6], 'us now', 'now/rev',
                'rounds\' ratios')]
    notes = []
    for row in rows:
        spread = (None if row['round_ratios'] is None
                  else '%.2f-%.2f' % tuple(row['round_ratios']))
        mark = ''
        if row['rev_outcome'] != row['now_outcome']:
            notes.append('%s: at %s %s; now %s' % (
                row['case'], revision, row['rev_outcome'],
                row['now_outcome']))
            mark = ' *'
        lines.append('  %-*s %12s %10s %8s %15s%s' % (
            width, row['case'], _cell(row['rev_median_us'], '%.2f'),
            _cell(row['now_median_us'], '%.2f'),
            _cell(row['ratio'], '%.2fx'), spread or '-', mark))
    if notes:
        lines.append('  * the trees differ in what they make of it:')
        lines.extend('    ' + note for note in notes)
    return lines


def _geometric_mean(values):
    values = [v for v in values if v]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def verdict(rows):
    """``met``, ``MISSED`` or, when a tree lacks a case, ``not judged``.

    Met when both ignored cases cost at most :data:`TARGET_RATIO` of the
    other revision's.
    """
    ratios = [row['ratio'] for row in rows if row['ignored']]
    if not ratios or None in ratios:
        return 'not judged'
    return 'met' if max(ratios) <= TARGET_RATIO else 'MISSED'


def run(args, directory):
    """Measure both trees; print the table (or JSON); the exit code."""
    cases, notes = build_cases(args.samples_dir, args.events)
    cases_path = os.path.join(directory, 'cases.json')
    with open(cases_path, 'w', encoding='utf-8') as stream:
        json.dump({'context': _context(), 'cases': cases}, stream)
    rev_root = os.path.join(directory, 'rev')
    os.mkdir(rev_root)
    commit, subject = export_revision(args.against, rev_root)
    children = {'rev': Child('revision %s' % args.against, rev_root,
                             cases_path)}
    try:
        children['now'] = Child('this tree', ROOT, cases_path)
        results = {tree: {'ready': measuring.ready, 'rounds': []}
                   for tree, measuring in children.items()}
        for number in range(args.rounds):
            order = ('rev', 'now') if number % 2 == 0 else ('now', 'rev')
            for tree in order:
                results[tree]['rounds'].append(
                    children[tree].measure_round())
    finally:
        for measuring in children.values():
            measuring.close()
    rows = summarise(cases, results)
    target = verdict(rows)
    extraction = _geometric_mean([row['ratio'] for row in rows
                                  if not row['ignored']])
    if args.json:
        json.dump({'against': {'revision': args.against, 'commit': commit,
                               'subject': subject,
                               'fault_persist': results['rev']['ready'][
                                   'file']},
                   'now': {'fault_persist': results['now']['ready']['file']},
                   'rounds': args.rounds, 'timer': 'process_time',
                   'notes': notes, 'cases': rows,
                   'extraction_geometric_mean_ratio': extraction,
                   'target_ratio_ignored': TARGET_RATIO,
                   'target': target}, sys.stdout, indent=2)
        print()
        return 1 if target == 'MISSED' else 0
    print('fault_persist extraction cost per event, %s, Python %s'
          % (time.strftime('%Y-%m-%d %H:%M:%S'),
             results['now']['ready']['python']))
    print('  rev: %s = %s %.60s\n       fault_persist from %s'
          % (args.against, commit[:12], subject,
             os.path.dirname(results['rev']['ready']['file'])))
    print('  now: this tree (working copy)\n       fault_persist from %s'
          % os.path.dirname(results['now']['ready']['file']))
    print('  %d rounds, the two trees in turn, alternating which goes '
          'first; per round %d events of each sample, %d and %d of the '
          'ignored cases; CPU time (process_time), gc disabled; medians of '
          'the rounds.' % (args.rounds, cases[0]['events'],
                           cases[-2]['events'], cases[-1]['events']))
    for note in notes:
        print('  note: ' + note)
    print()
    for line in format_table(rows, commit[:12]):
        print(line)
    print()
    if extraction is not None:
        print('  extraction (recognised notifications), geometric mean of '
              'the ratios: %.2fx' % extraction)
    print('  Target: ignored notifications cost at most %.2fx of %s '
          '(event_of: the driver in a host; of_interest: the listener): %s'
          % (TARGET_RATIO, args.against, target))
    return 1 if target == 'MISSED' else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--against', default='HEAD',
                        help='the revision to compare this tree with '
                             '(default: HEAD, the committed code)')
    parser.add_argument('--rounds', type=int, default=7,
                        help='rounds per tree; the median is the result')
    parser.add_argument('--events', type=int,
                        help='events per round of each sample (default '
                             '%d, fewer when there are more than %d '
                             'samples); the ignored cases run %d and %d '
                             'times as many'
                             % (DEFAULT_EVENTS,
                                EVENTS_PER_ROUND // DEFAULT_EVENTS,
                                IGNORED_SCALE, OF_INTEREST_SCALE))
    parser.add_argument('--samples-dir', metavar='DIR',
                        help='also measure every *.json notification '
                             'under DIR, recursively')
    parser.add_argument('--json', action='store_true',
                        help='print the results as JSON instead of a table')
    parser.add_argument('--child', metavar='CASES', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        # Only the protocol goes to the parent; stray prints go to stderr.
        channel = os.fdopen(os.dup(sys.stdout.fileno()), 'w')
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        return child(args.child, channel)
    if args.rounds < 1 or (args.events is not None and args.events < 1):
        parser.error('--rounds and --events must be at least 1')
    # This tree's samples and fault_persist, whatever the virtualenv has
    # installed (an editable install may point at another checkout).
    sys.path.insert(0, ROOT)
    with tempfile.TemporaryDirectory(prefix='fp-bench-extract-') as tmp:
        return run(args, tmp)


if __name__ == '__main__':
    sys.exit(main())
