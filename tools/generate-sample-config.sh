#!/bin/bash
# Regenerate etc/fault-persist/fault-persist.conf.sample from the code.
set -eu
cd "$(dirname "$0")/.."
oslo-config-generator --config-file etc/fault-persist/fault-persist-config-generator.conf
