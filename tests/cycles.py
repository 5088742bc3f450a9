"""The suite's day, and the cycles run on it once per test session for many tests to read.

A whole cycle costs about 20 seconds of dbt; most tests only need to read what one did, or to go
on from its day 1. Each cycle here is made once for the whole session: with pytest-xdist the first
worker to ask makes it while the others wait for it, then every worker reads the same files
(tests that change them work on a copy: cycled_workspace, planned_workspace). Scenarios that
need a world of their own make it the same way (made_once, world_environment) in a session
fixture of their module.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bookflow import paths
from bookflow.cli.options import RECORD_RUNS_ENV
from bookflow.crm.salesforce.ids import record_id

if TYPE_CHECKING:  # conftest imports this module
    from tests.conftest import Workspace

AS_OF = date(2026, 6, 1)
# two_days: its second day. The session's cycles set a conversion window of one day, so that two
# days later both a counted and a too-late opportunity exist.
DAY_2 = AS_OF + timedelta(days=2)
WINDOW_DAYS = 1


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder `make` fills, made once for the session whatever the number of workers."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, which its workers share
    root = base / name
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (root / ".made").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            make(root)
            (root / ".made").touch()
    return root


# Every rep takes hand raises at any hour: inbound tests run at any time of day.
ALWAYS_AT_WORK = "rep_id,time_zone,work_days,work_start,work_end,unavailable_until\n"
# What a daily cycle leaves beside its warehouse (the marts' publication is a folder).
CYCLE_FILES = ("warehouse.duckdb", "demo_crm.duckdb", "warehouse_inbound.duckdb")


# What _cycle_once saw of the cycle lock while its run went on: JSON lines {"at": time.time(), "free": bool}.
LOCK_PROBES = "lock_probes.jsonl"


@contextmanager
def _lock_probed(warehouse: Path, probes: Path) -> Iterator[None]:
    """Ask for the warehouse's cycle lock without waiting every 20 ms while the body runs, as
    routing's early report does between hand raises, and once more after it; write every answer
    to `probes`. A probe holds a free lock for a few microseconds: a run that asks in that
    instant waits 0.2 s and says so, as it would beside a router."""
    from reverse_etl.duckdb_files import cycle_lock

    answers: list[tuple[float, bool]] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            with cycle_lock(warehouse, wait=False) as free:
                answers.append((time.time(), free))
            done.wait(0.02)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    try:
        yield
    finally:
        done.set()
        prober.join()
        with cycle_lock(warehouse, wait=False) as free:
            answers.append((time.time(), free))
        probes.write_text("".join(json.dumps({"at": at, "free": free}) + "\n" for at, free in answers))


def write_suite_rules(rules: Path) -> None:
    """The bundled rules in `rules`, every rep always at work and a conversion window of WINDOW_DAYS."""
    shutil.copytree(paths.BUNDLED_RULES_DIR, rules)
    (rules / "rep_availability.csv").write_text(ALWAYS_AT_WORK)
    settings = (rules / "settings.csv").read_text()
    assert "conversion_window_days,90," in settings
    (rules / "settings.csv").write_text(
        settings.replace("conversion_window_days,90,", f"conversion_window_days,{WINDOW_DAYS},")
    )


@contextmanager
def world_environment(root: Path, *, record: bool = False) -> Iterator[None]:
    """What a session's world runs `bookflow` with: its own rules (root/rules, or the bundled
    ones), warehouse, demo CRM and Dagster instance under `root`, whatever the test that first
    asked for it had set. Only the first cycle's runs are recorded (its tests read the
    instance); the others record nothing."""
    (root / "dagster_home").mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        if (root / "rules").is_dir():
            patch.setenv(paths.RULES_ENV, str(root / "rules"))
        else:  # the bundled rules
            patch.delenv(paths.RULES_ENV, raising=False)
        patch.setenv(paths.WAREHOUSE_ENV, str(root / "warehouse.duckdb"))
        patch.setenv(paths.DEMO_CRM_ENV, str(root / "demo_crm.duckdb"))
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        patch.setenv(RECORD_RUNS_ENV, "1" if record else "0")
        patch.delenv(paths.INBOUND_ENV, raising=False)
        patch.delenv(paths.PUBLISH_ENV, raising=False)
        yield


def _cycle_once(root: Path, demo_crm_template: Path) -> None:
    """`bookflow run` at AS_OF in `root` on a copy of the small demo with the suite's rules.

    The run records itself in root/dagster_home and its output in root/run_output.txt, so tests
    that only read what a run did read it here instead of running one of their own; what a
    router asking for the cycle lock meanwhile got is in root/LOCK_PROBES.
    """
    from click.testing import CliRunner

    from bookflow.cli import main

    write_suite_rules(root / "rules")
    shutil.copy(demo_crm_template, root / "demo_crm.duckdb")
    with world_environment(root, record=True):  # its tests read what the instance recorded
        args = ["--as-of", AS_OF.isoformat(), "--warehouse", str(root / "warehouse.duckdb")]
        with _lock_probed(root / "warehouse.duckdb", root / LOCK_PROBES):
            result = CliRunner().invoke(main, ["run", *args, "--crm", str(root / "demo_crm.duckdb"), "--force"])
    assert result.exit_code == 0, result.output
    (root / "run_output.txt").write_text(result.output)


@pytest.fixture(scope="session")
def first_cycle(tmp_path_factory: pytest.TempPathFactory, demo_crm_template: Path) -> Path:
    """A folder with the small demo after one synced `bookflow run` at AS_OF; made once."""
    return made_once(tmp_path_factory, "first_cycle", lambda root: _cycle_once(root, demo_crm_template))


@pytest.fixture(scope="session")
def planned_cycle(tmp_path_factory: pytest.TempPathFactory, demo_crm_template: Path, first_cycle: Path) -> Path:
    """A folder with the small demo as `bookflow run --destination none` at AS_OF leaves it: its
    changes are planned, none is written to the CRM; made once, from the first cycle without a
    run of its own (_unsynced)."""
    return made_once(tmp_path_factory, "planned_cycle", lambda root: _unsynced(first_cycle, root, demo_crm_template))


def _unsynced(cycle: Path, root: Path, demo_crm_template: Path) -> None:
    """`cycle`'s folder as it stood before its sync: the CRM it started from, and its warehouse
    without the ledger rows the sync wrote. The sync writes nothing else to either (the marts
    are built before it and never read the destination), so this is what the same run with
    `--destination none` leaves, load times aside: its changes are pending."""
    import duckdb

    from tests.conftest import Workspace

    space = copy_cycle(cycle, Workspace.in_folder(root))
    shutil.copy(demo_crm_template, space.crm)
    with duckdb.connect(str(space.warehouse)) as con:
        con.execute("delete from reverse_etl.sync_ledger")


def copy_cycle_files(source: Path, folder: Path) -> None:
    """The files a daily cycle leaves in `source` (CYCLE_FILES, and their write-ahead logs), copied into `folder`."""
    for name in CYCLE_FILES:
        for left in (source / name, source / f"{name}.wal"):
            if left.exists():
                shutil.copy(left, folder / left.name)


def copy_cycle(cycle: Path, workspace: Workspace) -> Workspace:
    """The workspace as `cycle` left its folder, with the rules it ran.

    The published marts' views read the cycle's Parquet files by their absolute paths; they
    are the same files, and nothing writes them.
    """
    shutil.copytree(cycle / "rules", workspace.rules, dirs_exist_ok=True)
    copy_cycle_files(cycle, workspace.root)
    shutil.copytree(
        paths.publish_dir(cycle / "warehouse.duckdb"), paths.publish_dir(workspace.warehouse), symlinks=True
    )
    return workspace


@pytest.fixture
def cycled_workspace(workspace: Workspace, first_cycle: Path) -> Workspace:
    """workspace after one synced daily cycle at AS_OF with every rep always at work."""
    return copy_cycle(first_cycle, workspace)


@pytest.fixture
def planned_workspace(workspace: Workspace, planned_cycle: Path) -> Workspace:
    """workspace after one daily cycle at AS_OF that planned its changes and wrote none."""
    return copy_cycle(planned_cycle, workspace)


@pytest.fixture
def two_days_workspace(workspace: Workspace, two_days: dict) -> Workspace:
    """workspace after the session's two synced days (two_days), the last on DAY_2."""
    return copy_cycle(two_days["root"], workspace)


