#!/bin/bash
# The main job on the embedded default (SQLite), on a fresh machine:
# install fault_persist into a virtualenv and run examples/notify_and_show.py.
set -eu -o pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export VENV
bash tools/install-venv.sh requirements.txt
exec "$VENV/bin/python" examples/notify_and_show.py "$@"
