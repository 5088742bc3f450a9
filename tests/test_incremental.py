"""Incremental daily runs give exactly what a full refresh gives, while really doing less work.

The session's two days (tests/cycles.py, two_days): day 1 ran in full and synced, the demo CRM
lived one more day (new activities and signals, a few opportunities), and day 2 ran
incrementally. A full refresh of day 2 from a copy of what day 2 started from must match it row
for row in every mart.

A user who loads the raw tables themselves (no landing time on any row) reaches the same day 2:
their day 1 plans into a CSV, they load the file into their CRM, and their CRM lives the same day.
Their incremental day 2 is held against the same full refresh, once the test has checked that
every input the models read is the same.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.contract import RAW_TABLES
from bookflow.demo_crm import add_demo_day
from bookflow.slots import warehouse_slots
from orchestration.parse_states import parse_state_path
from tests.conftest import AS_OF, DAY_2
from tests.cycles import BEFORE_DAY_2, FIRST_DAILY_TASK, MARK, SENTINEL_ID, open_opportunities

COVERAGE_MARTS = ("coverage_daily", "book_health", "capacity_gap", "returns_by_reason", "conversion_by_source")
MARTS = ("ranked_assignments", "ownership_changes", "account_status", "rep_capacity", "account_scores", "quarantine")
# What the models read of the ledger (stg_reverse_etl__applied_changes): the changes applied, to
# whichever destination, whenever.
APPLIED_CHANGES = (
    "select distinct change_id, as_of, account_id, change_type, from_owner_id, to_owner_id, crm_field "
    "from {catalog}.reverse_etl.sync_ledger where status = 'applied'"
)


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, ["run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _differences(left, right, table: str, *, schema: str = "marts", columns: str = "*") -> int:
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as a (read_only)")
        con.execute(f"attach '{right}' as b (read_only)")
        return con.execute(
            f"""
            select count(*) from (
                (select {columns} from a.{schema}."{table}" except all select {columns} from b.{schema}."{table}")
                union all
                (select {columns} from b.{schema}."{table}" except all select {columns} from a.{schema}."{table}")
            )
            """
        ).fetchone()[0]


def _load_own_raw_tables(warehouse, crm) -> None:
    """A user's own loader: a fresh copy of every raw table from `crm`, and no landing-time column."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"attach '{crm}' as crm (read_only)")
        for schema, tables in RAW_TABLES.items():
            con.execute(f"create schema if not exists {schema}")
            for table in tables:
                con.execute(f'create or replace table {schema}."{table}" as select * from crm.{schema}."{table}"')


def _load_exports_into_crm(crm: Path, exports: dict[Path, str]) -> None:
    """What the user does with the exports: loads each file (Id and one owner field) into the
    CRM's accounts, as Data Loader would."""
    with duckdb.connect(str(crm)) as con:
        for export, column in exports.items():
            field = export.read_text().splitlines()[0].split(",")[1]
            con.execute(
                f'update salesforce.account set "{column}" = updates."{field}" '
                "from read_csv(?, header = true, all_varchar = true) as updates where account.id = updates.Id",
                [str(export)],
            )


