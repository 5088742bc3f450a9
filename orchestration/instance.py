"""The project's one Dagster instance, shared by `bookflow run`, the daemon and the UI.

Runs started by `bookflow run` used to go to a throwaway in-memory instance, so the UI showed
every asset as never materialized. Everything now records into DAGSTER_HOME: the env var when
set (tests set their own), else data/dagster/ in the checkout.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

from bookflow import paths

DAGSTER_HOME_ENV = "DAGSTER_HOME"
INSTANCE_TEMPLATE = paths.REPO_ROOT / "deploy" / "dagster.yaml"


def dagster_home() -> Path:
    """`DAGSTER_HOME`, or data/dagster/ in the checkout."""
    return Path(os.environ.get(DAGSTER_HOME_ENV) or paths.data_dir() / "dagster").resolve()


def prepare_dagster_home(home: Path | None = None) -> Path:
    """Create the instance folder with bookflow's dagster.yaml if it has none; return the folder."""
    home = Path(home or dagster_home())
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        staging = config.with_name(f".dagster.yaml.{os.getpid()}")
        shutil.copyfile(INSTANCE_TEMPLATE, staging)
        os.replace(staging, config)
    return home


def project_instance() -> dg.DagsterInstance:
    """The persistent instance in `dagster_home()`, prepared if new.

    DAGSTER_HOME is set in this process too, so that whatever Dagster starts from here (and
    `DagsterInstance.get()` anywhere in it) finds the same instance.
    """
    home = prepare_dagster_home()
    os.environ[DAGSTER_HOME_ENV] = str(home)
    return dg.DagsterInstance.get()
