"""The `bookflow` command: create the demo CRM, run a cycle through Dagster, inspect the sync."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import click

from bookflow import paths


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from error


def _path(value: str | None) -> Path | None:
    return Path(value).resolve() if value else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """bookflow: dynamic books of business, decided in the warehouse, written back to the CRM."""


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
as_of_option = click.option("--as-of", callback=_date, help="Logical date of the run, YYYY-MM-DD (default: today).")


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


def _share_limits(max_book_share: float | None, max_total_share: float | None) -> dict[str, float]:
    """The limits given on the command line; the ones left out keep the engine's defaults."""
    given = {"max_book_share": max_book_share, "max_total_share": max_total_share}
    return {name: value for name, value in given.items() if value is not None}


def _check_crm_credentials(command: str, destination: str) -> None:
    """Exit 2 with the ConfigurationError (it names the missing env var, never a value) before any work."""
    if destination not in ("salesforce", "hubspot"):
        return
    from reverse_etl import ConfigurationError, HubSpotDestination, SalesforceDestination

    try:
        (SalesforceDestination if destination == "salesforce" else HubSpotDestination).from_env()
    except ConfigurationError as error:
        click.echo(f"bookflow {command}: {error}", err=True)
        sys.exit(2)


verbose_option = click.option("--verbose", "-v", is_flag=True, help="Show Dagster's step-by-step log.")


@main.command()
@as_of_option
@warehouse_option
@rules_option
@crm_option
@click.option(
    "--source",
    type=click.Choice(["auto", "demo", "warehouse"]),
    default="auto",
    show_default=True,
    help="demo: extract raw tables from the demo CRM; warehouse: you loaded them into the warehouse; "
    "auto: demo when the demo CRM file exists, else warehouse.",
)
@click.option(
    "--destination",
    type=click.Choice(["auto", "demo", "csv", "salesforce", "hubspot", "none"]),
    default="auto",
    show_default=True,
    help="Where ownership changes are written; auto: the demo CRM when it is the source, else a CSV export.",
)
@click.option("--csv-path", type=click.Path(dir_okay=False), help="File for --destination csv.")
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild the incremental models and re-copy activities instead of adding the new ones.",
)
@guard_options
@verbose_option
def run(
    as_of,
    warehouse,
    rules,
    crm,
    source,
    destination,
    csv_path,
    full_refresh,
    force,
    max_book_share,
    max_total_share,
    verbose,
) -> None:
    """Run one full cycle (extract, dbt build, sync) through Dagster, in-process."""
    from bookflow.cycle import run_cycle

    # A CRM without credentials would fail only after extract and dbt build: say so at once.
    _check_crm_credentials("run", destination)

    outcome = run_cycle(
        as_of=as_of,
        warehouse_path=_path(warehouse),
        rules_dir=_path(rules),
        demo_crm_path=_path(crm),
        source=source,
        destination=destination,
        csv_export_path=_path(csv_path),
        log_level="DEBUG" if verbose else "WARNING",
        force=force,
        max_book_share=max_book_share,
        max_total_share=max_total_share,
        full_refresh=full_refresh,
    )
    click.echo(outcome.format())
    sys.exit(0 if outcome.success else 1)


@main.command()
@click.option("--accounts", type=int, default=5000, show_default=True, help="Accounts in the demo CRM.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the deterministic generator.")
@as_of_option
@click.option("--fresh", is_flag=True, help="Regenerate the demo CRM and warehouse even if they exist.")
@click.option("--no-run", is_flag=True, help="Only create the demo CRM.")
@warehouse_option
@crm_option
@verbose_option
def demo(accounts, seed, as_of, fresh, no_run, warehouse, crm, verbose) -> None:
    """Create the demo CRM if missing, then run a full cycle on it."""
    from bookflow.cycle import run_cycle
    from bookflow.demo_crm import generate_demo_crm

    crm_path = _path(crm) or paths.demo_crm_path()
    warehouse_path = _path(warehouse) or paths.warehouse_path()
    if fresh or not crm_path.exists():
        crm_path.parent.mkdir(parents=True, exist_ok=True)
        if fresh and warehouse_path.exists():
            warehouse_path.unlink()
        started = time.perf_counter()
        summary = generate_demo_crm(crm_path, accounts=accounts, seed=seed, as_of=as_of)
        click.echo(
            f"demo CRM: {summary.counts.get('salesforce.account', accounts):,} accounts in {crm_path} "
            f"({time.perf_counter() - started:.1f}s)"
        )
    else:
        click.echo(f"demo CRM: using {crm_path} (--fresh to regenerate)")
    if no_run:
        return
    outcome = run_cycle(
        as_of=as_of, warehouse_path=warehouse_path, demo_crm_path=crm_path, log_level="DEBUG" if verbose else "WARNING"
    )
    click.echo(outcome.format())
    sys.exit(0 if outcome.success else 1)


