"""`bookflow backfill` builds the marts for past days without syncing, one set of history rows per day."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.demo_crm import add_demo_day
from tests.conftest import AS_OF

HISTORY = ("coverage_daily", "book_health", "capacity_gap", "returns_by_reason", "conversion_by_source")


def _query(path, sql, params=None):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _history(warehouse):
    return {
        table: dict(_query(warehouse, f"select as_of, count(*) from marts.{table}_history group by 1"))
        for table in HISTORY
    }


@pytest.mark.cycle(seconds=45)
def test_backfill_builds_each_day_once_and_writes_nothing_to_the_crm(workspace):
    start = AS_OF - timedelta(days=1)
    # Reps worked on the last day too: its touches are what a rebuilt earlier day must not keep.
    add_demo_day(workspace.crm, day=AS_OF, share=0.05, rules_dir=workspace.rules)
    owners_before = _query(workspace.crm, "select id, owner_id from salesforce.account order by id")
    location = ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]

    result = CliRunner().invoke(main, ["backfill", "--start", start.isoformat(), "--end", AS_OF.isoformat(), *location])
    assert result.exit_code == 0, result.output
    assert "2 of 2 days built" in result.output

    history = _history(workspace.warehouse)
    for table, days in history.items():
        assert set(days) == {start, AS_OF}, table
        # The mart holds the last day built; its history row set for that day is the same.
        assert days[AS_OF] == _query(workspace.warehouse, f"select count(*) from marts.{table}")[0][0]
    # Each day is judged on what was known that day: the 30-day window moves with it.
    worked = dict(
        _query(workspace.warehouse, "select as_of, sum(worked_30d) from marts.coverage_daily_history group by 1")
    )
    assert worked[start] != worked[AS_OF] or history["coverage_daily"][start] != history["coverage_daily"][AS_OF]
    assert _query(workspace.crm, "select id, owner_id from salesforce.account order by id") == owners_before
    assert _query(workspace.warehouse, "select count(*) from reverse_etl.sync_ledger")[0][0] == 0

    # Rebuilding a day replaces its rows. Incremental models only move forward in time: the
    # earlier day rebuilds them in full instead of keeping the later day's touches.
    latest_touch = "select max(last_touched_at) from intermediate.int_accounts_last_touched"
    assert _query(workspace.warehouse, latest_touch)[0][0].date() > start
    again = CliRunner().invoke(main, ["backfill", "--start", start.isoformat(), "--end", start.isoformat(), *location])
    assert again.exit_code == 0, again.output
    # The third cycle on this warehouse, and both slots have been built once: dbt parses only what
    # changed (each warehouse and slot keeps its own parse state; orchestration/dbt_project.py).
    dbt_log = Path(re.search(r"log: (\S+)", again.output)[1]).read_text()
    assert "Running with dbt" in dbt_log and "Unable to do partial parsing" not in dbt_log
    assert _history(workspace.warehouse) == history
    as_of = _query(workspace.warehouse, "select distinct as_of from marts.coverage_daily")
    assert as_of == [(start,)]
    assert _query(workspace.warehouse, latest_touch)[0][0].date() <= start


def test_backfill_rejects_an_empty_range(workspace):
    result = CliRunner().invoke(
        main, ["backfill", "--start", AS_OF.isoformat(), "--end", (AS_OF - timedelta(days=1)).isoformat()]
    )
    assert result.exit_code == 2
    assert "before --start" in result.output
