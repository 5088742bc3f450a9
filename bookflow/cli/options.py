"""Options and helpers shared by the command groups of `bookflow`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from bookflow import paths
from bookflow.cli.console import mark_verbose


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from error


def absolute(value: str | None) -> Path | None:
    return Path(value).resolve() if value else None


warehouse_option = click.option(
    "--warehouse",
    type=click.Path(dir_okay=False),
    help=f"DuckDB warehouse file (env {paths.WAREHOUSE_ENV}; default data/warehouse.duckdb).",
)
rules_option = click.option(
    "--rules",
    type=click.Path(file_okay=False),
    help=f"Directory of roster and rules CSVs (env {paths.RULES_ENV}; default: the bundled demo rules).",
)
crm_option = click.option(
    "--crm",
    type=click.Path(dir_okay=False),
    help=f"Demo CRM DuckDB file (env {paths.DEMO_CRM_ENV}; default data/demo_crm.duckdb).",
)
as_of_option = click.option(
    "--as-of", callback=parse_date, help="Logical date of the run, YYYY-MM-DD (default: today)."
)


def guard_options(command):
    """--force and the blast-radius limits, shared by `run` and `sync`.

    The defaults in the help are reverse_etl.guard's (tests/test_sync_guards.py keeps them in step);
    they are not imported here so that `bookflow --help` does not load the sync's dependencies.
    """
    command = click.option(
        "--max-total-share",
        type=click.FloatRange(min=0.0),
        help="Refuse a sync changing more than this share of all accounts (default 0.35).",
    )(command)
    command = click.option(
        "--max-book-share",
        type=click.FloatRange(min=0.0),
        help="Refuse a sync taking more than this share of any rep's book (default 0.5).",
    )(command)
    return click.option("--force", is_flag=True, help="Sync even when the blast-radius guard refuses.")(command)


def input_guard_options(command):
    """The input guards' overrides and the lock wait of `run` (bookflow/guards.py, docs/rules.md)."""
    command = click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0.0),
        default=600.0,
        show_default=True,
        help="Seconds to wait for another run on the same warehouse before giving up (exit code 75).",
    )(command)
    command = click.option(
        "--max-quarantine-share",
        type=click.FloatRange(min=0.0, max=1.0),
        help="Stop when more than this share of accounts is quarantined (settings.csv max_quarantine_share; default 0.05).",
    )(command)
    command = click.option(
        "--max-volume-drop",
        type=click.FloatRange(min=0.0, max=1.0),
        help="Stop when a raw table's rows, owners or recent activities fell by more than this share "
        "since the last good run (settings.csv max_volume_drop; default 0.2).",
    )(command)
    return click.option(
        "--accept-volume-change",
        is_flag=True,
        help="Run on today's input even where a guard would stop it (volume drops, quarantined share, stale sources).",
    )(command)


def share_limits(max_book_share: float | None, max_total_share: float | None) -> dict[str, float]:
    """The limits given on the command line; the ones left out keep the engine's defaults."""
    given = {"max_book_share": max_book_share, "max_total_share": max_total_share}
    return {name: value for name, value in given.items() if value is not None}


def check_crm_credentials(command: str, destination: str) -> None:
    """Exit 2 with the ConfigurationError (it names the missing env var, never a value) before any work."""
    if destination not in ("salesforce", "hubspot"):
        return
    from reverse_etl import ConfigurationError, HubSpotDestination, SalesforceDestination

    try:
        (SalesforceDestination if destination == "salesforce" else HubSpotDestination).from_env()
    except ConfigurationError as error:
        click.echo(f"bookflow {command}: {error}", err=True)
        sys.exit(2)


RECORD_RUNS_ENV = "BOOKFLOW_RECORD_RUNS"
record_option = click.option(
    "--record/--no-record",
    default=True,
    envvar=RECORD_RUNS_ENV,
    show_envvar=True,
    help="Record the run in the project's Dagster instance, where the UI shows it (the default); "
    "--no-record runs on a throwaway in-memory instance: for trial runs and CI checks, and it spares "
    "the instance's writes (some 800 events a cycle, several seconds of CPU).",
)
verbose_option = click.option(
    "--verbose",
    "-v",
    is_flag=True,
    callback=mark_verbose,
    help="Show dbt's and Dagster's log and stack traces on the terminal instead of the log file.",
)


inbound_option = click.option(
    "--store",
    type=click.Path(dir_okay=False),
    help=f"Inbound routing store, a DuckDB file (env {paths.INBOUND_ENV}; default: <warehouse stem>_inbound.duckdb beside the warehouse).",
)