@pytest.mark.cycle(seconds=45)
def test_day_two_incremental_equals_full_refresh_with_landing_times_and_from_own_raw_tables_planned_into_a_csv(
    two_days, demo_crm_template, tmp_path, monkeypatch
):
    daily = two_days["warehouse"]  # day 2 ran incrementally on it (read only here: other tests read it)
    before = two_days["root"] / BEFORE_DAY_2
    day_two, crm_day = DAY_2, AS_OF + timedelta(days=1)
    added, marked = two_days["added"], two_days["marked"]
    assert added["salesforce.task"] > 0 and added["signals.account_signal"] > 0

    # The full refresh starts from what day 2 started from: day 1's warehouse with the marks, and
    # the CRM after its new day, before day 2 synced.
    full, crm = tmp_path / "full_refresh.duckdb", tmp_path / "demo_crm.duckdb"
    shutil.copy(before / "warehouse.duckdb", full)
    shutil.copy(before / "demo_crm.duckdb", crm)
    rules = ["--rules", str(two_days["rules"])]
    _run(
        "--as-of",
        day_two.isoformat(),
        "--crm",
        str(crm),
        "--destination",
        "none",
        *rules,
        "--warehouse",
        str(full),
        "--full-refresh",
    )
    # Each warehouse name (and each of its slots) keeps its own parse state: the
    # run on another name (the full refresh) kept its own beside the daily warehouse's.
    daily_state = parse_state_path(daily, warehouse_slots(daily)[0])
    full_state = parse_state_path(full, warehouse_slots(full)[0])
    assert full_state != daily_state and full_state.exists() and daily_state.exists()

    for table in MARTS:
        assert _differences(daily, full, table) == 0, f"marts.{table} differs"
    # The coverage marts too, with their history of both days: the marks only the daily warehouse
    # holds (an old task's id, one excluded account's last touch) change none of them.
    for table in COVERAGE_MARTS:
        for name in (table, f"{table}_history"):
            assert _differences(daily, full, name) == 0, f"marts.{name} differs"
    with duckdb.connect(str(daily), read_only=True) as con:
        # The new day's activities arrived, and the day moved on.
        assert (
            con.execute(
                "select count(*) from salesforce.task where id like '00TDn%' and id >= ?", [FIRST_DAILY_TASK]
            ).fetchone()[0]
            == added["salesforce.task"]
        )
        assert con.execute("select max(as_of) from marts.account_status").fetchone()[0] == day_two
        touched = con.execute(
            "select count(*) from intermediate.int_accounts_last_touched where cast(last_touched_at as date) = ?",
            [crm_day],
        ).fetchone()[0]
        assert touched > 0
        # Only the accounts with a new activity or a new owner were read and rewritten.
        rewritten, kept = con.execute(
            "select count(*) filter (where counted_through = ?), count(*) filter (where counted_through = ?) "
            "from intermediate.int_accounts_last_touched",
            [day_two, AS_OF],
        ).fetchone()
        reowned = con.execute(
            "select count(distinct account_id) from reverse_etl.sync_ledger where status = 'applied' and as_of < ?",
            [day_two],
        ).fetchone()[0]
        assert 0 < rewritten <= added["salesforce.task"] + reowned < kept
        # The incremental run did not rebuild: the warehouse-only marks survived it.
        assert con.execute("select count(*) from salesforce.task where id = ?", [SENTINEL_ID]).fetchone()[0]
        assert (
            con.execute(
                "select last_touched_at from intermediate.int_accounts_last_touched where account_id = ?", [marked]
            ).fetchone()[0]
            == MARK
        )
    with duckdb.connect(str(full), read_only=True) as con:
        assert not con.execute("select count(*) from salesforce.task where id = ?", [SENTINEL_ID]).fetchone()[0]
        assert (
            con.execute(
                "select last_touched_at from intermediate.int_accounts_last_touched where account_id = ?", [marked]
            ).fetchone()[0]
            != MARK
        )

    # A user loads the raw tables into a warehouse of their own from a system of their own: there
    # is no demo CRM where bookflow would look for one. Day 1 again, from the same demo CRM.
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    their_crm, their_warehouse = theirs / "their_system.duckdb", theirs / "warehouse.duckdb"
    monkeypatch.setenv(paths.DEMO_CRM_ENV, str(theirs / "demo_crm.duckdb"))
    shutil.copy(demo_crm_template, their_crm)
    _load_own_raw_tables(their_warehouse, their_crm)
    export, sdr_export = theirs / "owner_updates.csv", theirs / "owner_updates.sdr_owner_c.csv"
    day_one = ["--as-of", AS_OF.isoformat(), "--warehouse", str(their_warehouse), "--csv-path", str(export)]
    output = _run(*day_one, *rules)
    assert "source: warehouse, destination: csv" in output
    lines = export.read_text().splitlines()
    with duckdb.connect(str(their_warehouse), read_only=True) as con:
        planned = dict(con.execute("select crm_field, count(*) from marts.ownership_changes group by 1").fetchall())
    assert lines[0] == "Id,OwnerId" and len(lines) == planned["owner_id"] + 1 and planned["owner_id"] > 0
    # The BDRs' SDR field goes to a file of its own beside it.
    sdr_lines = sdr_export.read_text().splitlines()
    assert sdr_lines[0] == "Id,sdr_owner_c" and len(sdr_lines) == planned["sdr_owner_c"] + 1
    assert not (theirs / "demo_crm.duckdb").exists()

    # They load the exports into their CRM, which lives the same day as the demo CRM did: every
    # input of day 2 is then the one the full refresh read (the raw tables, but for the landing
    # times, and the changes applied).
    _load_exports_into_crm(their_crm, {export: "owner_id", sdr_export: "sdr_owner_c"})
    open_opportunities(their_crm, two_days["distributed"])
    add_demo_day(their_crm, day=crm_day, share=0.05, rules_dir=two_days["rules"])
    for schema, tables in RAW_TABLES.items():
        for table in tables:
            assert _differences(crm, their_crm, table, schema=schema) == 0, f"{schema}.{table} differs"
    with duckdb.connect() as con:
        con.execute(f"attach '{full}' as reference (read_only)")
        con.execute(f"attach '{their_warehouse}' as theirs (read_only)")
        reference, theirs_applied = (
            set(con.execute(APPLIED_CHANGES.format(catalog=catalog)).fetchall()) for catalog in ("reference", "theirs")
        )
    assert reference == theirs_applied and reference

    # With no _fivetran_synced to go by, the activity aggregate reads a window of activity dates
    # (incremental_lookback_days) after the day it last counted, plus the reowned accounts' history.
    _load_own_raw_tables(their_warehouse, their_crm)
    # --json: the summary as one object a scheduler can read.
    day_two_run = ["--as-of", day_two.isoformat(), "--warehouse", str(their_warehouse), "--destination", "none"]
    summary = json.loads(_run(*day_two_run, *rules, "--json"))

    # Three warehouses, one day's inputs, the same marts: the change ids too, so a day run again
    # without a sync in between plans the same changes, never new ones beside them.
    for table in MARTS:
        assert _differences(their_warehouse, full, table) == 0, f"marts.{table} differs without landing times"
    assert summary["success"] is True and summary["as_of"] == day_two.isoformat() and summary["errors"] == []
    assert Path(summary["log"]).exists()
    with duckdb.connect(str(their_warehouse), read_only=True) as con:
        assert summary["figures"]["scored"] == con.execute("select count(*) from marts.account_scores").fetchone()[0]
        books = {row[0] for row in con.execute("select target_book from marts.capacity_gap").fetchall()}
        assert {book["target_book"] for book in summary["books"]} == books
        assert not con.execute(
            "select count(*) from information_schema.columns where column_name = '_fivetran_synced'"
        ).fetchone()[0]
        rewritten, kept, landed = con.execute(
            "select count(*) filter (where counted_through = ?), count(*) filter (where counted_through = ?), "
            "count(landed_through) from intermediate.int_accounts_last_touched",
            [day_two, AS_OF],
        ).fetchone()
    # Day 2 read only a window: most accounts kept day 1's row, and no landing time was recorded.
    assert 0 < rewritten < kept and landed == 0


