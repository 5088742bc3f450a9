"""BI tools read a published copy of the marts, never the warehouse, so readers never block a run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import duckdb
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.publish import publish
from tests.conftest import AS_OF

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


def _start_reader(publish_dir):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(publish_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return reader, reader.stdout.readline().split()


def _versions(publish_dir):
    return sorted(path.name for path in (publish_dir / "versions").iterdir())


def _check_publication(workspace):
    """Every table of schema marts is published, as DuckDB views and as Parquet, row for row."""
    publish_dir = paths.publish_dir(workspace.warehouse)
    assert publish_dir == workspace.root / "warehouse_publish"

    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        counts = {table: con.execute(f"select count(*) from marts.{table}").fetchone()[0] for table in marts}
    for table in ("account_status", "ownership_changes", "coverage_daily", "capacity_gap", "book_health_history"):
        assert table in marts
    with duckdb.connect(str(publish_dir / "bookflow.duckdb"), read_only=True) as con:
        for table, rows in counts.items():
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] == rows, table
            parquet = publish_dir / "current" / f"{table}.parquet"
            assert duckdb.execute("select count(*) from read_parquet(?)", [str(parquet)]).fetchone()[0] == rows
        assert con.execute("select as_of from publication").fetchone()[0] == AS_OF


def test_run_publishes_and_a_reader_holding_the_published_file_does_not_block_the_next_run(cycled_workspace):
    workspace = cycled_workspace  # its first run published day 1
    _check_publication(workspace)
    publish_dir = paths.publish_dir(workspace.warehouse)
    reader, before = _start_reader(publish_dir)
    try:
        assert before[1] == before[3] == AS_OF.isoformat(), before

        # The next day's run is a separate process, as the daily schedule would be.
        next_day = AS_OF + timedelta(days=1)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "bookflow.cli",
                "run",
                "--as-of",
                next_day.isoformat(),
                "--warehouse",
                str(workspace.warehouse),
                "--crm",
                str(workspace.crm),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ},
        )
        assert run.returncode == 0, run.stdout + run.stderr

        # The old reader still sees its whole version, through the views and the Parquet file.
        reader.stdin.write("again\n")
        reader.stdin.flush()
        still = reader.stdout.readline().split()
        assert reader.wait(timeout=60) == 0, reader.stderr.read()
        assert still == before
    finally:
        reader.kill()

    new_reader, after = _start_reader(publish_dir)
    new_reader.kill()
    assert after[0] != before[0]
    assert after[1] == after[3] == next_day.isoformat()
    assert len(_versions(publish_dir)) == 2


def test_publish_command_and_safe_clean_up_of_old_versions(planned_workspace, tmp_path, monkeypatch):
    workspace = planned_workspace  # its first run published day 1
    missing = CliRunner().invoke(main, ["publish", "--warehouse", str(tmp_path / "nowhere.duckdb")])
    assert missing.exit_code == 1 and "does not exist" in missing.output

    publish_dir = paths.publish_dir(workspace.warehouse)
    # Versions replaced a moment ago stay (a reader may have just opened them) ...
    for _ in range(3):
        publish(workspace.warehouse)
    assert len(_versions(publish_dir)) == 4
    # ... and with no age limit only the newest `keep` remain, `current` among them.
    before = _versions(publish_dir)
    last = publish(workspace.warehouse, keep=2, min_age_seconds=0)
    assert _versions(publish_dir) == [before[-1], last.version]
    assert os.path.realpath(publish_dir / "current").endswith(last.version)
    with duckdb.connect(str(publish_dir / "bookflow.duckdb"), read_only=True) as con:
        assert con.execute("select version from publication").fetchone()[0] == last.version

    target = tmp_path / "bi"
    monkeypatch.setenv(paths.PUBLISH_ENV, str(target))
    result = CliRunner().invoke(main, ["publish", "--warehouse", str(workspace.warehouse)])
    assert result.exit_code == 0, result.output
    assert str(target / "bookflow.duckdb") in result.output
    with duckdb.connect(str(target / "bookflow.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.coverage_daily").fetchone()[0] > 0
