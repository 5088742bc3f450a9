#!/usr/bin/env bash
# Set up a fresh machine: a .venv in the repo root with the pinned dependencies, and the dbt
# manifest Dagster loads its asset graph from. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium from the OS packages: tests/test_report.py renders the report in it (headless).
source scripts/os_packages.sh
[ -x /usr/bin/chromium ] || install_os_packages chromium

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'

# Parse the dbt project into the manifest Dagster builds its asset graph from.
.venv/bin/python -c "import orchestration.dbt_project"
echo "bookflow is installed in .venv (activate with: source .venv/bin/activate)"
