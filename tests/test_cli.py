"""The `bookflow` command as a user runs it: help, a full run, a dry-run sync, reruns."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from tests.conftest import AS_OF
from tests.publication import start_reader, versions


def _query(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_help_lists_the_commands():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "run", "sync", "bench", "extract", "bench-extract"):
        assert command in result.output
    run_help = CliRunner().invoke(main, ["run", "--help"]).output
    for flag in ("--as-of", "--warehouse", "--rules"):
        assert flag in run_help
    assert "--dry-run" in CliRunner().invoke(main, ["sync", "--help"]).output
    version = CliRunner().invoke(main, ["--version"])
    assert version.exit_code == 0 and version.output.strip() == f"bookflow {importlib.metadata.version('bookflow')}"


def test_an_unexpected_error_is_one_line_and_the_trace_comes_with_verbose(monkeypatch, tmp_path):
    import bookflow.cycle

    def broken(**_kwargs):
        raise RuntimeError("the warehouse file is not a DuckDB database\nsecond line of detail")

    monkeypatch.setattr(bookflow.cycle, "run_cycle", broken)
    args = ["run", "--warehouse", str(tmp_path / "w.duckdb"), "--destination", "none"]
    quiet = CliRunner().invoke(main, args)
    assert quiet.exit_code == 1
    assert quiet.output.splitlines() == [
        "bookflow: RuntimeError: the warehouse file is not a DuckDB database",
        "  (run the command again with -v for the stack trace)",
    ]
    verbose = CliRunner().invoke(main, [*args, "-v"])
    assert verbose.exit_code == 1
    assert "Traceback (most recent call last)" in verbose.output and "raise RuntimeError" in verbose.output


def test_the_console_script_keeps_exit_codes_output_and_exit_handlers():
    """The script ends without tearing the interpreter down (bookflow.cli.entry_point): it must
    still end with each command's code, print all it wrote, wait for threads and run the exit
    handlers."""
    script = (
        "import atexit, sys, threading, time; from bookflow import cli; "
        "atexit.register(lambda: print('exit handler ran', flush=True)); "
        "threading.Thread(target=lambda: (time.sleep(0.5), print('thread finished', flush=True))).start(); "
        "sys.argv = ['bookflow', *sys.argv[1:]]; cli.entry_point()"
    )

    def bookflow(*args):
        return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120)

    helped = bookflow("--help")
    assert helped.returncode == 0, helped.stderr
    assert "Commands:" in helped.stdout
    # A thread still working when the command returns is waited for, then the exit handlers run.
    assert helped.stdout.rstrip().endswith("thread finished\nexit handler ran")
    wrong = bookflow("run", "--no-such-option")
    assert wrong.returncode == 2
    assert "No such option" in wrong.stderr
    assert "exit handler ran" in wrong.stdout


def test_run_prints_a_summary_and_syncs_to_the_demo_crm(first_cycle):
    # The session's first synced cycle: its output, warehouse, demo CRM and Dagster instance.
    output = (first_cycle / "run_output.txt").read_text()
    warehouse, crm_file, dagster_home = (
        first_cycle / name for name in ("warehouse.duckdb", "demo_crm.duckdb", "dagster_home")
    )
    # Quiet: the summary, not dbt's log; dbt's log is in the file the summary names.
    assert "of 157" not in output and "Running with dbt" not in output
    assert len(output.splitlines()) < 30
    log_path = Path(re.search(r"log: (\S+)", output)[1])
    assert "Running with dbt" in log_path.read_text() and log_path.parent == first_cycle / "warehouse_logs"
    # Each target book says why its deal stopped where it did.
    books = dict(_query(warehouse, "select target_book, ready_pool - open_slots from marts.capacity_gap"))
    for book in books:
        assert re.search(rf"^    {book} .*(slot|ready|matched)", output, re.MULTILINE), book
    for words in (
        "accounts scored",
        "pool",
        "retrieved",
        "returned",
        "distributed",
        "over capacity",
        str(warehouse),
        str(paths.publish_dir(warehouse) / "bookflow.duckdb"),
    ):
        assert words in output

    changes = dict(_query(warehouse, "select change_type, count(*) from marts.ownership_changes group by 1"))
    assert changes.get("distribute", 0) > 0 and changes.get("retrieve", 0) > 0 and changes.get("return", 0) > 0
    # Every change reached the CRM: the field it writes (the owner, or the BDRs' SDR field) now
    # holds the change's target.
    planned = _query(warehouse, "select account_id, crm_field, to_crm_owner_id from marts.ownership_changes")
    crm = {
        (account, field): holder
        for account, owner, sdr in _query(crm_file, "select id, owner_id, sdr_owner_c from salesforce.account")
        for field, holder in (("owner_id", owner), ("sdr_owner_c", sdr))
    }
    assert {field for _, field, _ in planned} == {"owner_id", "sdr_owner_c"}
    assert all(crm[(account, field)] == holder for account, field, holder in planned)
    applied = _query(warehouse, "select count(*) from reverse_etl.sync_ledger where status = 'applied'")[0][0]
    assert applied == len(planned)

    # The run is in the test's own persistent Dagster instance, as the UI would show it.
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    [record] = instance.get_run_records()
    assert record.dagster_run.job_name == "allocation_cycle"
    assert record.dagster_run.tags["bookflow/as_of"] == AS_OF.isoformat()
    assert instance.get_latest_materialization_event(dg.AssetKey(["marts", "account_status"])) is not None
    assert (dagster_home / "dagster.yaml").read_text() == (paths.REPO_ROOT / "deploy" / "dagster.yaml").read_text()


def test_dry_run_sync_prints_changes_and_writes_nothing(planned_workspace):
    workspace = planned_workspace
    owners_before = _query(workspace.crm, "select id, owner_id from salesforce.account order by all")

    result = CliRunner().invoke(
        main, ["sync", "--dry-run", "--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    )
    assert result.exit_code == 0, result.output
    planned = _query(workspace.warehouse, "select count(*) from marts.ownership_changes")[0][0]
    assert f"{planned} pending ownership changes" in result.output
    assert "distribute" in result.output
    assert _query(workspace.crm, "select id, owner_id from salesforce.account order by all") == owners_before
    assert _query(workspace.warehouse, "select count(*) from reverse_etl.sync_ledger")[0][0] == 0


@pytest.mark.cycle(seconds=25)
def test_rerun_same_day_emits_no_new_changes_sees_new_owners_and_leaves_readers_their_copy(
    cycled_workspace, dagster_home
):
    workspace = cycled_workspace  # its first run dealt and synced
    # Deals from the pool first (the explanation checked below is a pool deal's, not a handoff's).
    dealt = _query(
        workspace.warehouse,
        "select account_id, crm_field, rep_id from marts.ranked_assignments "
        "order by deal_kind <> 'distribute', account_id, crm_field",
    )
    assert dealt

    _explain_a_dealt_account(workspace, dealt)

    # A BI tool holds the published copy open through the rerun: it neither blocks the run nor
    # loses its version, and the next reader sees the new one.
    publish_dir = paths.publish_dir(workspace.warehouse)
    reader, before = start_reader(publish_dir)
    try:
        assert before[1] == before[3] == AS_OF.isoformat(), before
        second = CliRunner().invoke(main, ["run", *workspace.cli_args()])
        assert second.exit_code == 0, second.output
        # BOOKFLOW_RECORD_RUNS=0 (tests/conftest.py), as --no-record: the run left the instance alone.
        assert not any(dagster_home.iterdir())
        reader.stdin.write("again\n")
        reader.stdin.flush()
        still = reader.stdout.readline().split()
        assert reader.wait(timeout=60) == 0, reader.stderr.read()
        assert still == before
    finally:
        reader.kill()
    new_reader, after = start_reader(publish_dir)
    new_reader.kill()
    assert after[0] != before[0] and after[1] == after[3] == AS_OF.isoformat()
    assert len(versions(publish_dir)) == 2
    # Its owner history now holds the change the CRM received.
    account, rep = next((account, rep) for account, field, rep in dealt if field == "owner_id")
    again = CliRunner().invoke(main, ["explain", account, "--warehouse", str(workspace.warehouse)])
    assert f"{AS_OF.isoformat()} distribute pool -> {rep}" in again.output
    assert _query(workspace.warehouse, "select count(*) from marts.ownership_changes")[0][0] == 0
    # The rerun read the synced owners back from the CRM: dealt accounts are in their new rep's
    # book, in the field the deal wrote (the CRM owner, or a BDR's SDR field).
    status = {
        (account, field): owner
        for account, field, owner in _query(
            workspace.warehouse, "select account_id, crm_field, owner_id from marts.account_status"
        )
    }
    assert all(status[(account, field)] == rep for account, field, rep in dealt)
    ledger_rows = _query(
        workspace.warehouse, "select count(*), count(distinct change_id) from reverse_etl.sync_ledger"
    )[0]
    assert ledger_rows[0] == ledger_rows[1]


def _explain_a_dealt_account(workspace, dealt) -> None:
    """`bookflow explain` prints the mart's row: status, scores and parts, rank and round, the rule."""
    from reverse_etl.duckdb_files import cycle_lock

    # One row per account (account_status's CRM-owner rows), and the deal as ranked_assignments has it.
    assert _query(workspace.warehouse, "select count(*) from marts.account_explanations") == _query(
        workspace.warehouse, "select count(*) from marts.account_status where crm_field = 'owner_id'"
    )
    mismatched = _query(
        workspace.warehouse,
        """
        select count(*) from marts.ranked_assignments as dealt
        left join marts.account_explanations as explained using (account_id)
        where dealt.crm_field = 'owner_id' and (
            explained.dealt_to_rep_id is distinct from dealt.rep_id
            or explained.pool_rank is distinct from dealt.pool_rank
            or explained.deal_round is distinct from dealt.deal_round
            or explained.change_type is distinct from dealt.deal_kind
        )
        """,
    )
    assert mismatched == [(0,)]
    account, rep = next((account, rep) for account, field, rep in dealt if field == "owner_id")
    [(rank, deal_round, reason, fit, industry_points)] = _query(
        workspace.warehouse,
        f"select pool_rank, deal_round, change_reason, fit_score, industry_points from marts.account_explanations "
        f"where account_id = '{account}'",
    )
    result = CliRunner().invoke(main, ["explain", account, "--warehouse", str(workspace.warehouse)])
    assert result.exit_code == 0, result.output
    assert f"account {account} on {AS_OF.isoformat()} (from {workspace.warehouse})" in result.output
    assert "in the pool and ready: fit " in result.output
    assert re.search(rf"fit +{fit:g} = industry .+? {industry_points:g} \+ employees", result.output)
    assert f"pool rank {rank} in " in result.output and f"dealt in round {deal_round} to {rep}" in result.output
    assert f"this run    distribute to {rep}: {reason}" in result.output

    # While a cycle holds the warehouse, the published copy answers.
    with cycle_lock(workspace.warehouse):
        published = CliRunner().invoke(main, ["explain", account, "--warehouse", str(workspace.warehouse)])
    assert published.exit_code == 0
    assert f"(from {paths.publish_dir(workspace.warehouse) / 'bookflow.duckdb'})" in published.output

    [(held,)] = _query(
        workspace.warehouse, "select min(record_id) from marts.quarantine where source_table = 'salesforce.account'"
    )
    quarantined = CliRunner().invoke(main, ["explain", held, "--warehouse", str(workspace.warehouse)])
    assert quarantined.exit_code == 1 and "is held in marts.quarantine: " in quarantined.output
    other_day = CliRunner().invoke(main, ["explain", account, "--as-of", "2026-01-01"])
    assert other_day.exit_code == 1 and "bookflow backfill --start 2026-01-01" in other_day.output
