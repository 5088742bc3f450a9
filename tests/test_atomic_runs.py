"""A run changes every mart or none: failures and refusals leave the last good run in place.

Day 1 has run (the session's planned cycle); then runs for day 2 fail in three ways (a model
that fails mid-build, a rule check that fails and must not reach the CRM, the `bookflow run`
process killed with SIGKILL mid-build) and are refused by a volume guard (a raw table that
shrank since the last good run, exit 3 until accepted), and every mart must be as it was, row
for row. Then the run accepted after the shrink, on a CRM dirtied as loaders dirty it and with
another pool user, moves all of them to day 2 together: each dirty row waits in quarantine with
its reason, and the touch counts are rebuilt in full. Last, a quarantined share over the limit
refuses day 3 after its build.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.slots import current_relation, warehouse_slots
from tests.conftest import AS_OF, query, told
from tests.dirty_crm import DIRTY, NAMED, check_dirty_rows_held, dirty

DAY_TWO = AS_OF + timedelta(days=1)
POOL_USER, OTHER_POOL_USER = "005Dn00000000EXIAY", "005Dn0000000085IAA"
MARK = datetime(2000, 1, 1)


def _run(workspace, *extra: str, as_of=DAY_TWO, destination="none"):
    location = ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    return CliRunner().invoke(
        main, ["run", "--as-of", as_of.isoformat(), *location, "--destination", destination, *extra]
    )


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every relation of schema marts, all its rows in order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {name: con.execute(f'select * from marts."{name}" order by all').fetchall() for name in names}


def _days(warehouse: Path) -> dict[str, object]:
    """The latest as_of of every mart that has one."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.columns "
                "where table_schema = 'marts' and column_name = 'as_of' order by 1"
            ).fetchall()
        ]
        return {name: con.execute(f'select max(as_of) from marts."{name}"').fetchone()[0] for name in names}


def _break_hand_raise_inbox(workspace) -> None:
    """A hand raise whose time is not a time: it lands with the store's other hand raises, and
    int_account_signals_checked, among the first models built, fails on it; dbt skips what
    depends on it, nearly every other model."""
    account = query(workspace.crm, "select min(id) from salesforce.account")[0][0]
    store = paths.inbound_store_path(workspace.warehouse)
    with duckdb.connect(str(store)) as con:
        con.execute("alter table inbound.hand_raise_inbox rename to inbox_kept")
        con.execute(
            "create table inbound.hand_raise_inbox as "
            "select * replace (cast(occurred_at as varchar) as occurred_at) from inbound.inbox_kept"
        )
        con.execute(
            "insert into inbound.hand_raise_inbox (hand_raise_id, source, account_id, signal_type, occurred_at, "
            "received_at, strength) values ('broken', 'test', ?, 'demo_request', 'soon', now(), 1)",
            [account],
        )


def _mend_hand_raise_inbox(workspace) -> None:
    store = paths.inbound_store_path(workspace.warehouse)
    with duckdb.connect(str(store)) as con:
        con.execute("drop table inbound.hand_raise_inbox")
        con.execute("alter table inbound.inbox_kept rename to hand_raise_inbox")


def _kill_mid_build(workspace) -> None:
    """Start `bookflow run` as its own process and SIGKILL it once dbt has started building marts."""
    env = {**os.environ, paths.RULES_ENV: str(workspace.rules)}
    command = [str(Path(sys.executable).parent / "bookflow"), "run", "--as-of", DAY_TWO.isoformat()]
    command += ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm), "--destination", "none"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # dbt writes a model's SQL under run/ in its own target folder (DBT_TARGET_PATH, set by
        # dagster-dbt) as it starts building it: quarantine is one of the first marts, built while
        # the rest of the marts are still to come.
        deadline = time.time() + 240
        while time.time() < deadline and process.poll() is None:
            building = [
                target
                for target in map(_target_path, _children(process.pid))
                if target
                and (target / "run" / "bookflow" / "models" / "marts" / "allocation" / "quarantine.sql").exists()
            ]
            if building:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be killed mid-build"
        builders = _children(process.pid)
        assert builders, "dbt runs as a child of the run"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    # dbt ends with the run that started it (orchestration/dbt_command.py): it does not build on
    # into a slot no one will make current, holding the warehouse file.
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(pid) for pid in builders):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in builders)


