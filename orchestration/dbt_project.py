"""The dbt project as Dagster sees it. Kept alone so every module shares one cached instance."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from dagster_dbt import DbtProject

from bookflow import paths
from bookflow.contract import raw_tables
from bookflow.guards import Freshness
from bookflow.slots import SLOT_ENV
from orchestration.dbt_command import PARENT_PID_ENV, RULES_PROJECT_ENV
from orchestration.parse_states import PARTIAL_PARSE_FILE
from orchestration.rules_projects import rules_project

AS_OF_ENV = "BOOKFLOW_AS_OF"
CRM_ENV = "BOOKFLOW_CRM"
# Unit tests check the SQL's logic on fixed rows, not the day's data: `bookflow build` runs them
# (CI, on DuckDB and Postgres: tests/test_portability.py); a daily run would only pay their
# start-up again. So do the key tests tagged build_only: those of views and copies of millions of
# accounts whose key a daily test on account_status already proves (their YAML says which);
# Dagster shows them as no check (translator.py).
BUILD_ONLY_TAG = "build_only"
DAILY_BUILD_EXCLUDES = ("test_type:unit", f"tag:{BUILD_ONLY_TAG}")


def daily_build_args(*excludes: str) -> list[str]:
    """The daily cycle's `dbt build`: every model and data test (the rules of engagement), no
    unit tests, and nothing of `excludes` (dbt selectors).

    One value, the selectors space-separated (their union): dbt's command line reads a second
    value after --exclude as a stray argument in the Dagster asset's call."""
    return ["build", "--exclude", " ".join((*DAILY_BUILD_EXCLUDES, *excludes))]


@contextmanager
def dbt_environment(
    warehouse: str | None = None,
    rules_dir: str | None = None,
    as_of: date | None = None,
    crm: str | None = None,
    slot: str | None = None,
) -> Iterator[Path]:
    """Point dbt at a warehouse, rules directory, day, CRM and slot for the duration of a dbt call;
    yields the dbt project folder of these rules (orchestration/rules_projects.py) for dbt's
    --project-dir.

    dbt reads them from env vars (profiles.yml, macros/as_of.sql, macros/crm.sql,
    macros/generate_schema_name.sql); dagster-dbt passes the process environment to its dbt
    subprocess, so they are set here and restored afterwards, and `bookflow-dbt` runs dbt in the
    rules' project. The day is an env var rather than `--vars` because dbt re-parses the whole
    project whenever its vars change, which a daily run would pay every day. Without a slot, dbt
    builds the plain schemas (bookflow/slots.py).
    """
    project = rules_project(rules_dir)
    wanted = {
        paths.WAREHOUSE_ENV: warehouse or str(paths.warehouse_path()),
        RULES_PROJECT_ENV: str(project),
        # dbt_project.yml's seed path for dbt by hand; a rules project holds its rules there.
        "BOOKFLOW_DBT_SEED_PATH": "seeds",
        AS_OF_ENV: as_of.isoformat() if as_of else "",
        # Whose raw tables the staging layer reads (macros/crm.sql).
        CRM_ENV: crm or os.environ.get(CRM_ENV) or "salesforce",
        SLOT_ENV: slot or "",
        PARENT_PID_ENV: str(os.getpid()),
    }
    with paths.environment(wanted):
        yield project


def crm_staging_path(crm: str) -> str:
    """The folder of a CRM's staging models, as dbt names it in a node's original_file_path."""
    return f"models/staging/{crm}/"


def dbt_executable() -> str:
    """The dbt installed beside this Python, so a venv's dbt is used even when not on PATH:
    bookflow's `bookflow-dbt` (dbt's command line with a quick exit) where it is installed."""
    for name in ("bookflow-dbt", "dbt"):
        candidate = Path(sys.executable).parent / name
        if candidate.exists():
            return str(candidate)
    return "dbt"


bookflow_dbt_project = DbtProject(project_dir=paths.DBT_PROJECT_DIR, profiles_dir=paths.DBT_PROJECT_DIR)


def manifest() -> dict:
    """The parsed project (target/manifest.json), read once per version of the file: some 20
    lookups at the definitions' import each read it whole otherwise (a second per process).
    Callers must not change it."""
    path = bookflow_dbt_project.manifest_path
    written = path.stat()
    return _manifest_read(str(path), written.st_mtime_ns, written.st_size)


@functools.lru_cache(maxsize=1)
def _manifest_read(path: str, mtime_ns: int, size: int) -> dict:
    return json.loads(Path(path).read_text())


def freshness_rules(crm: str = "salesforce") -> list[Freshness]:
    """The freshness each raw table of `crm` declares in its dbt source (models/staging/*/_*__sources.yml),
    with the signals' (the other CRM's tables are not read, and an optional table may be missing)."""
    schemas = set(raw_tables(crm))
    periods = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}

    def after(rule: dict | None) -> timedelta | None:
        if not rule or not rule.get("count"):
            return None
        return rule["count"] * periods[rule["period"]]

    rules = []
    for source in manifest()["sources"].values():
        freshness = source.get("freshness") or {}
        warn, error = after(freshness.get("warn_after")), after(freshness.get("error_after"))
        optional = (source.get("meta") or {}).get("optional")
        if source["schema"] in schemas and not optional and source.get("loaded_at_field") and (warn or error):
            rules.append(Freshness(source["schema"], source["identifier"], source["loaded_at_field"], warn, error))
    return sorted(rules, key=lambda rule: (rule.schema, rule.table))


def incremental_relations() -> list[tuple[str, str]]:
    """(schema, table) of every incremental model: what a new slot starts from (bookflow/slots.py)."""
    return sorted(
        (node["config"]["schema"], node["alias"])
        for node in manifest()["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    )


def _manifest_is_stale(project: DbtProject) -> bool:
    """True when a model, macro, test or project file changed after the manifest was written."""
    if not project.manifest_path.exists():
        return True
    written = project.manifest_path.stat().st_mtime
    project_dir = paths.DBT_PROJECT_DIR
    sources = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        sources += [p for p in (project_dir / folder).rglob("*") if p.suffix in (".sql", ".yml", ".md")]
    return any(source.stat().st_mtime > written for source in sources)


def prepare_manifest() -> None:
    """Parse the project when the manifest is missing or older than its sources (also in `dagster dev`).

    An edited model must never run against an old manifest; `dbt parse` needs the profile's
    env vars even though it never connects, hence the environment around it. The parse writes to
    a folder of its own and its files then replace the project's at once: other processes (runs,
    `dagster dev`, test workers) read the manifest at any moment and must never see half of one.
    """
    if not _manifest_is_stale(bookflow_dbt_project):
        return
    target = bookflow_dbt_project.manifest_path.parent
    parsed = target / f".parse-{os.getpid()}-{uuid.uuid4().hex[:7]}"
    try:
        with dbt_environment(os.environ.get(paths.WAREHOUSE_ENV), os.environ.get(paths.RULES_ENV)):
            # dagster-dbt's own preparer looks for `dbt` on PATH, which a venv not activated lacks.
            subprocess.run(
                [dbt_executable(), "parse", "--quiet", "--profiles-dir", str(paths.DBT_PROJECT_DIR)]
                + ["--target-path", str(parsed)],
                cwd=paths.DBT_PROJECT_DIR,
                check=True,
            )
        for name in (PARTIAL_PARSE_FILE, "manifest.json"):  # the manifest last: it marks the parse done
            if (parsed / name).exists():
                os.replace(parsed / name, target / name)
    finally:
        shutil.rmtree(parsed, ignore_errors=True)


prepare_manifest()
