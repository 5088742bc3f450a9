"""A BI tool in miniature, reading the published copy of the marts (bookflow/publish.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A BI tool in miniature: it opens the published DuckDB file read-only and a Parquet file through
# `current`, answers, then waits with both open until told to query again through the same handles.
READER = textwrap.dedent(
    """
    import os, sys, duckdb
    publish_dir = sys.argv[1]
    con = duckdb.connect(os.path.join(publish_dir, "bookflow.duckdb"), read_only=True)
    parquet = os.path.realpath(os.path.join(publish_dir, "current", "coverage_daily.parquet"))
    handle = open(parquet, "rb")
    def answer():
        version = con.execute("select version from publication").fetchone()[0]
        views = con.execute("select max(as_of), count(*) from marts.coverage_daily").fetchone()
        from_parquet = duckdb.execute("select max(as_of) from read_parquet(?)", [parquet]).fetchone()[0]
        print(version, views[0], views[1], from_parquet, len(handle.read(4)), flush=True)
    answer()
    sys.stdin.readline()
    answer()
    """
)


def start_reader(publish_dir):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(publish_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return reader, reader.stdout.readline().split()


def versions(publish_dir):
    return sorted(path.name for path in (publish_dir / "versions").iterdir())
