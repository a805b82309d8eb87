#!/bin/bash
# Regenerate etc/fault-persist/fault-persist.conf.sample from the code.
set -eu
cd "$(dirname "$0")/.."
# oslo.messaging imports oslo.service, which imports eventlet, which warns
# on import that it is deprecated; silence that one module's warning.
export PYTHONWARNINGS=ignore::Warning:oslo_service.backend._eventlet.loopingcall
oslo-config-generator --config-file etc/fault-persist/fault-persist-config-generator.conf
