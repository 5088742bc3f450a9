"""Input that looks broken stops the run before anything is written, and says why.

Typed input: values that do not convert are quarantined row by row, naming the column and the
value. Volume guards: a raw table that shrank since the last good run, or a quarantined share
over the limit, stops the run (exit 3) until --accept-volume-change. References: a pool user or
roster rep the CRM does not have stops the run before the build. Waiting for another run's lock
is visible and ends (exit 75). State lives per warehouse file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
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


DIRTY = ("001Dn0000000001IAA", "001Dn0000000002IAA", "001Dn0000000003IAA")
# The accounts of the bad return and the bad signal: their rows name them.
NAMED = ("001Dn0000000004IAA", "001Dn0000000005IAA")


def _dirty(crm) -> tuple[list[str], str]:
    """Dirty the CRM as loaders do; the six accounts with text employee counts and the task with
    a date that is not one."""
    with duckdb.connect(str(crm)) as con:
        # Rows no loader can fix: a null or unknown owner, a duplicate id, an unknown return
        # reason or signal type.
        con.execute("update salesforce.account set owner_id = null where id = ?", [DIRTY[0]])
        con.execute("update salesforce.account set owner_id = '005NOBODY000000001' where id = ?", [DIRTY[1]])
        con.execute("insert into salesforce.account select * from salesforce.account where id = ?", [DIRTY[2]])
        con.execute(
            "insert into salesforce.book_return_c values ('a00BAD', ?, '005Dn0000000001IAA', 'bored', now(), false)",
            [NAMED[0]],
        )
        con.execute("insert into signals.account_signal values (?, 'horoscope', now(), 0.5)", [NAMED[1]])
        # Six clean accounts: live, one row per id, owned by a CRM user.
        accounts = [
            row[0]
            for row in con.execute(
                """
                select id from salesforce.account
                where not is_deleted and owner_id in (select id from salesforce.user)
                    and list_position(?, id) is null
                group by id having count(*) = 1 order by id limit 6
                """,
                [list(NAMED)],
            ).fetchall()
        ]
        # A loader that lands text: the spellings, and one clean value of each kind.
        con.execute("alter table salesforce.account alter number_of_employees type varchar")
        for account, value in zip(accounts, ["n/a", "1,200", "", " 42 ", "1200.0", "12,00"], strict=True):
            con.execute("update salesforce.account set number_of_employees = ? where id = ?", [value, account])
        con.execute("alter table salesforce.task alter activity_date type varchar")
        bad_task = con.execute("select min(id) from salesforce.task").fetchone()[0]
        con.execute("update salesforce.task set activity_date = 'last tuesday' where id = ?", [bad_task])
        con.execute("alter table salesforce.opportunity alter is_closed type varchar")
        con.execute(
            "update salesforce.opportunity set is_closed = case when is_closed = 'true' then 'yes' else 'no' end"
        )
        # A rep who left: an inactive CRM user, reported after the run, not an error.
        con.execute("update salesforce.user set is_active = false where id = '005Dn0000000003IAA'")
    return accounts, bad_task


def _check_dirty_rows_held(workspace, output: str, accounts: list[str], bad_task: str) -> None:
    """Each dirty row is in marts.quarantine with its reason and nowhere else; values that
    convert were read."""
    held = {
        (table, record): reason
        for table, record, reason in _query(
            workspace.warehouse, "select source_table, record_id, reason from marts.quarantine"
        )
    }
    assert held[("salesforce.account", DIRTY[0])] == "null owner_id"
    assert held[("salesforce.account", DIRTY[1])] == "unknown owner_id 005NOBODY000000001"
    assert held[("salesforce.account", DIRTY[2])] == "duplicate account id"
    assert held[("salesforce.book_return_c", "a00BAD")] == "unknown return reason bored"
    assert held[("signals.account_signal", NAMED[1])] == "unknown signal_type horoscope"
    in_marts = "select count(*) from marts.{} where list_position(?, account_id) is not null"
    assert [
        _query(workspace.warehouse, in_marts.format(mart), [DIRTY]) for mart in ("account_status", "ownership_changes")
    ] == [[(0,)], [(0,)]]
    assert held[("salesforce.account", accounts[0])] == "number_of_employees 'n/a' is not a whole number"
    assert held[("salesforce.account", accounts[5])] == "number_of_employees '12,00' is not a whole number"
    assert held[("salesforce.task", bad_task)].startswith("activity_date 'last tuesday' is not a timestamp")
    employees = dict(
        _query(
            workspace.warehouse,
            "select account_id, employee_count from staging.stg_salesforce__accounts where account_id in (?, ?, ?, ?)",
            accounts[1:5],
        )
    )
    assert employees == {accounts[1]: 1200, accounts[2]: None, accounts[3]: 42, accounts[4]: 1200}
    scored = {row[0] for row in _query(workspace.warehouse, "select account_id from marts.account_scores")}
    assert accounts[0] not in scored and accounts[5] not in scored and accounts[1] in scored
    # 'yes'/'no' read as booleans: the open opportunities still convert their accounts.
    assert _query(workspace.warehouse, "select count(*) from marts.account_status where status = 'converted'")[0][0] > 0
    assert re.search(r"note: reps gone \(inactive in the CRM.*005Dn0000000003IAA", output)


@pytest.mark.cycle(seconds=45)
def test_a_shrunken_table_or_a_quarantined_share_stops_the_run_until_accepted_and_dirty_rows_wait_in_quarantine(
    planned_workspace,
):
    """The run accepted after the shrink also reads a dirty CRM (rows no loader can fix, a loader
    that lands text): each dirty row waits in quarantine with its reason, the rest goes on."""
    workspace = planned_workspace  # day 1 ran and planned its changes
    marts_before = _query(workspace.warehouse, "select * from marts.ownership_changes order by all")
    live = "select count(*) from salesforce.task where not is_deleted"
    tasks_before = _query(workspace.warehouse, live)[0][0]
    with duckdb.connect(str(workspace.crm)) as con:
        con.execute("delete from salesforce.task where hash(id) % 2 = 0")
        tasks_left = con.execute(live).fetchone()[0]

    day_two = AS_OF + timedelta(days=1)
    stopped = _run(workspace, as_of=day_two)
    assert stopped.exit_code == 3, stopped.output
    assert re.search(
        rf"salesforce\.task: rows fell from {tasks_before:,} to {tasks_left:,} \(\d+% less", stopped.output
    )
    assert "--accept-volume-change" in stopped.output
    # Nothing landed: the extract's transaction was rolled back, and the marts are day 1's.
    assert _query(workspace.warehouse, live)[0][0] == tasks_before
    assert _query(workspace.warehouse, "select * from marts.ownership_changes order by all") == marts_before

    # A limit in settings.csv is honoured (and the command line's overrides it).
    settings = workspace.rules / "settings.csv"
    settings.write_text(settings.read_text() + "max_volume_drop,0.9,accept a large drop\n")
    accounts, bad_task = _dirty(workspace.crm)
    accepted = _run(workspace, "--max-quarantine-share", "0.05", as_of=day_two)
    assert accepted.exit_code == 0, accepted.output
    _check_dirty_rows_held(workspace, accepted.output, accounts, bad_task)
    assert _query(workspace.warehouse, live)[0][0] == tasks_left
    # Touches that are gone from the CRM are not kept: the activity aggregate was rebuilt in full.
    assert _query(
        workspace.warehouse,
        "select count(*) from intermediate.int_accounts_last_touched where counted_through <> ?",
        [day_two],
    ) == [(0,)]

    # A tenth of the accounts lose their owner: the models hold them back, and the marts stay.
    # The activity dates are still text: the extract tops activities up by their dates all the same.
    with duckdb.connect(str(workspace.crm)) as con:
        con.execute("update salesforce.account set owner_id = null where hash(id) % 10 = 0")
    marts_before = _query(workspace.warehouse, "select * from marts.account_status order by all")
    stopped = _run(workspace, as_of=day_two + timedelta(days=1))
    assert stopped.exit_code == 3, stopped.output
    assert re.search(r"account rows \(\d+\.\d%\) are held in quarantine, over the limit of 5%", stopped.output)
    assert re.search(r"null owner_id: \d+ rows", stopped.output)
    assert _query(workspace.warehouse, "select * from marts.account_status order by all") == marts_before


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
