"""The blast-radius guard: a plan that moves too much is refused before anything is written."""

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from reverse_etl import BlastRadius, BlastRadiusExceeded, DemoCrmDestination, sync
from reverse_etl.guard import DEFAULT_MAX_BOOK_SHARE, DEFAULT_MAX_TOTAL_SHARE
from tests.test_sync_engine import GONE, JANE, JOE, POOL, make_crm, make_warehouse

# Jane and Joe own 20 accounts each; a former rep (inactive) owns 10.
BOOKS = {f"J{i:02d}": JANE for i in range(20)} | {f"O{i:02d}": JOE for i in range(20)}
BOOKS |= {f"G{i:02d}": GONE for i in range(10)} | {f"P{i:02d}": POOL for i in range(50)}


def _files(tmp_path, changes):
    crm = make_crm(tmp_path / "crm.duckdb", BOOKS)
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb", changes, BOOKS)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table marts.account_status (account_id varchar, owner_id varchar)")
        con.executemany(
            "insert into marts.account_status values (?, ?)",
            [(account, None if owner == POOL else owner) for account, owner in BOOKS.items()],
        )
    return warehouse, crm


def _state(warehouse, crm):
    with duckdb.connect(str(crm), read_only=True) as con:
        owners = con.execute("select id, owner_id from salesforce.account order by id").fetchall()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ledger = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'reverse_etl' and table_name = 'sync_ledger'"
        ).fetchone()[0]
        rows = con.execute("select count(*) from reverse_etl.sync_ledger").fetchone()[0] if ledger else 0
    return owners, rows


# Jane loses 15 of 20 (75%); Joe loses 2; the inactive rep loses everything (exempt).
PLAN = [(f"J{i:02d}", "retrieve", JANE, None) for i in range(15)]
PLAN += [(f"O{i:02d}", "retrieve", JOE, None) for i in range(2)]
PLAN += [(f"G{i:02d}", "retrieve", GONE, None) for i in range(10)]


def test_a_rep_losing_most_of_the_book_is_refused_and_nothing_written(tmp_path):
    warehouse, crm = _files(tmp_path, PLAN)
    before = _state(warehouse, crm)
    with pytest.raises(BlastRadiusExceeded) as error:
        sync(warehouse, DemoCrmDestination(crm), max_book_share=0.5, max_total_share=None)
    message = str(error.value)
    assert f"rep {JANE} would lose 15 of 20 accounts (75%" in message
    assert JOE not in message and GONE not in message
    assert "--force" in message
    # CRM owners as they were, and no row in the ledger.
    assert _state(warehouse, crm) == before

    # Nor once the ledger holds rows of earlier syncs.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.ownership_changes set change_id = 'old-' || change_id")
    sync(warehouse, DemoCrmDestination(crm), force=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.ownership_changes set change_id = replace(change_id, 'old-', 'new-')")
    with duckdb.connect(str(crm)) as con:
        con.executemany("update salesforce.account set owner_id = ? where id = ?", [(o, a) for a, o in BOOKS.items()])
    before = _state(warehouse, crm)
    with pytest.raises(BlastRadiusExceeded):
        sync(warehouse, DemoCrmDestination(crm), max_total_share=None)
    assert _state(warehouse, crm) == before and before[1] == len(PLAN)


def test_a_generous_book_share_lets_the_same_plan_through(tmp_path):
    warehouse, crm = _files(tmp_path, PLAN)
    report = sync(warehouse, DemoCrmDestination(crm), max_book_share=0.8, max_total_share=0.3)
    assert report.counts["applied"] == len(PLAN) and not report.guard_violations


def test_limits_and_shares_are_not_mixed_and_shares_are_not_negative(tmp_path):
    warehouse, crm = _files(tmp_path, PLAN)
    with pytest.raises(TypeError):
        sync(warehouse, DemoCrmDestination(crm), limits=BlastRadius(), max_book_share=0.9)
    with pytest.raises(ValueError, match="at least 0"):
        sync(warehouse, DemoCrmDestination(crm), max_total_share=-0.1)
    with pytest.raises(BlastRadiusExceeded, match=f"rep {JANE}"):
        sync(warehouse, DemoCrmDestination(crm), limits=BlastRadius(max_book_share=0.5, max_total_share=None))


def test_a_long_list_of_violations_is_cut_short_in_the_message():
    problems = [f"rep R{i} would lose 9 of 10 accounts (90%, limit 50%)" for i in range(12)]
    message = str(BlastRadiusExceeded(problems))
    assert "rep R0 " in message and "rep R4 " in message and "rep R5 " not in message
    assert "and 7 more" in message and "--force" in message


def test_too_large_a_share_of_all_accounts_is_refused(tmp_path):
    warehouse, crm = _files(tmp_path, PLAN)
    with pytest.raises(BlastRadiusExceeded, match="27 changes would touch 27% of 100 accounts"):
        sync(warehouse, DemoCrmDestination(crm), max_book_share=None, max_total_share=0.2)


def test_force_applies_the_plan(tmp_path):
    warehouse, crm = _files(tmp_path, PLAN)
    report = sync(warehouse, DemoCrmDestination(crm), force=True)
    assert report.counts["applied"] == len(PLAN)


def test_dry_run_reports_what_the_guard_would_refuse(tmp_path):
    warehouse, crm = _files(tmp_path, PLAN)
    report = sync(warehouse, DemoCrmDestination(crm), dry_run=True)
    assert report.guard_violations and JANE in report.guard_violations[0]
    assert "would refuse" in report.format_summary()

    result = CliRunner().invoke(main, ["sync", "--dry-run", "--warehouse", str(warehouse), "--crm", str(crm)])
    assert result.exit_code == 0 and "guard: rep " + JANE in result.output

    refused = CliRunner().invoke(main, ["sync", "--warehouse", str(warehouse), "--crm", str(crm)])
    assert refused.exit_code == 2 and "sync refused, nothing was written" in refused.output
    forced = CliRunner().invoke(main, ["sync", "--force", "--warehouse", str(warehouse), "--crm", str(crm)])
    assert forced.exit_code == 0, forced.output


def test_crm_destinations_name_their_missing_credentials(tmp_path, monkeypatch):
    warehouse, _ = _files(tmp_path, PLAN)
    for variable in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_LOGIN_URL", "HUBSPOT_ACCESS_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "do-not-print-me")
    result = CliRunner().invoke(main, ["sync", "--destination", "salesforce", "--warehouse", str(warehouse)])
    assert result.exit_code == 2 and "SALESFORCE_INSTANCE_URL" in result.output
    assert "do-not-print-me" not in result.output
    result = CliRunner().invoke(main, ["sync", "--destination", "hubspot", "--warehouse", str(warehouse)])
    assert result.exit_code == 2 and "HUBSPOT_ACCESS_TOKEN" in result.output


