"""Shared fixtures: a small demo CRM generated once, copied into each test's own folder.

Every test gets its own warehouse and CRM files through the BOOKFLOW_* env vars, and its own
Dagster instance through DAGSTER_HOME, so tests never touch data/ and can run in any order.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from bookflow import paths
from bookflow.cli.options import RECORD_RUNS_ENV
from tests.cycles import (  # noqa: F401 (fixtures and the suite's day, for every test)
    ALWAYS_AT_WORK,
    AS_OF,
    DAY_2,
    WINDOW_DAYS,
    cycled_workspace,
    first_cycle,
    planned_cycle,
    planned_workspace,
    two_days,
    two_days_workspace,
)
from tests.extract_org import demo_org_file, org  # noqa: F401 (the local CRM's demo org, for the extract's tests)

DEMO_ACCOUNTS = 1500

# dbt writes each call's log file at debug level by default: every statement and connection, a
# few MB and about a second of CPU a cycle. No test reads it (a run's failures and the backfill's
# parse are read from bookflow's own log); at info level it still holds every node's result and
# error. Set for the session's processes, worlds and the processes they start alike.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist names each test's group
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first (those that run whole cycles of their own, the first reader of each
    world, which makes it, and those marked long for other reasons), the longest first, each
    world's other readers right behind its first; then the rest in file order. Each world's
    readers are one group that one worker runs (pytest-xdist's loadgroup).

    pytest-xdist hands out the tests in this order, a test or a group at a time, to whichever
    worker has at most two left to run (--dist loadgroup in pyproject.toml): a long test left near
    the end would hold up the end of the suite on one worker while the other sits idle. A world's
    readers must not start on both workers at once, or one waits for the other's making: with
    worksteal, where an idle worker takes the tail half of the other's queue, a reader stolen
    while its maker ran waited 15-32 s for its world in four of eight CI runs."""

    def world(item: pytest.Item) -> str | None:
        marker = item.get_closest_marker("world")
        return marker.args[0] if marker else None

    def seconds(item: pytest.Item) -> float:
        markers = [item.get_closest_marker(name) for name in ("cycle", "long", "world")]
        return max((marker.kwargs.get("seconds", 1) for marker in markers if marker), default=0)

    makers: dict[str, pytest.Item] = {}
    for item in items:
        if world(item) is not None:
            makers.setdefault(world(item), item)
            item.add_marker(pytest.mark.xdist_group(world(item)))
    readers: dict[str, list[pytest.Item]] = {}
    for item in items:
        if world(item) is not None and makers[world(item)] is not item:
            readers.setdefault(world(item), []).append(item)
    long_tests = [item for item in items if seconds(item) and item not in readers.get(world(item), ())]
    ordered = []
    for item in sorted(long_tests, key=seconds, reverse=True):  # stable: equal seconds keep file order
        ordered += [item, *readers.get(world(item), [])]
    items[:] = ordered + [item for item in items if not seconds(item)]


@dataclass
class Workspace:
    root: Path
    crm: Path
    warehouse: Path
    rules: Path

    @classmethod
    def in_folder(cls, root: Path) -> Workspace:
        """The workspace laid out as every test's and world's is: root/demo_crm.duckdb,
        root/warehouse.duckdb, root/rules."""
        return cls(root=root, crm=root / "demo_crm.duckdb", warehouse=root / "warehouse.duckdb", rules=root / "rules")

    def cli_args(self) -> list[str]:
        return ["--as-of", AS_OF.isoformat(), "--warehouse", str(self.warehouse), "--crm", str(self.crm)]


# Dagster's SQLite instance commits (and syncs to disk) once per event, some 800 per cycle: with
# two workers building warehouses beside each other, those syncs cost a cycle more than its dbt
# build. On a RAM disk they cost nothing; the instance is the same, and it lives as long as its test.
RAM_DISK = Path("/dev/shm")
RAM_DISK_FREE_BYTES = 2 * 1024**3


def _ram_disk() -> Path | None:
    if not RAM_DISK.is_dir() or not os.access(RAM_DISK, os.W_OK):
        return None
    return RAM_DISK if shutil.disk_usage(RAM_DISK).free >= RAM_DISK_FREE_BYTES else None


@pytest.fixture(autouse=True)
def dagster_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test records its runs in its own Dagster instance, never the project's data/dagster/:
    on the RAM disk where there is one with room, else in the test's temporary folder."""
    ram_disk = _ram_disk()
    if ram_disk is None:
        home = tmp_path_factory.mktemp("dagster_home")
    else:
        home = Path(tempfile.mkdtemp(prefix="bookflow-test-dagster-", dir=ram_disk))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    # The cycles the tests run record nothing (`bookflow run --no-record`): each would pay some 800
    # SQLite writes, several seconds of CPU, for an instance nobody reads. The session's first
    # cycle records into its own (tests/cycles.py), and its tests read the runs, materializations
    # and check results there.
    monkeypatch.setenv(RECORD_RUNS_ENV, "0")
    yield home
    if ram_disk is not None:
        shutil.rmtree(home, ignore_errors=True)