@pytest.fixture(scope="session")
def two_days(tmp_path_factory: pytest.TempPathFactory, first_cycle: Path) -> dict:
    """Two synced days on one demo CRM, made once: day 1 is the session's first cycle (it
    distributed and synced, so the sync ledger holds applied distributions), opportunities are
    then created in the CRM on a few distributed accounts, the CRM lives one more day (new
    activities and signals), and day 2 (two days after day 1) measures and deals again,
    incrementally. With the rules' conversion window of 1 day, both a counted and a too-late
    opportunity exist.

    Day 2 starts from marks only the warehouse holds (`_mark_for_day_2`), and the warehouse and
    CRM it started from are kept in BEFORE_DAY_2, for the incremental test's full refresh."""
    root = made_once(tmp_path_factory, "two_days", lambda root: _two_days(root, first_cycle))
    made = pickle.loads((root / "two_days.pickle").read_bytes())
    return {"root": root, "warehouse": root / "warehouse.duckdb", "rules": root / "rules", **made}


BEFORE_DAY_2 = "before_day_2"
# Day 2's marks: an old task's id in the warehouse, and this last touch of one account.
SENTINEL_ID = "00TSENTINEL0000001"
MARK = datetime(2000, 1, 1)
# add_demo_day numbers its tasks yyyymmdd * 10^6 + k: every one sorts after this id.
FIRST_DAILY_TASK = record_id("00T", 20000101 * 1_000_000)