def test_run_with_a_crm_destination_and_no_credentials_stops_before_any_work(tmp_path, monkeypatch):
    for variable in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_LOGIN_URL", "HUBSPOT_ACCESS_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    warehouse = tmp_path / "warehouse.duckdb"
    for destination, variable in (("salesforce", "SALESFORCE_INSTANCE_URL"), ("hubspot", "HUBSPOT_ACCESS_TOKEN")):
        result = CliRunner().invoke(main, ["run", "--destination", destination, "--warehouse", str(warehouse)])
        assert result.exit_code == 2, result.output
        assert variable in result.output and "Traceback" not in result.output
    assert not warehouse.exists()


def test_cli_rejects_negative_shares_and_its_help_shows_the_guard_defaults():
    result = CliRunner().invoke(main, ["sync", "--max-book-share", "-1"])
    assert result.exit_code == 2 and "--max-book-share" in result.output
    help_text = " ".join(CliRunner().invoke(main, ["sync", "--help"]).output.split())
    assert f"(default {DEFAULT_MAX_BOOK_SHARE})" in help_text
    assert f"(default {DEFAULT_MAX_TOTAL_SHARE})" in help_text


def test_crm_sync_asset_turns_a_refused_sync_into_a_visible_failure(tmp_path):
    from orchestration.resources import BookflowSettings, CycleLock
    from orchestration.sync_assets import crm_sync

    warehouse, crm = _files(tmp_path, PLAN)
    settings = dict(warehouse_path=str(warehouse), rules_dir=str(tmp_path), demo_crm_path=str(crm), destination="demo")
    lock = CycleLock(warehouse_path=str(warehouse))
    result = dg.materialize(
        [crm_sync],
        resources={"bookflow": BookflowSettings(**settings, max_total_share=1.0), "cycle_lock": lock},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    description = failure.step_failure_data.user_failure_data.description
    assert "sync refused" in description and f"rep {JANE}" in description

    forced = dg.materialize(
        [crm_sync],
        resources={"bookflow": BookflowSettings(**settings, force=True), "cycle_lock": lock},
        raise_on_error=False,
    )
    assert forced.success
    (event,) = forced.get_asset_materialization_events()
    assert event.materialization.metadata["status_applied"].value == len(PLAN)
