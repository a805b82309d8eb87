"""The Activity Log page in real headless Chromium, on the real API server.

Each test opens the page served by ``fault-persist-api`` (noauth) over the
request log of :func:`.server.seed`, and compares what the page shows
with what the public Python API (or the HTTP API) answers for the same
caller. The browser runs in zone Europe/Berlin (UTC+2 in May), so the
tests also check the page's conversions between local time and UTC.
"""

import atexit
import os
import shutil
import urllib.parse
import urllib.request

import testtools

import fault_persist
from fault_persist.tests import fixtures as fp_fixtures
from fault_persist.tests.functional.browser import server

try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - reported by require_service
    sync_api = None

CHROMIUM = os.environ.get('FAULT_PERSIST_CHROMIUM', '/usr/bin/chromium')
ZONE = 'Europe/Berlin'
TIMEOUT_MS = 10000
PAGE_SIZE = 20

ADMIN_QUERY = {'project': 'admin', 'user': 'admin', 'roles': 'admin'}
MEMBER_A_QUERY = {'project': server.PROJECT_A, 'user': server.USER_A,
                  'roles': 'member'}


def _browser_missing():
    """Why no browser can run here, or ``None``."""
    if sync_api is None:
        return 'the playwright package is not installed (test-requirements)'
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        return ('%s is missing; tools/install-browser.sh installs Debian\'s '
                'chromium' % CHROMIUM)
    return None


# One Playwright and one Chromium for the whole process: Playwright's
# sync API runs one event loop per thread, so a second start would fail.
_BROWSER = {}


def _shared_browser():
    """The process's Chromium, started on first use, stopped at exit."""
    if 'browser' not in _BROWSER:
        playwright = sync_api.sync_playwright().start()
        atexit.register(playwright.stop)
        _BROWSER['browser'] = playwright.chromium.launch(
            executable_path=CHROMIUM, args=['--no-sandbox'])
        atexit.register(_BROWSER['browser'].close)
    return _BROWSER['browser']