def open_opportunities(crm: Path, distributed: list[str]) -> None:
    """A rep opens opportunities on the first four distributed accounts: three on the day after
    distribution (inside the window), one two days after (outside it)."""
    import duckdb

    with duckdb.connect(str(crm)) as con:
        for number, (account_id, days_after) in enumerate(zip(distributed[:4], (1, 1, 1, 2), strict=True)):
            con.execute(
                "insert into salesforce.opportunity by name "
                "select ? as id, ? as account_id, owner_id, 'Discovery' as stage_name, false as is_closed, "
                "false as is_won, ? as created_date, null as close_date, false as is_deleted "
                "from salesforce.account where id = ?",
                [
                    f"006TEST{number:011d}",
                    account_id,
                    datetime.combine(AS_OF + timedelta(days=days_after), datetime.min.time()),
                    account_id,
                ],
            )


def _mark_for_day_2(warehouse: Path, crm: Path) -> str:
    """Marks that only the warehouse holds, outside every incremental window and unable to change
    any mart: an incremental run keeps them, a full refresh rebuilds without them. The extract's
    mark is an old task's id (the row count stays the CRM's, or the extract would copy the table
    whole: a count that differs means rows gone before the window). The marked account (returned)
    is owned outside dynamic books (its owner never changes, and it is no one's NBTAM), was last
    touched long before any coverage window and gets nothing on the CRM's new day."""
    import duckdb

    from bookflow.demo_crm import STATIC_USERS
    from bookflow.slots import current_relation

    with duckdb.connect(str(crm), read_only=True) as con:
        new_day_accounts = [
            row[0]
            for row in con.execute(
                "select account_id from salesforce.task where id like '00TDn%' and id >= ?", [FIRST_DAILY_TASK]
            ).fetchall()
        ]
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update salesforce.task set id = ? where id = (select min(id) from salesforce.task where activity_date < ?)",
            [SENTINEL_ID, AS_OF - timedelta(days=60)],
        )
        marked = con.execute(
            """
            select account_id
            from marts.account_status
            inner join intermediate.int_accounts_last_touched using (account_id)
            where status = 'excluded' and account_status.owner_id in (select unnest(?))
                and last_touched_at < ? and list_position(?, account_id) is null
            order by account_id limit 1
            """,
            [[user_id for user_id, _ in STATIC_USERS], AS_OF - timedelta(days=20), new_day_accounts],
        ).fetchone()[0]
        con.execute(
            f"update {current_relation(con, 'intermediate', 'int_accounts_last_touched')} "
            "set last_touched_at = ? where account_id = ?",
            [MARK, marked],
        )
    return marked


def _two_days(root: Path, first_cycle: Path) -> None:
    import duckdb
    from click.testing import CliRunner

    from bookflow.cli import main
    from bookflow.demo_crm import add_demo_day
    from tests.conftest import Workspace

    space = copy_cycle(first_cycle, Workspace.in_folder(root))
    crm, warehouse, rules = space.crm, space.warehouse, space.rules
    args = ["--warehouse", str(warehouse), "--crm", str(crm), "--rules", str(rules)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        distributed = [
            row[0]
            for row in con.execute(
                # Entries into the books of the CRM owner field (conversion_by_source follows those).
                "select account_id from marts.ownership_changes "
                "where change_type = 'distribute' and crm_field = 'owner_id' order by account_id"
            ).fetchall()
        ]
        day_1_coverage = con.execute("select * from marts.coverage_daily order by target_book, tier").fetchall()
    open_opportunities(crm, distributed)
    # The CRM lives on: new activities and signals make accounts ready for day 2's deal.
    added = add_demo_day(crm, day=AS_OF + timedelta(days=1), share=0.05, rules_dir=rules)
    marked = _mark_for_day_2(warehouse, crm)
    (root / BEFORE_DAY_2).mkdir()
    copy_cycle_files(root, root / BEFORE_DAY_2)
    with world_environment(root):
        second = CliRunner().invoke(main, ["run", "--as-of", DAY_2.isoformat(), *args])
        assert second.exit_code == 0, second.output
    made = {"distributed": distributed, "day_1_coverage": day_1_coverage, "added": added, "marked": marked}
    (root / "two_days.pickle").write_bytes(pickle.dumps(made))
