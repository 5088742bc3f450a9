"""Shared fixtures: a small demo CRM generated once, copied into each test's own folder.

Every test gets its own warehouse and CRM files through the BOOKFLOW_* env vars, and its own
Dagster instance through DAGSTER_HOME, so tests never touch data/ and can run in any order.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from bookflow import paths

AS_OF = date(2026, 6, 1)
DEMO_ACCOUNTS = 1500
# two_days: its second day, and the conversion window its rules set.
DAY_2 = AS_OF + timedelta(days=2)
WINDOW_DAYS = 1


@dataclass
class Workspace:
    root: Path
    crm: Path
    warehouse: Path
    rules: Path

    def cli_args(self) -> list[str]:
        return ["--as-of", AS_OF.isoformat(), "--warehouse", str(self.warehouse), "--crm", str(self.crm)]


@pytest.fixture(autouse=True)
def dagster_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test records its runs in its own Dagster instance, never the project's data/dagster/."""
    home = tmp_path_factory.mktemp("dagster_home")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


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
    project = str(paths.DBT_PROJECT_DIR)
    with dbt_environment(str(warehouse), str(paths.BUNDLED_RULES_DIR), crm=crm):
        result = dbtRunner().invoke(
            ["run", "--project-dir", project, "--profiles-dir", project, "--quiet", "--target-path",
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
    crm = tmp_path / "demo_crm.duckdb"
    rules = tmp_path / "rules"
    shutil.copytree(paths.BUNDLED_RULES_DIR, rules)
    space = Workspace(root=tmp_path, crm=crm, warehouse=tmp_path / "warehouse.duckdb", rules=rules)
    monkeypatch.setenv(paths.WAREHOUSE_ENV, str(space.warehouse))
    monkeypatch.setenv(paths.DEMO_CRM_ENV, str(space.crm))
    monkeypatch.setenv(paths.RULES_ENV, str(space.rules))
    return space


@pytest.fixture
def workspace(empty_workspace: Workspace, demo_crm_template: Path) -> Workspace:
    """empty_workspace with a copy of the small demo CRM."""
    shutil.copy(demo_crm_template, empty_workspace.crm)
    return empty_workspace


# Every rep takes hand raises at any hour: inbound tests run at any time of day.
ALWAYS_AT_WORK = "rep_id,time_zone,work_days,work_start,work_end,unavailable_until\n"
# What a daily cycle leaves beside its warehouse (the marts' publication is a folder).
CYCLE_FILES = ("warehouse.duckdb", "demo_crm.duckdb", "warehouse_inbound.duckdb")


def _cycle_once(root: Path, demo_crm_template: Path, *extra: str) -> Path:
    """`bookflow run` at AS_OF in `root` on a copy of the small demo, every rep always at work.

    The run records itself in root/dagster_home and its output in root/run_output.txt, so tests
    that only read what a run did read it here instead of running one of their own.
    """
    from click.testing import CliRunner

    from bookflow.cli import main

    shutil.copytree(paths.BUNDLED_RULES_DIR, root / "rules")
    (root / "rules" / "rep_availability.csv").write_text(ALWAYS_AT_WORK)
    shutil.copy(demo_crm_template, root / "demo_crm.duckdb")
    (root / "dagster_home").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(paths.RULES_ENV, str(root / "rules"))
        patch.setenv(paths.WAREHOUSE_ENV, str(root / "warehouse.duckdb"))
        patch.setenv(paths.DEMO_CRM_ENV, str(root / "demo_crm.duckdb"))
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        patch.delenv(paths.INBOUND_ENV, raising=False)
        patch.delenv(paths.PUBLISH_ENV, raising=False)
        args = ["--as-of", AS_OF.isoformat(), "--warehouse", str(root / "warehouse.duckdb")]
        result = CliRunner().invoke(main, ["run", *args, "--crm", str(root / "demo_crm.duckdb"), "--force", *extra])
    assert result.exit_code == 0, result.output
    (root / "run_output.txt").write_text(result.output)
    return root


@pytest.fixture(scope="session")
def first_cycle(tmp_path_factory: pytest.TempPathFactory, demo_crm_template: Path) -> Path:
    """A folder with the small demo after one synced `bookflow run` at AS_OF; made once."""
    return _cycle_once(tmp_path_factory.mktemp("first_cycle"), demo_crm_template)


@pytest.fixture(scope="session")
def planned_cycle(tmp_path_factory: pytest.TempPathFactory, demo_crm_template: Path) -> Path:
    """A folder with the small demo after one `bookflow run --destination none` at AS_OF: its
    changes are planned, none is written to the CRM; made once."""
    return _cycle_once(tmp_path_factory.mktemp("planned_cycle"), demo_crm_template, "--destination", "none")


def _copy_cycle(cycle: Path, workspace: Workspace) -> Workspace:
    """The workspace as `cycle` left its folder.

    The published marts' views read the cycle's Parquet files by their absolute paths; they
    are the same files, and nothing writes them.
    """
    (workspace.rules / "rep_availability.csv").write_text(ALWAYS_AT_WORK)
    for name in CYCLE_FILES:
        for left in (cycle / name, cycle / f"{name}.wal"):
            if left.exists():
                shutil.copy(left, workspace.root / left.name)
    shutil.copytree(
        paths.publish_dir(cycle / "warehouse.duckdb"), paths.publish_dir(workspace.warehouse), symlinks=True
    )
    return workspace


@pytest.fixture
def cycled_workspace(workspace: Workspace, first_cycle: Path) -> Workspace:
    """workspace after one synced daily cycle at AS_OF with every rep always at work."""
    return _copy_cycle(first_cycle, workspace)


@pytest.fixture
def planned_workspace(workspace: Workspace, planned_cycle: Path) -> Workspace:
    """workspace after one daily cycle at AS_OF that planned its changes and wrote none."""
    return _copy_cycle(planned_cycle, workspace)


@pytest.fixture(scope="session")
def two_days(tmp_path_factory: pytest.TempPathFactory, demo_crm_template: Path) -> dict:
    """Two days run through the CLI on one demo CRM, made once: day 1 distributes and syncs (the
    sync ledger then holds applied distributions), opportunities are then created in the CRM on a
    few distributed accounts, and day 2 (two days later) measures. The conversion window is set to
    1 day in the rules so that both a counted and a too-late opportunity exist."""
    import duckdb
    from click.testing import CliRunner

    from bookflow.cli import main

    root = tmp_path_factory.mktemp("coverage")
    crm, warehouse, rules = root / "demo_crm.duckdb", root / "warehouse.duckdb", root / "rules"
    shutil.copy(demo_crm_template, crm)
    shutil.copytree(paths.BUNDLED_RULES_DIR, rules)
    settings = (
        (rules / "settings.csv")
        .read_text()
        .replace("conversion_window_days,90,", f"conversion_window_days,{WINDOW_DAYS},")
    )
    (rules / "settings.csv").write_text(settings)
    args = ["--warehouse", str(warehouse), "--crm", str(crm), "--rules", str(rules)]
    (root / "dagster_home").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(paths.RULES_ENV, str(rules))
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        patch.delenv(paths.PUBLISH_ENV, raising=False)
        first = CliRunner().invoke(main, ["run", "--as-of", AS_OF.isoformat(), *args])
        assert first.exit_code == 0, first.output
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
        # A rep opens opportunities: three on the day after distribution (inside the window), one
        # two days after (outside it).
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
        second = CliRunner().invoke(main, ["run", "--as-of", DAY_2.isoformat(), *args])
        assert second.exit_code == 0, second.output
    return {
        "root": root,
        "warehouse": warehouse,
        "rules": rules,
        "distributed": distributed,
        "day_1_coverage": day_1_coverage,
    }


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


@pytest.fixture
def salesforce_env(crm, certificate, monkeypatch):
    """The local Salesforce's credentials in the SALESFORCE_* variables, its certificate trusted."""
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", crm.url)
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", crm.client_id)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", crm.client_secret)
    monkeypatch.setenv("BOOKFLOW_CA_BUNDLE", str(certificate[0]))
    return crm


def told(result) -> str:  # noqa: ANN001 (a click.testing.Result)
    """What a `bookflow run` said: its summary, and the log file whose path it prints (a failure
    shows its first lines on the terminal, the rest in the log)."""
    logs = [
        line.split("log: ", 1)[1].strip() for line in result.output.splitlines() if line.strip().startswith("log: ")
    ]
    return result.output + "".join(Path(log).read_text() for log in logs if Path(log).exists())
