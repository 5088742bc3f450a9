"""`bookflow-dbt`: dbt's own command line, for the dbt subprocess dagster-dbt starts each run.

The same as the `dbt` script dbt-core installs, but it ends the process as soon as dbt returns
(bookflow/fast_exit.py says why): 0.7 s less per dbt call. And it ends with the run that started
it: a run killed outright (kill -9, the out-of-memory killer) would otherwise leave dbt building
on into a slot no run will make current (bookflow/slots.py), holding the warehouse file. And it
runs dbt from the warehouse's folder, so the profile names the DuckDB file without its folder.
`bookflow-dbt --version` answers at once (_versions).
"""

from __future__ import annotations

import os
import signal
import sys

from bookflow.fast_exit import run_then_exit

# Set by orchestration.dbt_project.dbt_environment: the process that starts dbt, the warehouse,
# and the dbt project of the rules in use (orchestration/rules_projects.py).
PARENT_PID_ENV = "BOOKFLOW_DBT_PARENT_PID"
WAREHOUSE_ENV = "BOOKFLOW_WAREHOUSE"
RULES_PROJECT_ENV = "BOOKFLOW_DBT_PROJECT_DIR"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    expected = os.environ.get(PARENT_PID_ENV)
    if not expected or not sys.platform.startswith("linux"):
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    # The parent may have died before the line above: then it is no longer our parent.
    if os.getppid() != int(expected):
        os._exit(1)


def _in_rules_project() -> None:
    """Run dbt in the project of the rules in use: dagster-dbt names dbt_project/ itself
    (DBT_PROJECT_DIR), whose seeds are the bundled rules."""
    project = os.environ.get(RULES_PROJECT_ENV)
    if project:
        os.environ["DBT_PROJECT_DIR"] = project


def _in_warehouse_folder() -> None:
    """Run dbt in the DuckDB warehouse's folder, the profile's path being the file's name.

    dbt parses the whole project again (seconds) whenever its profile differs from the last
    parse's, and the DuckDB path is part of the profile: with the folder left out, every warehouse
    of one name (another checkout's, a copy, `bookflow simulate`'s) parses only what changed.
    dagster-dbt gives dbt its project, profiles and target folders as absolute paths; a plain
    `bookflow-dbt` call gets its project folder here, since it is no longer the current one.
    """
    warehouse = os.environ.get(WAREHOUSE_ENV, "")
    folder, name = os.path.split(warehouse)
    if not os.path.isabs(warehouse) or not os.path.isdir(folder):
        return
    os.environ.setdefault("DBT_PROJECT_DIR", os.getcwd())
    if os.path.exists("profiles.yml"):
        os.environ.setdefault("DBT_PROFILES_DIR", os.getcwd())
    os.chdir(folder)
    os.environ[WAREHOUSE_ENV] = name


def _versions() -> str:
    """What `dbt --version` says of what is installed, read from the packages' metadata.

    dagster-dbt asks the dbt executable for its version before each call (to tell dbt Core from
    the Fusion engine); dbt's own answer imports its whole command line and asks PyPI for the
    latest release: seconds each time, offline or not.
    """
    from importlib.metadata import PackageNotFoundError, version

    lines = ["Core:", f"  - installed: {version('dbt-core')}", "", "Plugins:"]
    for plugin in ("duckdb", "postgres", "spark"):
        try:
            lines.append(f"  - {plugin}: {version('dbt-' + plugin)}")
        except PackageNotFoundError:
            continue
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(_versions())
        return
    _die_with_parent()
    _in_warehouse_folder()
    _in_rules_project()
    from dbt.cli.main import cli

    run_then_exit(cli)


if __name__ == "__main__":
    main()
