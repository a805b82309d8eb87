"""Take the screenshot of the Activity Log page that the docs show.

Starts the real API server over the browser tests' seeded request log
(fault_persist.tests.functional.browser.server), opens the page in
Debian's headless Chromium and saves doc/source/_static/activity-log.png.
Run from the repository: python tools/screenshot-activity-log.py [PATH]
"""

import os
import sys
import urllib.parse

from playwright import sync_api

from fault_persist.tests.functional.browser import server

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
DEFAULT_PATH = os.path.join(ROOT, 'doc', 'source', '_static',
                            'activity-log.png')
CHROMIUM = os.environ.get('FAULT_PERSIST_CHROMIUM', '/usr/bin/chromium')


def main(path):
    api = server.ActivityLogServer()
    api.setUp()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=['--no-sandbox'])
            page = browser.new_page(
                viewport={'width': 1280, 'height': 860},
                timezone_id='Europe/Berlin', locale='en-GB')
            query = {'project': 'admin', 'user': 'admin', 'roles': 'admin',
                     'refresh': '0'}
            page.goto(api.url + '?' + urllib.parse.urlencode(query))
            page.wait_for_selector('#log-table tbody tr')
            page.locator('#log-search-panel summary').click()
            page.locator('#log-search [name="limit"]').select_option('20')
            page.screenshot(path=path, full_page=False)
            browser.close()
    finally:
        api.cleanUp()
    print('saved %s' % path)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH))
