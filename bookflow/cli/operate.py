"""`bookflow doctor` and `bookflow ui`: keeping an installation healthy and seeing its runs."""

from __future__ import annotations

import os
import sys

import click

from bookflow import paths


@click.command()
@click.option("--live", is_flag=True, help="Also log in to each configured CRM (a read-only call).")
def doctor(live) -> None:
    """Check settings, rules, credentials (names, never values), the Dagster instance and the warehouse; exit 0 or 1."""
    from bookflow.doctor import healthy, run_checks

    checks = run_checks(live=live)
    for check in checks:
        click.echo(check.format())
    ok = healthy(checks)
    click.echo("bookflow doctor: " + ("ready" if ok else "not ready: fix the FAIL lines above"))
    sys.exit(0 if ok else 1)


@click.command()
@click.option("--port", type=int, default=3000, show_default=True, help="Port of the web UI.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def ui(port, host) -> None:
    """The Dagster UI and daemon (`dagster dev`) on the project's instance: runs of `bookflow run`,
    the schedule and the sensors, with their materializations and check results. Ctrl-C stops it."""
    from orchestration.instance import DAGSTER_HOME_ENV, prepare_dagster_home

    home = prepare_dagster_home()
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    click.echo(f"Dagster instance {home}; UI on http://{host}:{port}", err=True)
    os.chdir(paths.REPO_ROOT)  # `dagster dev` finds the definitions through pyproject.toml's [tool.dagster]
    os.execve(
        dagster, [dagster, "dev", "--host", host, "--port", str(port)], {**os.environ, DAGSTER_HOME_ENV: str(home)}
    )
