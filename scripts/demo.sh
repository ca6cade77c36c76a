#!/usr/bin/env bash
# The README's first command: set everything up, then run the main job end to end on
# embedded defaults (demo portal, local stand-in for the Libeo inbox, no real account).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export SE_OFFLINE=true SE_AVOID_STATS=true
export INVOICE_COLLECTOR_HOME="${INVOICE_COLLECTOR_HOME:-$PWD/demo-home}"
exec .venv/bin/invoice-collector demo "$@"
