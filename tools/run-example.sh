#!/bin/bash
# The main job on the embedded default (SQLite), on a fresh machine:
# install fault_persist into a virtualenv and run examples/notify_and_show.py.
#
# With --serve, the example keeps its database in .example/ (printed), and
# the HTTP API and the Activity Log page then serve it on 127.0.0.1 (noauth)
# until Ctrl-C, so that the page and the fault-persist CLI can read it.
# FAULT_PERSIST_PORT chooses the port (default 8787).
set -eu -o pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export VENV
serve=false
if [ "${1:-}" = --serve ]; then
    serve=true
    shift
fi
bash tools/install-venv.sh requirements.txt
if ! $serve; then
    exec "$VENV/bin/python" examples/notify_and_show.py "$@"
fi

state=$PWD/.example
port=${FAULT_PERSIST_PORT:-8787}
# A fresh database each run: the example's output stays the same.
rm -rf "$state"
mkdir -p "$state"
"$VENV/bin/python" examples/notify_and_show.py "$state"
cat >"$state/api.conf" <<CONF
[fault_persist]
state_path = $state

[api]
auth_strategy = noauth
bind_host = 127.0.0.1
bind_port = $port
CONF
cat <<TEXT

The example's database: $state/fault_persist.sqlite
Read it with the CLI:   $VENV/bin/fault-persist --config-file $state/api.conf log
The Activity Log page:  http://127.0.0.1:$port/?project=admin&user=admin&roles=admin
  (as the owner: http://127.0.0.1:$port/?project=6f70656e737461636b20342065766572&user=alice&roles=member)
Serving the API and the page until Ctrl-C.
TEXT
exec "$VENV/bin/fault-persist-api" --config-file "$state/api.conf"
