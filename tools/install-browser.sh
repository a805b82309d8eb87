#!/bin/bash
# The browser of the browser tests (fault_persist/tests/functional/browser):
# Debian's chromium, which Playwright drives by its path; Playwright's own
# browser download ("playwright install") is never used. Also the DejaVu
# fonts the page and its screenshot are drawn with. Installs only what is
# missing, quietly; run as root (run-tests.sh does).
set -eu -o pipefail

packages=()
if [ ! -x /usr/bin/chromium ]; then
    packages+=(chromium)
fi
if ! dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null \
        | grep -q 'install ok installed'; then
    packages+=(fonts-dejavu-core)
fi
if [ ${#packages[@]} -eq 0 ]; then
    exit 0
fi

echo "== installing ${packages[*]} (browser tests)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq &&
       apt-get install -y -qq --no-install-recommends "${packages[@]}"; } \
        >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-browser.sh: apt-get could not install ${packages[*]}" >&2
    exit 1
fi
