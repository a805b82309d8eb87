#!/bin/bash
# The main job on the embedded default (SQLite), on a fresh machine:
# install fault_persist into a virtualenv and run examples/notify_and_show.py.
set -eu -o pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -r requirements.txt
"$VENV/bin/pip" install -q --no-deps -e .
exec "$VENV/bin/python" examples/notify_and_show.py "$@"
