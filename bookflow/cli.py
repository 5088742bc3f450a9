"""The `bookflow` command: create the demo CRM, run a cycle through Dagster, inspect the sync."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import click

from bookflow import paths
from bookflow.fast_exit import run_then_exit


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
@click.option("--start", required=True, callback=_date, help="First as-of date, YYYY-MM-DD.")
@click.option("--end", required=True, callback=_date, help="Last as-of date, YYYY-MM-DD (included).")
@warehouse_option
@rules_option
@crm_option
@click.option(
    "--source",
    type=click.Choice(["auto", "demo", "warehouse"]),
    default="auto",
    show_default=True,
    help="As for `run`: where the raw tables come from.",
)
@verbose_option
def backfill(start, end, warehouse, rules, crm, source, verbose) -> None:
    """Build the marts and their daily history for each day from --start to --end; nothing is synced."""
    from bookflow.backfill import backfill_days, run_backfill

    try:
        days = backfill_days(start, end)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    click.echo(f"backfill of {len(days)} days, {start.isoformat()} to {end.isoformat()} (no sync)")
    outcomes = run_backfill(
        start,
        end,
        warehouse_path=_path(warehouse),
        rules_dir=_path(rules),
        demo_crm_path=_path(crm),
        source=source,
        log_level="DEBUG" if verbose else "WARNING",
        echo=click.echo,
    )
    built = sum(outcome.success for outcome in outcomes)
    click.echo(f"{built} of {len(days)} days built; history in schema marts (*_history tables)")
    sys.exit(0 if built == len(days) else 1)


@main.command("publish")
@warehouse_option
@click.option(
    "--publish-dir",
    type=click.Path(file_okay=False),
    help=f"Where BI tools read (env {paths.PUBLISH_ENV}; default: publish/ beside the warehouse).",
)
@click.option("--keep", type=click.IntRange(min=1), default=3, show_default=True, help="Versions to keep at least.")
def publish_command(warehouse, publish_dir, keep) -> None:
    """Publish the marts as Parquet plus a read-only DuckDB file of views, swapped atomically (`run` does it too)."""
    from bookflow.publish import PublishError, publish

    try:
        publication = publish(_path(warehouse), _path(publish_dir), keep=keep)
    except PublishError as error:
        click.echo(f"bookflow publish: {error}", err=True)
        sys.exit(1)
    click.echo(publication.format())


@main.command()
@click.option(
    "--scenario",
    type=click.Choice(["demo", "jane-joe"]),
    default="demo",
    show_default=True,
    help="demo: the seeded demo CRM; jane-joe: DOMAIN.md's worked example (two reps, 200 accounts).",
)
@click.option("--days", type=click.IntRange(min=1), help="Days to replay (default 7; each costs one pipeline run).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file of behaviour settings (see README: work_rate, days_to_convert, conversion_rate...).",
)
@click.option("--accounts", type=click.IntRange(min=30), help="Accounts in the demo scenario's CRM (default 5000).")
@click.option("--seed", type=int, help="Seed of the demo CRM and of the behaviour model's draws (default 42).")
@click.option("--start", callback=_date, help="First simulated day, YYYY-MM-DD (default: today).")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    help="Where the simulation's CRM, warehouse, chart and CSV go (replaced; default data/simulate/<scenario>).",
)
@rules_option
@verbose_option
def simulate(scenario, days, config_file, accounts, seed, start, workdir, rules, verbose) -> None:
    """Replay days with static territories and with dynamic books (the real pipeline); compare them."""
    from bookflow.simulate import SimulationError, load_config, run_simulation

    try:
        config = load_config(
            scenario,
            _path(config_file),
            {"days": days, "accounts": accounts, "seed": seed, "start": start},
        )
        result = run_simulation(
            config,
            scenario=scenario,
            workdir=_path(workdir) or paths.data_dir() / "simulate" / scenario,
            rules_source=_path(rules),
            echo=lambda line: click.echo(line, err=True),
            log_level="DEBUG" if verbose else "WARNING",
        )
    except SimulationError as error:
        click.echo(f"bookflow simulate: {error}", err=True)
        sys.exit(2)
    click.echo(result.format())


@main.command()
@warehouse_option
@click.option(
    "--database",
    type=click.Path(dir_okay=False),
    help="Read the marts from this DuckDB file instead of the warehouse (e.g. the published read-only copy).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="HTML file to write (default: book_health_report.html beside the warehouse).",
)
def report(warehouse, database, out) -> None:
    """Write the book-health report: a self-contained HTML page of the coverage marts."""
    from bookflow.report import ReportError, default_report_path, write_report

    warehouse_path = _path(warehouse) or paths.warehouse_path()
    try:
        written = write_report(_path(database) or warehouse_path, _path(out) or default_report_path(warehouse_path))
    except ReportError as error:
        click.echo(f"bookflow report: {error}", err=True)
        sys.exit(2)
    click.echo(written.format())


@main.command()
@click.option(
    "--target",
    type=click.Choice(["duckdb", "postgres", "spark"]),
    default="duckdb",
    show_default=True,
    help="dbt profile target; postgres and spark read their connection from env vars (see README).",
)
@click.option("--accounts", type=int, default=5000, show_default=True, help="Accounts in the demo CRM.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the deterministic generator.")
@click.option("--fresh", is_flag=True, help="Regenerate the demo CRM even if it exists.")
@as_of_option
@warehouse_option
@rules_option
@crm_option
@verbose_option
def build(target, accounts, seed, fresh, as_of, warehouse, rules, crm, verbose) -> None:
    """Load the demo CRM into a warehouse and run dbt build (seeds, models, tests) there."""
    from bookflow.build import run_build
    from bookflow.demo_crm import generate_demo_crm
    from bookflow.targets import TargetConfigurationError, check_target_env
    from bookflow.validation import InputError

    try:
        # Say what is missing before minutes of generating and loading.
        if target != "duckdb":
            check_target_env(target)
    except TargetConfigurationError as error:
        click.echo(f"bookflow build: {error}", err=True)
        sys.exit(2)
    crm_path = _path(crm) or paths.demo_crm_path()
    if fresh or not crm_path.exists():
        crm_path.parent.mkdir(parents=True, exist_ok=True)
        summary = generate_demo_crm(crm_path, accounts=accounts, seed=seed, as_of=as_of)
        click.echo(f"demo CRM: {summary.counts.get('salesforce.account', accounts):,} accounts in {crm_path}")
    else:
        click.echo(f"demo CRM: using {crm_path} (--fresh to regenerate)")
    try:
        outcome = run_build(
            target, crm_path, as_of=as_of, warehouse_path=_path(warehouse), rules_dir=_path(rules), quiet=not verbose
        )
    except (TargetConfigurationError, InputError) as error:
        click.echo(f"bookflow build: {error}", err=True)
        sys.exit(2)
    click.echo(outcome.format())
    sys.exit(0 if outcome.success else 1)


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


inbound_option = click.option(
    "--store",
    type=click.Path(dir_okay=False),
    help=f"Inbound routing store, a DuckDB file (env {paths.INBOUND_ENV}; default: inbound_store.duckdb beside the warehouse).",
)


@main.command()
@warehouse_option
@rules_option
@crm_option
@inbound_option
@click.option(
    "--destination",
    type=click.Choice(["demo", "csv", "salesforce", "hubspot", "none"]),
    default="demo",
    show_default=True,
    help="Where routed hand raisers are written; none only routes.",
)
@click.option(
    "--interval", type=click.FloatRange(min=0.1), default=1.0, show_default=True, help="Seconds between passes."
)
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or a test).")
@click.option("--webhook-port", type=int, help="Also serve the hand-raise webhook on 127.0.0.1 at this port.")
def watch(warehouse, rules, crm, store, destination, interval, once, webhook_port) -> None:
    """Route hand raisers as they arrive and sync them at once (for setups without a Dagster daemon)."""
    from bookflow.destinations import make_destination
    from reverse_etl import ConfigurationError

    warehouse_path = _path(warehouse) or paths.warehouse_path()
    crm_path = _path(crm) or paths.demo_crm_path()
    rules_dir = _path(rules) or paths.rules_dir()
    store_path = _path(store) or paths.inbound_store_path(warehouse_path)
    if destination in ("salesforce", "hubspot"):
        _check_crm_credentials("watch", destination)
    try:
        target = None
        if destination != "none":
            target = make_destination(destination, warehouse_path=warehouse_path, demo_crm_path=crm_path)
    except ConfigurationError as error:
        click.echo(f"bookflow watch: {error}", err=True)
        sys.exit(2)
    if webhook_port is not None:
        _serve_webhook_in_background(crm_path, rules_dir, webhook_port)
    click.echo(f"watching {crm_path} for hand raises (store {store_path}); Ctrl-C to stop", err=True)
    try:
        _watch_loop(store_path, crm_path, rules_dir, target, interval, once, warehouse_path)
    except KeyboardInterrupt:
        click.echo("bookflow watch: stopped", err=True)


def _watch_loop(store_path, crm_path, rules_dir, target, interval, once, warehouse_path) -> None:
    from bookflow.inbound.routing import NotReady
    from bookflow.inbound.service import route_and_sync
    from bookflow.validation import InputError
    from reverse_etl import SyncError

    waiting_for_cycle = False
    while True:
        try:
            outcome = route_and_sync(
                store=store_path, crm=crm_path, rules_dir=rules_dir, destination=target, warehouse=warehouse_path
            )
            waiting_for_cycle = False
            if outcome.routing.hand_raises or (outcome.sync and outcome.sync.planned):
                click.echo(f"{time.strftime('%H:%M:%S')} {outcome.summary()}")
        except NotReady as error:
            if once:
                click.echo(f"bookflow watch: {error}", err=True)
                sys.exit(2)
            if not waiting_for_cycle:
                click.echo(f"bookflow watch: {error}; waiting", err=True)
                waiting_for_cycle = True
        except InputError as error:
            click.echo(f"bookflow watch: {error}", err=True)
            sys.exit(2)
        except SyncError as error:
            # The CRM is down or refused us: keep routing, the ledger retries on the next pass.
            click.echo(f"bookflow watch: sync failed, retrying next pass: {error}", err=True)
            if once:
                sys.exit(1)
        if once:
            return
        time.sleep(interval)


def _serve_webhook_in_background(crm: Path, rules_dir: Path, port: int) -> None:
    import threading

    import uvicorn

    from bookflow.inbound.webhook import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(crm=crm, rules_dir=rules_dir), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, name="webhook", daemon=True).start()


@main.command()
@rules_option
@crm_option
@click.option("--port", type=int, default=8787, show_default=True, help="Port on 127.0.0.1.")
def webhook(rules, crm, port) -> None:
    """Serve POST /hand-raises on 127.0.0.1: CRMs and forms push hand raises into the signals table."""
    import uvicorn

    from bookflow.inbound.webhook import create_app
    from bookflow.validation import InputError

    try:
        app = create_app(crm=_path(crm) or paths.demo_crm_path(), rules_dir=_path(rules) or paths.rules_dir())
    except (InputError, ValueError) as error:
        click.echo(f"bookflow webhook: {error}", err=True)
        sys.exit(2)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@main.command("bench-inbound")
@click.option("--accounts", type=int, default=100_000, show_default=True, help="Accounts in the demo CRM.")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Hand raises per second in the stream.")
@click.option("--duration", type=float, default=300.0, show_default=True, help="Seconds the stream lasts.")
@click.option("--burst", type=int, default=500, show_default=True, help="Hand raises posted at once, mid-stream.")
@click.option("--workdir", type=click.Path(file_okay=False), help="Where to keep the files (default: a temp dir).")
def bench_inbound(accounts, rate, duration, burst, workdir) -> None:
    """Time hand raisers from the webhook to the CRM: p50/p95/p99 while a stream and a burst arrive."""
    from bookflow.inbound.benchmark import format_figures, run_inbound_benchmark

    figures = run_inbound_benchmark(
        accounts=accounts,
        rate=rate,
        duration=duration,
        burst=burst,
        workdir=Path(workdir) if workdir else None,
        echo=click.echo,
    )
    click.echo(format_figures(figures))


def entry_point() -> None:
    """The `bookflow` console script: `main`, then an exit without the interpreter's tear-down."""
    run_then_exit(main)


if __name__ == "__main__":
    entry_point()
