"""The summary of a task's entries (no database)."""

import datetime

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import testtools

from fault_persist.db import task_upsert
from fault_persist import request_log_text as text

_IDS = st.none() | st.sampled_from(['', 'req-1', 'p-1', 'u-1', 'i-1'])
_ENTRIES = st.fixed_dictionaries({
    'app': st.sampled_from(['trove', 'nova']),
    'status': st.sampled_from(text.STATUSES),
    'created': st.datetimes(min_value=datetime.datetime(2020, 1, 1),
                            max_value=datetime.datetime(2030, 1, 1)),
    'target': st.text(min_size=1, max_size=8),
    'request_id': _IDS, 'instance_id': _IDS, 'project_id': _IDS,
    'user_id': _IDS})


class TestSummary(testtools.TestCase):

    @settings(max_examples=200, deadline=None)
    @given(entry=_ENTRIES | _ENTRIES.map(
        lambda entry: {name: value for name, value in entry.items()
                       if not name.endswith('_id')}))
    def test_an_entry_alone_sums_up_as_folded_twice(self, entry):
        # One entry takes a short way; folding the same entry twice
        # changes nothing and takes the general one.
        self.assertEqual(task_upsert.summary([entry, entry]),
                         task_upsert.summary([entry]))

    def test_entries_fold_into_one_row(self):
        start = datetime.datetime(2026, 1, 2, 3, 4, 5)
        end = start + datetime.timedelta(seconds=3)
        entries = [
            {'app': 'trove', 'status': text.STARTED, 'created': start,
             'target': 'dbaas.instance_create', 'request_id': 'req-1',
             'instance_id': None, 'project_id': 'p-1', 'user_id': ''},
            {'app': 'trove', 'status': text.FAILED, 'created': end,
             'target': 'dbaas.instance_create i-1', 'request_id': 'req-1',
             'instance_id': 'i-1', 'project_id': 'p-1', 'user_id': 'u-1'}]
        self.assertEqual(
            {'app': 'trove', 'status': text.FAILED, 'started_at': start,
             'ended_at': end, 'target': 'dbaas.instance_create i-1',
             'request_id': 'req-1', 'instance_id': 'i-1',
             'project_id': 'p-1', 'user_id': 'u-1'},
            task_upsert.summary(entries))
