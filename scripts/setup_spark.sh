#!/usr/bin/env bash
# Add what `bookflow build --target spark` needs to a machine set up by scripts/setup.sh: Java 17
# from the OS packages when no `java` is on PATH, and the pinned dbt-spark and pyspark ('.[spark]').
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
java -version 2>&1 | head -1 >&2
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
echo "dbt-spark and pyspark are installed in .venv"