def test_each_change_that_invalidates_the_touch_counts_asks_for_a_full_refresh(planned_cycle, tmp_path):
    """The touch counts are topped up from the last run's, unless what they were counted with has
    changed: read on the session's planned day 1, for the next day and for an earlier one."""
    from orchestration.allocation_assets import full_refresh_reason

    warehouse = planned_cycle / "warehouse.duckdb"
    rules = tmp_path / "rules"
    shutil.copytree(planned_cycle / "rules", rules)
    next_day = AS_OF + timedelta(days=1)
    assert full_refresh_reason(warehouse, rules, next_day) is None
    assert full_refresh_reason(warehouse, rules, AS_OF - timedelta(days=1)) == (
        f"the last run was for {AS_OF}, later than {AS_OF - timedelta(days=1)}"
    )
    for name, old, new, reason in (
        ("settings.csv", "pool_owner_id,005Dn00000000EXIAY,", "pool_owner_id,005Dn0000000085IAA,", "the pool user"),
        ("settings.csv", "sdr_owner_column,sdr_owner_c,", "sdr_owner_column,bdr_owner_c,", "the SDR owner column"),
        ("activity_types.csv", "Email,true,", "Email,false,", "activity_types.csv changed"),
    ):
        rules_file = rules / name
        kept = rules_file.read_text()
        assert old in kept
        rules_file.write_text(kept.replace(old, new))
        assert full_refresh_reason(warehouse, rules, next_day).startswith(reason), name
        rules_file.write_text(kept)
    assert full_refresh_reason(warehouse, rules, next_day) is None
