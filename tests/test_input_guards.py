"""Input that looks broken stops the run before anything is written, and says why.

Stale sources: raw tables someone else loads that have not landed for too long stop the run.
References: a pool user or roster rep the CRM does not have stops the run before the build.
Waiting for another run's lock is visible and ends (exit 75). State lives per warehouse file.
The volume guards (a raw table that shrank, a quarantined share over the limit) and typed input
quarantined row by row are checked with the other runs that must leave the marts as they were,
in test_atomic_runs.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import duckdb
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.crm.salesforce.ids import record_id
from reverse_etl.duckdb_files import DEFAULT_CYCLE_LOCK_TIMEOUT_S, cycle_lock
from tests.conftest import AS_OF, told


def _run(workspace, *extra: str, as_of=AS_OF):
    args = ["run", "--as-of", as_of.isoformat(), "--warehouse", str(workspace.warehouse)]
    return CliRunner().invoke(main, [*args, "--crm", str(workspace.crm), "--destination", "none", *extra])


def _query(path, sql, params=()):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_stale_sources_stop_a_run_on_raw_tables_someone_else_loads(workspace):
    from bookflow.contract import RAW_TABLES

    stale = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=10)
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.execute(f"attach '{workspace.crm}' as crm (read_only)")
        for schema, tables in RAW_TABLES.items():
            con.execute(f"create schema {schema}")
            for table in tables:
                con.execute(
                    f'create table {schema}."{table}" as select *, ?::timestamp as _fivetran_synced '
                    f'from crm.{schema}."{table}"',
                    [stale if table == "task" else datetime.now(UTC).replace(tzinfo=None)],
                )
    result = _run(workspace, "--source", "warehouse")
    assert result.exit_code == 3, result.output
    assert re.search(r"salesforce\.task last landed 10\.0 days ago \(an error after 7\.0 days\)", result.output)
    assert not _query(
        workspace.warehouse, "select count(*) from information_schema.schemata where schema_name = 'marts'"
    )[0][0]


def test_users_the_rules_name_are_checked_before_the_build(workspace):
    nobody, typo = record_id("005", 900_001), record_id("005", 900_002)
    settings = workspace.rules / "settings.csv"
    settings.write_text(settings.read_text().replace("005Dn00000000EXIAY", nobody))
    # A typing mistake in the roster (rep_availability.csv names the rep the same way).
    for name in ("reps.csv", "rep_availability.csv"):
        rules_file = workspace.rules / name
        if rules_file.exists():
            rules_file.write_text(rules_file.read_text().replace("005Dn0000000002IAA", typo))

    result = _run(workspace)
    assert result.exit_code == 1
    said = told(result)
    assert f"settings.csv: pool_owner_id {nobody} is not a user in salesforce.user" in said
    assert f"reps.csv line 3: rep_id {typo} (Ben Carter) is not a user in salesforce.user" in said
    # Checked inside the extract's transaction: nothing landed.
    assert (
        not workspace.warehouse.exists()
        or not _query(
            workspace.warehouse, "select count(*) from information_schema.tables where table_schema = 'salesforce'"
        )[0][0]
    )


def test_a_run_waiting_for_another_says_whose_lock_and_gives_up(workspace):
    with cycle_lock(workspace.warehouse) as held:
        assert held
        result = _run(workspace, "--lock-timeout", "1")
    assert result.exit_code == 75, result.output
    assert re.search(
        rf"waiting for the cycle lock on {re.escape(str(workspace.warehouse))} held by pid \d+ since 20", result.output
    )
    assert "gave up after 1s waiting for the cycle lock" in result.output
    # The help's default is the lock's own (not imported there, to keep `--help` quick).
    help_text = " ".join(CliRunner().invoke(main, ["run", "--help"]).output.split())
    assert f"[default: {DEFAULT_CYCLE_LOCK_TIMEOUT_S};" in help_text


def test_state_lives_per_warehouse_file(tmp_path, monkeypatch):
    for name in (paths.INBOUND_ENV, paths.PUBLISH_ENV):
        monkeypatch.delenv(name, raising=False)
    first, second = tmp_path / "daily.duckdb", tmp_path / "what_if.duckdb"
    for place in (paths.inbound_store_path, paths.publish_dir):
        assert place(first) != place(second)
        assert place(first).parent == place(second).parent == tmp_path
    assert paths.inbound_store_path(first) == tmp_path / "daily_inbound.duckdb"
    assert paths.publish_dir(second) == tmp_path / "what_if_publish"
