#!/bin/bash
# Fail when etc/fault-persist/fault-persist.conf.sample is not what
# oslo-config-generator makes of the code; tools/generate-sample-config.sh
# rewrites it.
set -eu
cd "$(dirname "$0")/.."
# oslo.messaging imports oslo.service, which imports eventlet, which warns
# on import that it is deprecated; silence that one module's warning.
export PYTHONWARNINGS=ignore::Warning:oslo_service.backend._eventlet.loopingcall
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
oslo-config-generator --config-file etc/fault-persist/fault-persist-config-generator.conf \
    --output-file "$generated"
if ! diff -u etc/fault-persist/fault-persist.conf.sample "$generated"; then
    echo "The sample config is out of date: run tools/generate-sample-config.sh" >&2
    exit 1
fi
