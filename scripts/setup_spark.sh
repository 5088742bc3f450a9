#!/usr/bin/env bash
# Add what `bookflow build --target spark` needs to a machine set up by scripts/setup.sh: Java 17
# from the OS packages when no `java` is on PATH, and the pinned dbt-spark and pyspark ('.[spark]').
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/os_packages.sh
command -v java >/dev/null 2>&1 || install_os_packages openjdk-17-jre-headless
java -version 2>&1 | head -1 >&2
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
echo "dbt-spark and pyspark are installed in .venv"
