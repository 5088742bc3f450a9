#!/usr/bin/env bash
# Set up a fresh machine: a .venv in the repo root with the pinned dependencies, and the dbt
# manifest Dagster loads its asset graph from. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium from the OS packages: tests/test_report.py renders the report in it (headless).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'

# Parse the dbt project into the manifest Dagster builds its asset graph from.
.venv/bin/python -c "import orchestration.dbt_project"
echo "bookflow is installed in .venv (activate with: source .venv/bin/activate)"
