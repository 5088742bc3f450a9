"""`bookflow backfill` builds the marts for past days without syncing, one set of history rows per day.

The backfill of day 1 runs once for the session on a copy of the two synced days (`backfilled`);
its tests compare the copy with the two days' own files, which nothing changes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.backfill import MAX_DAYS, backfill_days
from bookflow.cli import main
from tests.conftest import AS_OF, DAY_2, Workspace
from tests.cycles import copy_cycle, made_once, world_environment

HISTORY = ("coverage_daily", "book_health", "capacity_gap", "returns_by_reason", "conversion_by_source")


def _query(path, sql, params=None):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _day_rows(warehouse, table, day):
    return _query(warehouse, f"select * from marts.{table}_history where as_of = ? order by all", [day])


def _history(warehouse):
    return {
        table: dict(_query(warehouse, f"select as_of, count(*) from marts.{table}_history group by 1"))
        for table in HISTORY
    }


def _backfill(root: Path, two_days: Path) -> None:
    """Day 1 again, on a copy of the warehouse and CRM the session's two synced days left (its last day is DAY_2)."""
    workspace = Workspace.in_folder(root)
    copy_cycle(two_days, workspace)
    location = ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    with world_environment(root):
        result = CliRunner().invoke(
            main, ["backfill", "--start", AS_OF.isoformat(), "--end", AS_OF.isoformat(), *location]
        )
    assert result.exit_code == 0, result.output
    (root / "backfill_output.txt").write_text(result.output)


@pytest.fixture(scope="session")
def backfilled(tmp_path_factory: pytest.TempPathFactory, two_days: dict) -> dict[str, Path]:
    """The backfill's folder (made once for the session) and the two days' folder it copied."""
    root = made_once(tmp_path_factory, "backfilled", lambda root: _backfill(root, two_days["root"]))
    return {"after": root, "before": two_days["root"]}


@pytest.mark.world("backfilled", seconds=20)
def test_backfill_replaces_the_days_history_rows_and_keeps_the_later_days(backfilled):
    before, after = backfilled["before"] / "warehouse.duckdb", backfilled["after"] / "warehouse.duckdb"
    for table, days in _history(before).items():
        assert set(days) == {AS_OF, DAY_2}, table
    assert "1 of 1 days built" in (backfilled["after"] / "backfill_output.txt").read_text()
    # The marts hold the day rebuilt, its history rows replaced the day's earlier ones (one set
    # per day, as many rows as the mart), and the later day's history is untouched.
    for table, days in _history(after).items():
        assert set(days) == {AS_OF, DAY_2}, table
        assert days[AS_OF] == _query(after, f"select count(*) from marts.{table}")[0][0], table
        assert _day_rows(after, table, DAY_2) == _day_rows(before, table, DAY_2), table
    assert _query(after, "select distinct as_of from marts.coverage_daily") == [(AS_OF,)]


@pytest.mark.world("backfilled", seconds=20)
def test_backfill_rebuilds_the_incremental_models_and_writes_nothing_to_the_crm(backfilled):
    before, after = backfilled["before"], backfilled["after"]
    # The CRM lived a day after AS_OF: a rebuilt AS_OF must not keep that day's touches, which the
    # incremental models held. Incremental models only move forward in time: the earlier day
    # rebuilt them in full.
    latest_touch = "select max(last_touched_at) from intermediate.int_accounts_last_touched"
    assert _query(before / "warehouse.duckdb", latest_touch)[0][0].date() > AS_OF
    assert _query(after / "warehouse.duckdb", latest_touch)[0][0].date() <= AS_OF
    # Nothing reached the CRM, and the ledger is as the synced days left it.
    owners = "select id, owner_id, sdr_owner_c from salesforce.account order by id"
    assert _query(after / "demo_crm.duckdb", owners) == _query(before / "demo_crm.duckdb", owners)
    ledger = "select * from reverse_etl.sync_ledger order by all"
    assert _query(after / "warehouse.duckdb", ledger) == _query(before / "warehouse.duckdb", ledger)


@pytest.mark.world("backfilled", seconds=20)
def test_backfill_parses_dbt_only_where_it_changed(backfilled):
    # Both slots of this warehouse's file name were built with these rules by the session's days:
    # dbt parses only what changed (orchestration/parse_states.py keeps a state per name, slot and rules).
    output = (backfilled["after"] / "backfill_output.txt").read_text()
    dbt_log = Path(re.search(r"log: (\S+)", output)[1]).read_text()
    assert "Running with dbt" in dbt_log and "Unable to do partial parsing" not in dbt_log


def test_backfill_days_are_each_day_of_the_range_once():
    assert backfill_days(AS_OF, AS_OF + timedelta(days=2)) == [AS_OF + timedelta(days=n) for n in range(3)]
    assert backfill_days(AS_OF, AS_OF) == [AS_OF]
    with pytest.raises(ValueError, match="smaller ranges"):
        backfill_days(AS_OF, AS_OF + timedelta(days=MAX_DAYS))


def test_backfill_rejects_an_empty_range(workspace):
    result = CliRunner().invoke(
        main, ["backfill", "--start", AS_OF.isoformat(), "--end", (AS_OF - timedelta(days=1)).isoformat()]
    )
    assert result.exit_code == 2
    assert "before --start" in result.output