def run_day(workspace: Workspace, day: date, *extra: str) -> str:
    """`bookflow run` for `day` on the workspace's warehouse, CRM and rules; its output (asserts success)."""
    from click.testing import CliRunner

    from bookflow.cli import main

    command = ["run", "--as-of", day.isoformat(), "--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    result = CliRunner().invoke(main, [*command, "--rules", str(workspace.rules), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def staged_who_ids(warehouse: Path, tmp_path: Path, crm: str, *activity_ids: str) -> dict[str, list[str | None]]:
    """The who_id values of each activity in its CRM's staging model, built by dbt on the warehouse
    (that model alone: the raw tables are the extract's)."""
    from dbt.cli.main import dbtRunner

    from orchestration.dbt_project import dbt_environment

    model = f"stg_{crm}__activities"
    with dbt_environment(str(warehouse), str(paths.BUNDLED_RULES_DIR), crm=crm) as project:
        result = dbtRunner().invoke(
            ["run", "--project-dir", str(project), "--profiles-dir", str(paths.DBT_PROJECT_DIR), "--quiet", "--target-path",
             str(tmp_path / "dbt_target"), "--select", model]
        )  # fmt: skip
    assert result.success, result.exception
    # Not read-only: dbt-duckdb keeps this process's connection to the file open.
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(
            f"select activity_id, who_id from staging.{model} where activity_id in (select unnest(?)) "
            "order by activity_id, who_id",
            [list(activity_ids)],
        ).fetchall()
    staged: dict[str, list[str | None]] = {}
    for activity_id, who_id in rows:
        staged.setdefault(activity_id, []).append(who_id)
    return staged


@pytest.fixture(scope="session")
def demo_crm_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bookflow.demo_crm import generate_demo_crm

    path = tmp_path_factory.mktemp("demo") / "demo_crm.duckdb"
    generate_demo_crm(path, accounts=DEMO_ACCOUNTS, seed=7, as_of=AS_OF)
    return path


@pytest.fixture
def empty_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """Own warehouse and rules (a copy of the bundled ones) and a CRM path with nothing there yet."""
    space = Workspace.in_folder(tmp_path)
    shutil.copytree(paths.BUNDLED_RULES_DIR, space.rules)
    monkeypatch.setenv(paths.WAREHOUSE_ENV, str(space.warehouse))
    monkeypatch.setenv(paths.DEMO_CRM_ENV, str(space.crm))
    monkeypatch.setenv(paths.RULES_ENV, str(space.rules))
    return space


@pytest.fixture
def workspace(empty_workspace: Workspace, demo_crm_template: Path) -> Workspace:
    """empty_workspace with a copy of the small demo CRM."""
    shutil.copy(demo_crm_template, empty_workspace.crm)
    return empty_workspace


# -- a local HTTPS CRM (bookflow/local_crm/) for the reverse-ETL destinations --------------------

CRM_USERS = {"005JANE00000000YDA": True, "005JOE000000000YBA": True, "005GONE00000000YDA": False}


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from bookflow.local_crm import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def crm(certificate):
    from bookflow.local_crm import CrmServer

    with CrmServer(*certificate) as server:
        server.users = dict(CRM_USERS)
        server.hubspot_owners = {"101", "102"}
        yield server


def trust_salesforce(patch: pytest.MonkeyPatch, server, certificate) -> None:  # noqa: ANN001 (a CrmServer)
    """The local Salesforce's credentials in the SALESFORCE_* variables, its certificate trusted."""
    patch.setenv("SALESFORCE_INSTANCE_URL", server.url)
    patch.setenv("SALESFORCE_CLIENT_ID", server.client_id)
    patch.setenv("SALESFORCE_CLIENT_SECRET", server.client_secret)
    patch.setenv("BOOKFLOW_CA_BUNDLE", str(certificate[0]))


@pytest.fixture
def salesforce_env(crm, certificate, monkeypatch):
    """The local Salesforce, its credentials set (trust_salesforce)."""
    trust_salesforce(monkeypatch, crm, certificate)
    return crm


def told(result) -> str:  # noqa: ANN001 (a click.testing.Result)
    """What a `bookflow run` said: its summary, and the log file whose path it prints (a failure
    shows its first lines on the terminal, the rest in the log)."""
    logs = [
        line.split("log: ", 1)[1].strip() for line in result.output.splitlines() if line.strip().startswith("log: ")
    ]
    return result.output + "".join(Path(log).read_text() for log in logs if Path(log).exists())


def query(path: Path, sql: str, params=()) -> list[tuple]:
    """The rows of a query on a DuckDB file, opened read-only for the query alone."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()