class BrowserTestCase(testtools.TestCase):
    """One server for the class, one browser for all; a fresh page per test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start()

    @classmethod
    def _start(cls):
        # Once per class, from setUpClass or, where the runner does not
        # call it (stestr's subunit workers), from the first setUp.
        if '_started' in cls.__dict__:
            return
        cls._started = True
        atexit.register(cls._stop)
        cls.missing = _browser_missing()
        if cls.missing:
            return
        cls.server = server.ActivityLogServer()
        cls.failed = None
        try:
            cls.server.setUp()
        except Exception as exc:
            # Not a missing browser: every test of the class fails with it.
            cls.failed = exc
            cls._stop()
            return
        try:
            cls.browser = _shared_browser()
        except Exception as exc:
            cls.missing = 'Chromium does not start: %s' % exc
            cls._stop()

    @classmethod
    def _stop(cls):
        cls.browser = None
        server, cls.server = getattr(cls, 'server', None), None
        if server is not None:
            try:
                server.cleanUp()
            except Exception:  # noqa: a server that never started
                pass

    @classmethod
    def tearDownClass(cls):
        cls._stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        type(self)._start()
        if getattr(self, 'failed', None) is not None:
            self.fail('The Activity Log server did not start: %r'
                      % self.failed)
        if self.missing:
            fp_fixtures.require_service(self, 'Chromium', self.missing)
        self.context = self.browser.new_context(
            timezone_id=ZONE, locale='en-GB', accept_downloads=True,
            viewport={'width': 1280, 'height': 900})
        self.addCleanup(self.context.close)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on('pageerror', lambda error: self.errors.append(error))
        self.addCleanup(self._no_script_errors)

    def _no_script_errors(self):
        self.assertEqual([], [str(error) for error in self.errors])

    # Helpers -------------------------------------------------------------

    def open(self, identity=ADMIN_QUERY, **more):
        """Open the page as ``identity`` and wait for the first rows."""
        query = dict(identity, **dict({'refresh': '0'}, **more))
        self.page.goto(self.server.url + '?' + urllib.parse.urlencode(query))
        self.wait_for_rows('#log-table')

    def wait_for_rows(self, table):
        self.page.wait_for_selector(
            '%s:not([aria-busy]) tbody tr, %s ~ .empty:not([hidden])'
            % (table, table))

    def column(self, table, label):
        """The texts of one column of a table, top to bottom."""
        cells = '%s tbody td[data-label="%s"]' % (table, label)
        return self.page.locator(cells).all_text_contents()

    def messages(self, table='#log-table'):
        return self.column(table, 'Message')

    def search(self, **fields):
        """Fill the advanced search and submit it."""
        panel = self.page.locator('#log-search-panel')
        if not panel.evaluate('node => node.open'):
            panel.locator('summary').click()
        form = self.page.locator('#log-search')
        for name, value in fields.items():
            field = form.locator('[name="%s"]' % name)
            if field.evaluate('node => node.tagName') == 'SELECT':
                field.select_option(value)
            else:
                field.fill(value)
        with self.page.expect_response(
                lambda response: '/v1/request-log' in response.url):
            form.locator('button[type="submit"]').click()
        self.wait_for_rows('#log-table')

    def api_get(self, path, identity=ADMIN_QUERY):
        request = urllib.request.Request(self.server.url + path, headers={
            'X-Project-Id': identity['project'],
            'X-User-Id': identity['user'], 'X-Roles': identity['roles']})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()


class ActivityLogPageTest(BrowserTestCase):
    """What the page shows of the seeded log; no test changes it."""

    def test_page_loads_the_newest_entries(self):
        self.open()
        expected = fault_persist.list_request_log(server.ADMIN,
                                                  limit=PAGE_SIZE)
        self.assertEqual([entry['message'] for entry in expected],
                         self.messages())
        # 10:45 UTC is 12:45 CEST in the browser's zone, zone shown.
        self.assertEqual('2026-05-04 12:45:00 CEST',
                         self.column('#log-table', 'Date and time')[0])
        first = self.page.locator('#log-table tbody tr').first
        self.assertEqual(expected[0]['user'],
                         first.locator('td[data-label="User"]').text_content())
        self.assertEqual(expected[0]['ip'],
                         first.locator('td[data-label="IP"]').text_content())
        label = first.locator('.label')
        self.assertEqual('1002 Failed', label.text_content())
        self.assertIn('Failed', label.get_attribute('title'))
        self.assertIn(ZONE, self.page.locator('#zone-name').text_content())

    def test_status_and_date_range_narrow_the_table(self):
        self.open()
        # Local (CEST) 12:10 to 12:25 is 10:10Z to 10:25Z.
        self.search(status='1002', since='2026-05-04T12:10:00',
                    before='2026-05-04T12:25:00')
        expected = fault_persist.list_request_log(
            server.ADMIN, status=1002, since='2026-05-04T10:10:00Z',
            before='2026-05-04T10:25:00Z')
        self.assertEqual(3, len(expected))
        self.assertEqual([entry['message'] for entry in expected],
                         self.messages())
        self.assertEqual({'1002 Failed'},
                         set(self.column('#log-table', 'Status')))

    def test_paging_forward_and_back(self):
        self.open()
        first = self.messages()
        marker = fault_persist.list_request_log(
            server.ADMIN, limit=PAGE_SIZE)[-1]['id']
        second = fault_persist.list_request_log(server.ADMIN,
                                                limit=PAGE_SIZE,
                                                marker=marker)
        self.assertTrue(self.page.locator('#log-prev').is_disabled())
        self.page.locator('#log-next').click()
        self.page.wait_for_function(
            "document.getElementById('log-page').textContent === 'Page 2'")
        self.wait_for_rows('#log-table')
        self.assertEqual([entry['message'] for entry in second],
                         self.messages())
        # The seeded log has 35 entries: no third page.
        self.assertTrue(self.page.locator('#log-next').is_disabled())
        self.page.locator('#log-prev').click()
        self.page.wait_for_function(
            "document.getElementById('log-page').textContent === 'Page 1'")
        self.wait_for_rows('#log-table')
        self.assertEqual(first, self.messages())
        self.assertTrue(self.page.locator('#log-prev').is_disabled())

    def test_task_view_shows_the_entries_in_between(self):
        self.open()
        self.search(app='kimchi')
        link = self.page.locator('#log-table .task-link').first
        task_id = int(link.text_content())
        link.focus()
        self.page.keyboard.press('Enter')
        dialog = self.page.locator('#task-dialog')
        dialog.locator('#task-entries tbody tr').first.wait_for()
        task = fault_persist.get_task(server.ADMIN, task_id)
        self.assertEqual(server.LONG_TARGET, task['target'])
        facts = dialog.locator('#task-facts').text_content()
        self.assertIn('Duration', facts)
        self.assertIn('30 min', facts)
        self.assertIn('2026-05-04 12:00:00 CEST', facts)
        self.assertIn('2026-05-04 12:30:00 CEST', facts)
        between = fault_persist.entries_between(server.ADMIN, task_id)
        self.assertGreater(len(between), 2)
        self.assertEqual([entry['message'] for entry in between],
                         self.messages('#task-entries'))
        # Escape closes the view and gives the focus back to the link.
        self.page.keyboard.press('Escape')
        dialog.wait_for(state='hidden')
        self.assertEqual(
            str(task_id),
            self.page.evaluate('document.activeElement.dataset.taskId'))

    def test_a_running_task_shows_its_running_time(self):
        self.open()
        running = fault_persist.list_tasks(server.ADMIN, status=1000)
        self.assertEqual(1, len(running))
        self.search(task_id=str(running[0]['task_id']))
        self.page.locator('#log-table .task-link').first.click()
        facts = self.page.locator('#task-facts')
        facts.locator('dt').first.wait_for()
        self.assertIn('Running for', facts.text_content())
        self.assertIn('still running', facts.text_content())

    def test_download_saves_the_lines_the_api_returns(self):
        self.open()
        self.search(status='1002')
        with self.page.expect_download() as download_info:
            self.page.locator('#log-download').click()
        download = download_info.value
        path = download.path()
        with open(path, encoding='utf-8') as stream:
            saved = stream.read()
        expected = self.api_get('v1/request-log?format=text&status=1002')
        self.assertEqual(expected.decode('utf-8'), saved)
        self.assertEqual(
            list(fault_persist.request_log_lines(server.ADMIN, status=1002)),
            saved.splitlines())

    def test_a_member_sees_only_its_project_and_no_details(self):
        self.open(MEMBER_A_QUERY)
        member = server.context_of(server.PROJECT_A, server.USER_A, None,
                                   roles=('member',))
        expected = fault_persist.list_request_log(member, limit=PAGE_SIZE)
        self.assertEqual([entry['message'] for entry in expected],
                         self.messages())
        everything = fault_persist.list_request_log(member)
        self.assertEqual({server.PROJECT_A},
                         {entry['project_id'] for entry in everything})
        self.page.locator('#log-next').click()
        self.page.wait_for_function(
            "document.getElementById('log-page').textContent === 'Page 2'")
        self.wait_for_rows('#log-table')
        shown = self.messages()
        self.assertEqual([entry['message'] for entry in everything]
                         [PAGE_SIZE:], shown)
        self.assertNotIn(server.B_MARK, ' '.join(shown))

        self.page.locator('#tab-faults').click()
        self.wait_for_rows('#faults-table')
        text = self.page.locator('#faults-table').text_content()
        self.assertIn('Alpha disk full', text)
        self.assertNotIn('Beta disk full', text)
        self.assertEqual(0, self.page.locator('.fault-details').count())
        self.assertNotIn('Traceback', self.page.content())

    def test_an_admin_sees_every_project_and_the_details(self):
        self.open()
        self.page.locator('#tab-faults').click()
        self.wait_for_rows('#faults-table')
        text = self.page.locator('#faults-table').text_content()
        self.assertIn('Alpha disk full', text)
        self.assertIn('Beta disk full', text)
        details = self.page.locator('.fault-details')
        self.assertEqual(3, details.count())
        details.first.locator('summary').click()
        self.assertIn('beta disk', details.first.locator('pre').inner_text())

    def test_a_narrow_window_shows_labelled_cards(self):
        self.page.set_viewport_size({'width': 400, 'height': 800})
        self.open()
        cell = self.page.locator('#log-table tbody td').first
        before = cell.evaluate(
            "node => getComputedStyle(node, '::before').content")
        self.assertEqual('"Date and time"', before)
        width = self.page.evaluate('document.documentElement.scrollWidth')
        self.assertLessEqual(width, 400)


class AutoRefreshTest(BrowserTestCase):
    """Auto-refresh, on a server of its own: it adds an entry."""

    def _fresh_shown(self):
        return bool(self.page.locator(
            '#log-table td[data-label="Message"]', has_text='/fresh').count())

    def test_auto_refresh_shows_new_entries_unless_paused(self):
        self.open(refresh='1')
        button = self.page.locator('#log-autorefresh')
        self.assertEqual('false', button.get_attribute('aria-pressed'))
        button.click()
        self.assertEqual('true', button.get_attribute('aria-pressed'))
        self.assertEqual('Resume auto-refresh', button.text_content())
        with fault_persist.track_task(server.ADMIN, 'refresh', '/fresh'):
            pass
        self.page.wait_for_timeout(2500)
        self.assertFalse(self._fresh_shown())
        button.click()
        self.page.locator('#log-table td[data-label="Message"]',
                          has_text='/fresh').first.wait_for()
