#!/usr/bin/env bash
# Takes the compose stack down, volumes included (the stores' data with it).
#   bash deploy/docker/down.sh
set -euo pipefail
source "$(dirname "$0")/../containers/compose.sh"
compose -f compose.yaml -f compose.api2.yaml down -v >/dev/null 2>&1
echo "down: the stack and its volumes are gone"
