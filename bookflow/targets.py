"""The warehouses the dbt project runs on, and the env vars each profile target reads.

dbt itself stops on a missing env var, but only once it has started, and one variable at a time;
`check_target_env` names every missing one before any work is done. REQUIRED_ENV must stay in
step with dbt_project/profiles.yml (tests/test_portability.py checks that it does).
"""

from __future__ import annotations

import os
from pathlib import Path

from bookflow import paths

TARGETS = ("duckdb", "postgres", "spark")

# Variables a target cannot run without; the profile gives the others a default.
REQUIRED_ENV: dict[str, dict[str, str]] = {
    "duckdb": {paths.WAREHOUSE_ENV: "the DuckDB warehouse file"},
    "postgres": {
        "BOOKFLOW_PG_HOST": "host name or address of the Postgres server",
        "BOOKFLOW_PG_PORT": "its port",
        "BOOKFLOW_PG_USER": "the user dbt and the loader connect as",
        "BOOKFLOW_PG_PASSWORD": "that user's password",
        "BOOKFLOW_PG_DATABASE": "the database holding the raw and modelled schemas",
    },
    "spark": {"BOOKFLOW_SPARK_DIR": "directory of the local Spark tables and metastore"},
}


# Where Spark's session mode keeps its catalog: hive (BOOKFLOW_SPARK_DIR's metastore, kept for the
# next session) or in-memory (the session's alone).
SPARK_CATALOG_ENV, SPARK_CATALOGS = "BOOKFLOW_SPARK_CATALOG", ("hive", "in-memory")


class TargetConfigurationError(Exception):
    """A target cannot be used as configured; the message says what to set."""


def check_target_env(target: str, environ: dict[str, str] | None = None) -> None:
    """Raise TargetConfigurationError naming what `target` lacks: unset required env vars, Spark's packages."""
    if target not in REQUIRED_ENV:
        raise TargetConfigurationError(f"unknown target {target!r}: choose one of {', '.join(TARGETS)}")
    environ = os.environ if environ is None else environ
    missing = [f"{name} ({purpose})" for name, purpose in REQUIRED_ENV[target].items() if not environ.get(name)]
    if missing:
        raise TargetConfigurationError(
            f"target {target} needs these environment variables, which are not set:\n  - "
            + "\n  - ".join(missing)
            + "\n(see docs/warehouses.md)"
        )
    if target == "spark":
        catalog = environ.get(SPARK_CATALOG_ENV, "hive")
        if catalog not in SPARK_CATALOGS:
            raise TargetConfigurationError(
                f"{SPARK_CATALOG_ENV} is {catalog!r}: choose {' or '.join(SPARK_CATALOGS)} (see docs/warehouses.md)"
            )
        import importlib.util

        if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
            raise TargetConfigurationError(
                "target spark needs dbt-spark and pyspark: pip install -c constraints.txt -e '.[spark]'"
            )


def profile_output(target: str) -> dict:
    """The profile's settings for `target`, with env_var() rendered as dbt renders them.

    The Spark loader reads the session parameters from here so that it opens the very catalog
    dbt will read, instead of keeping a second copy of them.
    """
    import jinja2
    import yaml

    def env_var(name: str, default: str | None = None) -> str:
        value = os.environ.get(name, default)
        if value is None:
            raise TargetConfigurationError(f"env var {name} is not set (required by profiles.yml target {target})")
        return value

    def render(value):
        if isinstance(value, dict):
            return {key: render(item) for key, item in value.items()}
        if isinstance(value, str) and "{{" in value:
            return environment.from_string(value).render(env_var=env_var)
        return value

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    environment.filters["as_number"] = lambda value: value
    profile = yaml.safe_load(Path(paths.DBT_PROJECT_DIR / "profiles.yml").read_text())
    return render(profile["bookflow"]["outputs"][target])
