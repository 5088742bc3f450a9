"""`bookflow backfill` builds the marts for past days without syncing, one set of history rows per day."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.backfill import MAX_DAYS, backfill_days
from bookflow.cli import main
from tests.conftest import AS_OF, DAY_2

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


@pytest.mark.cycle(seconds=20)
def test_backfill_rebuilds_a_past_day_in_place_and_writes_nothing_to_the_crm(two_days_workspace):
    """Day 1 again, on the warehouse the session's two synced days left (its last day is DAY_2)."""
    workspace = two_days_workspace
    location = ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    owners = "select id, owner_id, sdr_owner_c from salesforce.account order by id"
    ledger = "select * from reverse_etl.sync_ledger order by all"
    owners_before, ledger_before = _query(workspace.crm, owners), _query(workspace.warehouse, ledger)
    for table, days in _history(workspace.warehouse).items():
        assert set(days) == {AS_OF, DAY_2}, table
    day_2_rows = {table: _day_rows(workspace.warehouse, table, DAY_2) for table in HISTORY}
    # The CRM lived a day after AS_OF: a rebuilt AS_OF must not keep that day's touches, which the
    # incremental models hold now.
    latest_touch = "select max(last_touched_at) from intermediate.int_accounts_last_touched"
    assert _query(workspace.warehouse, latest_touch)[0][0].date() > AS_OF

    result = CliRunner().invoke(main, ["backfill", "--start", AS_OF.isoformat(), "--end", AS_OF.isoformat(), *location])
    assert result.exit_code == 0, result.output
    assert "1 of 1 days built" in result.output

    # The marts hold the day rebuilt, its history rows replaced the day's earlier ones (one set
    # per day, as many rows as the mart), and the later day's history is untouched.
    history = _history(workspace.warehouse)
    for table, days in history.items():
        assert set(days) == {AS_OF, DAY_2}, table
        assert days[AS_OF] == _query(workspace.warehouse, f"select count(*) from marts.{table}")[0][0], table
        assert _day_rows(workspace.warehouse, table, DAY_2) == day_2_rows[table], table
    assert _query(workspace.warehouse, "select distinct as_of from marts.coverage_daily") == [(AS_OF,)]
    # Incremental models only move forward in time: the earlier day rebuilt them in full.
    assert _query(workspace.warehouse, latest_touch)[0][0].date() <= AS_OF
    # Nothing reached the CRM, and the ledger is as the synced days left it.
    assert _query(workspace.crm, owners) == owners_before
    assert _query(workspace.warehouse, ledger) == ledger_before
    # Both slots of this warehouse's file name were built with these rules by the session's days:
    # dbt parses only what changed (orchestration/dbt_project.py keeps a state per name, slot and rules).
    dbt_log = Path(re.search(r"log: (\S+)", result.output)[1]).read_text()
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