def _target_path(pid: int) -> Path | None:
    """The dbt target folder of a process, from its environment."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    found = [entry.split(b"=", 1)[1] for entry in environ if entry.startswith(b"DBT_TARGET_PATH=")]
    return Path(found[0].decode()) if found else None


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.cycle(seconds=80)
def test_failed_and_refused_runs_leave_every_mart_as_it_was_and_the_accepted_run_moves_them_all(planned_workspace):
    workspace = planned_workspace  # day 1 ran and planned its changes
    before, days_before, slots_before = _marts(workspace.warehouse), _days(workspace.warehouse), None
    slots_before = warehouse_slots(workspace.warehouse)
    assert len(before) >= 16 and set(days_before.values()) == {AS_OF}

    # 1. A model fails early in the build: dbt has built some of the slot's models and skips the
    # rest. The landed hand raise that fails it reaches no mart: none is a view over landed tables.
    _break_hand_raise_inbox(workspace)
    failed = _run(workspace)
    assert failed.exit_code == 1
    assert "int_account_signals_checked" in told(failed)
    assert _marts(workspace.warehouse) == before
    assert warehouse_slots(workspace.warehouse) == slots_before
    _mend_hand_raise_inbox(workspace)

    # 2. A rule check fails: the models are all built, the marts still do not change, and nothing
    # reaches the CRM. Negative fit points pass the CSV checks but push fit scores below 0, which
    # the `value_between` check on account_scores.fit_score refuses.
    industries = workspace.rules / "fit_industries.csv"
    kept_rules = industries.read_text()
    industries.write_text(kept_rules.replace("Government,0", "Government,-50"))
    owners = "select id, owner_id, sdr_owner_c from salesforce.account order by all"
    with duckdb.connect(str(workspace.crm), read_only=True) as con:
        owners_before = con.execute(owners).fetchall()
    failed = _run(workspace, destination="demo")
    assert failed.exit_code == 1
    assert "check failed: value_between_account_scores_fit_score" in told(failed)
    # Edited rules re-parse the seeds they change, not the project: dbt starts from the parse
    # the failed run above kept for this slot (orchestration/rules_projects.py).
    assert "Running with dbt" in told(failed) and "Unable to do partial parsing" not in told(failed)
    assert _marts(workspace.warehouse) == before
    with duckdb.connect(str(workspace.crm), read_only=True) as con:
        assert con.execute(owners).fetchall() == owners_before
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from reverse_etl.sync_ledger").fetchone()[0] == 0
    industries.write_text(kept_rules)

    # 3. The run is killed outright while dbt builds; dbt dies with it and lets go of the warehouse.
    _kill_mid_build(workspace)
    assert _marts(workspace.warehouse) == before
    assert _days(workspace.warehouse) == days_before

    # 4. Half the tasks are gone from the CRM: the volume guard stops the run before it lands
    # anything (the extract's transaction is rolled back) and says how to go on.
    live = "select count(*) from salesforce.task where not is_deleted"
    tasks_before = query(workspace.warehouse, live)[0][0]
    with duckdb.connect(str(workspace.crm)) as con:
        con.execute("delete from salesforce.task where hash(id) % 2 = 0")
        tasks_left = con.execute(live).fetchone()[0]
    stopped = _run(workspace)
    assert stopped.exit_code == 3, stopped.output
    assert re.search(
        rf"salesforce\.task: rows fell from {tasks_before:,} to {tasks_left:,} \(\d+% less", stopped.output
    )
    assert "--accept-volume-change" in stopped.output
    assert query(workspace.warehouse, live)[0][0] == tasks_before
    assert _marts(workspace.warehouse) == before

    # 5. Accepted (a limit in settings.csv is honoured, and the command line's overrides it), on a
    # dirty CRM (rows no loader can fix, a loader that lands text) and with another pool user: a
    # good run moves every mart to day 2 at once, and the history keeps day 1. A mark only the
    # warehouse holds on the touch counts must go: touches gone from the CRM are not kept, and
    # which owners' touches count depends on the pool user (test_incremental.py checks that each
    # of the two alone asks for the rebuild).
    settings = workspace.rules / "settings.csv"
    settings.write_text(
        settings.read_text().replace(POOL_USER, OTHER_POOL_USER) + "max_volume_drop,0.9,accept a large drop\n"
    )
    accounts, bad_task = dirty(workspace.crm)
    with duckdb.connect(str(workspace.warehouse)) as con:
        # An account the dirty rows leave alone (theirs are held back from the models).
        marked = con.execute(
            "select account_id from intermediate.int_accounts_last_touched "
            "where list_position(?, account_id) is null order by account_id limit 1",
            [[*DIRTY, *NAMED, *accounts]],
        ).fetchone()[0]
        con.execute(
            f"update {current_relation(con, 'intermediate', 'int_accounts_last_touched')} "
            "set last_touched_at = ? where account_id = ?",
            [MARK, marked],
        )
    accepted = _run(workspace, "--max-quarantine-share", "0.05")
    assert accepted.exit_code == 0, accepted.output
    check_dirty_rows_held(workspace, accepted.output, accounts, bad_task)
    assert query(workspace.warehouse, live)[0][0] == tasks_left
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        touched = con.execute(
            "select last_touched_at from intermediate.int_accounts_last_touched where account_id = ?", [marked]
        ).fetchone()[0]
        by_pool_owner = con.execute(
            "select count(last_touched_by_owner_at) from intermediate.int_accounts_last_touched where owner_id = ?",
            [OTHER_POOL_USER],
        ).fetchone()[0]
        not_today = con.execute(
            "select count(*) from intermediate.int_accounts_last_touched where counted_through <> ?", [DAY_TWO]
        ).fetchone()[0]
    assert touched != MARK and by_pool_owner == 0 and not_today == 0
    assert set(_days(workspace.warehouse).values()) == {DAY_TWO}
    assert warehouse_slots(workspace.warehouse) == (slots_before[1], slots_before[0])
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute("select count(distinct as_of) from marts.coverage_daily_history").fetchone()[0] == 2
        assert con.execute("select as_of, slot from runs.current_slot").fetchone() == (DAY_TWO, slots_before[1])

    # 6. A tenth of the accounts lose their owner: the models hold them back, and the build's
    # quarantined share, over the limit, keeps day 2's marts. The activity dates are still text:
    # the extract tops activities up by their dates all the same.
    with duckdb.connect(str(workspace.crm)) as con:
        con.execute("update salesforce.account set owner_id = null where hash(id) % 10 = 0")
    day_two_marts = _marts(workspace.warehouse)
    stopped = _run(workspace, as_of=DAY_TWO + timedelta(days=1))
    assert stopped.exit_code == 3, stopped.output
    assert re.search(r"account rows \(\d+\.\d%\) are held in quarantine, over the limit of 5%", stopped.output)
    assert re.search(r"null owner_id: \d+ rows", stopped.output)
    assert _marts(workspace.warehouse) == day_two_marts
