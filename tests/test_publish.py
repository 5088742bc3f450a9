"""BI tools read a published copy of the marts, never the warehouse, so readers never block a run."""

from __future__ import annotations

import os

import duckdb
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.publish import publish
from tests.conftest import AS_OF
from tests.publication import versions


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


def test_run_publishes_every_mart_as_views_and_parquet(cycled_workspace):
    # A reader holding the published copy while the next run publishes: tests/test_cli.py's rerun.
    _check_publication(cycled_workspace)


def test_publish_command_and_safe_clean_up_of_oldversions(planned_workspace, tmp_path, monkeypatch):
    workspace = planned_workspace  # its first run published day 1
    missing = CliRunner().invoke(main, ["publish", "--warehouse", str(tmp_path / "nowhere.duckdb")])
    assert missing.exit_code == 1 and "does not exist" in missing.output

    publish_dir = paths.publish_dir(workspace.warehouse)
    # Versions replaced a moment ago stay (a reader may have just opened them) ...
    for _ in range(3):
        publish(workspace.warehouse)
    assert len(versions(publish_dir)) == 4
    # ... and with no age limit only the newest `keep` remain, `current` among them.
    before = versions(publish_dir)
    last = publish(workspace.warehouse, keep=2, min_age_seconds=0)
    assert versions(publish_dir) == [before[-1], last.version]
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
