#!/usr/bin/env bash
# From a fresh clone to a finished cycle: install, create the demo CRM, run every asset once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/bookflow demo "$@"
