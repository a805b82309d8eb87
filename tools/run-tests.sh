#!/bin/bash
# The whole test suite, on a fresh machine: install into a virtualenv,
# start and prepare PostgreSQL, MariaDB and RabbitMQ (tools/test-setup.sh),
# install Debian's chromium for the browser tests (tools/install-browser.sh),
# then style checks, unit and functional tests, the docs build and the
# sample-config check. The last line reads "N passed, N failed, N skipped".
set -eu -o pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export VENV
bash tools/install-venv.sh requirements.txt test-requirements.txt \
    doc/requirements.txt

if [ "$(id -u)" = 0 ]; then
    bash tools/test-setup.sh
    bash tools/install-browser.sh
else
    sudo -n bash tools/test-setup.sh
    sudo -n bash tools/install-browser.sh
fi

PATH="$PWD/$VENV/bin:$PATH"
export PATH

echo "== style (flake8 with hacking)"
flake8 fault_persist tools examples

echo "== sample configuration is up to date"
bash tools/check-sample-config.sh

echo "== documentation (warnings are errors)"
sphinx-build -q -W --keep-going -b html doc/source doc/build/html

echo "== unit and functional tests"
status=0
stestr run --slowest "$@" || status=$?
python tools/test-summary.py || status=$?
exit $status