@main.command()
@click.option("--dry-run", is_flag=True, help="Print the pending ownership changes without writing.")
@warehouse_option
@crm_option
@click.option(
    "--destination",
    type=click.Choice(["demo", "csv", "salesforce", "hubspot"]),
    default="demo",
    show_default=True,
    help="salesforce and hubspot read their credentials from env vars (see README).",
)
@click.option("--csv-path", type=click.Path(dir_okay=False), help="File for --destination csv.")
@click.option("--limit", type=int, default=50, show_default=True, help="Changes to print in a dry run.")
@guard_options
def sync(dry_run, warehouse, crm, destination, csv_path, limit, force, max_book_share, max_total_share) -> None:
    """Apply (or with --dry-run, show) the latest run's pending ownership changes."""
    from bookflow.destinations import make_destination
    from reverse_etl import BlastRadiusExceeded, ConfigurationError, SyncError
    from reverse_etl import sync as run_sync

    warehouse_path = _path(warehouse) or paths.warehouse_path()
    try:
        target = make_destination(
            destination,
            warehouse_path=warehouse_path,
            demo_crm_path=_path(crm) or paths.demo_crm_path(),
            csv_path=_path(csv_path),
        )
        report = run_sync(
            warehouse_path, target, dry_run=dry_run, force=force, **_share_limits(max_book_share, max_total_share)
        )
    except (ConfigurationError, BlastRadiusExceeded) as error:
        click.echo(f"bookflow sync: {error}", err=True)
        sys.exit(2)
    except SyncError as error:
        click.echo(f"bookflow sync failed: {error}", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"{report.planned} pending ownership changes for {target.name} (dry run, nothing written)")
        by_type = Counter(change.change_type for change in report.changes)
        click.echo("  by type: " + (", ".join(f"{kind} {count}" for kind, count in sorted(by_type.items())) or "none"))
        for change in report.changes[:limit]:
            click.echo(
                f"  {change.change_type:<10} {change.account_id}  {change.from_owner_id or 'pool':<18} -> "
                f"{change.to_owner_id or 'pool':<18} {change.reason}"
            )
        if report.planned > limit:
            click.echo(f"  ... {report.planned - limit} more (--limit)")
        for problem in report.guard_violations:
            click.echo(f"  guard: {problem} (a real sync would refuse; --force overrides)")
    else:
        click.echo(report.format_summary())
        sys.exit(1 if report.counts.get("failed") else 0)


@main.command()
@click.option(
    "--sizes",
    default="100k,1m",
    show_default=True,
    help="Demo sizes, comma-separated: 100k, 1m, 10m or numbers of accounts.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    help="Where to keep the benchmark files; day-1 demos found there are reused (default: a temp dir).",
)
def bench(sizes, workdir) -> None:
    """Full and incremental run times, peak memory and the ratio to a one-query lower bound, per size."""
    from bookflow.benchmark import parse_sizes, run_benchmark

    try:
        chosen = parse_sizes(sizes)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--sizes") from error
    run_benchmark(chosen, Path(workdir) if workdir else None, echo=click.echo)


@main.command("bench-sync")
@click.option("--changes", type=int, default=100_000, show_default=True, help="Ownership changes to sync.")
@click.option(
    "--latency-ms", type=float, default=50.0, show_default=True, help="Latency the server adds to every answer."
)
@click.option("--batch-size", type=int, default=200, show_default=True, help="Records per Salesforce request.")
def bench_sync(changes, latency_ms, batch_size) -> None:
    """Time the reverse-ETL sync against a local HTTPS Salesforce server with injected latency."""
    from reverse_etl.benchmark import format_figures, run_sync_benchmark

    click.echo(format_figures(run_sync_benchmark(changes, latency_ms, batch_size)))


if __name__ == "__main__":
    main()
