"""Browser tests of the Activity Log page: real headless Chromium.

Playwright drives Debian's ``/usr/bin/chromium`` (never a downloaded
browser; ``tools/install-browser.sh`` installs it) against the real
``fault-persist-api`` server on 127.0.0.1 (:mod:`.server`). With
``CI=true`` a missing browser fails the tests instead of skipping them.
"""
