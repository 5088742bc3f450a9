"""The dbt project as Dagster sees it. Kept alone so every module shares one cached instance."""

from __future__ import annotations

import os
from contextlib import contextmanager
from collections.abc import Iterator

from dagster_dbt import DagsterDbtProjectPreparer, DbtProject

from bookflow import paths


@contextmanager
def dbt_environment(warehouse: str | None = None, rules_dir: str | None = None) -> Iterator[None]:
    """Point dbt at a warehouse and rules directory for the duration of a dbt call.

    dbt reads both from env vars (profiles.yml, dbt_project.yml); dagster-dbt passes the process
    environment to its dbt subprocess, so they are set here and restored afterwards.
    """
    wanted = {
        paths.WAREHOUSE_ENV: warehouse or str(paths.warehouse_path()),
        paths.RULES_ENV: rules_dir or str(paths.rules_dir()),
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class BookflowPreparer(DagsterDbtProjectPreparer):
    """`dbt parse` needs the profile's env vars even though it never connects."""

    def prepare(self, project: DbtProject) -> None:
        with dbt_environment(
            os.environ.get(paths.WAREHOUSE_ENV), os.environ.get(paths.RULES_ENV)
        ):
            super().prepare(project)


bookflow_dbt_project = DbtProject(
    project_dir=paths.DBT_PROJECT_DIR,
    profiles_dir=paths.DBT_PROJECT_DIR,
    preparer=BookflowPreparer(),
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


# An edited model must never run against an old manifest: re-parse (a few seconds) when stale.
if _manifest_is_stale(bookflow_dbt_project):
    bookflow_dbt_project.preparer.prepare(bookflow_dbt_project)
else:
    bookflow_dbt_project.prepare_if_dev()
