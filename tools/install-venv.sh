#!/bin/bash
# Create the virtualenv $VENV (default .venv) when missing, and install
# fault_persist into it with the requirement files given as arguments.
# Used by run-example.sh and run-tests.sh.
set -eu -o pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --upgrade pip
requirements=()
for file in "$@"; do
    requirements+=(-r "$file")
done
"$VENV/bin/pip" install -q "${requirements[@]}"
# A regular install, not an editable one: setuptools warns about every
# editable install, and the tests import the source tree first anyway
# (stestr's top_dir); the console scripts they start are installed fresh
# by every run of this script.
"$VENV/bin/pip" install -q --no-deps --force-reinstall .
