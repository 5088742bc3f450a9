"""`bookflow run`, `demo` and `backfill`: whole cycles through Dagster."""

from __future__ import annotations

import json
import sys
import time
from functools import partial

import click

from bookflow import paths
from bookflow.cli.options import (
    absolute,
    as_of_option,
    check_crm_credentials,
    crm_option,
    guard_options,
    input_guard_options,
    parse_date,
    record_option,
    rules_option,
    verbose_option,
    warehouse_option,
)


@click.command()
@as_of_option
@warehouse_option
@rules_option
@crm_option
@click.option(
    "--source",
    type=click.Choice(["auto", "demo", "warehouse", "salesforce", "hubspot"]),
    default="auto",
    show_default=True,
    help="demo: extract raw tables from the demo CRM; warehouse: you loaded them into the warehouse "
    "(BOOKFLOW_CRM=hubspot if they are HubSpot's); salesforce, hubspot: extract them from the CRM's API; "
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
@input_guard_options
@guard_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object (for schedulers).")
@record_option
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
    accept_volume_change,
    max_volume_drop,
    max_quarantine_share,
    lock_timeout,
    force,
    max_book_share,
    max_total_share,
    as_json,
    record,
    verbose,
) -> None:
    """Run one full cycle (extract, dbt build, sync) through Dagster, in-process.

    Exit codes: 0 done; 1 failed (a model, a test, bad input, the sync); 2 usage or configuration;
    3 stopped by an input guard (volumes, quarantined share, stale sources) with the marts left at
    the last good run; 75 gave up waiting for another run on the same warehouse.

    The run is recorded in the project's Dagster instance (see `bookflow ui`) unless --no-record; dbt's and
    Dagster's log go to a file in <warehouse stem>_logs/ beside the warehouse, whose path the summary prints.
    """
    # A CRM without credentials would fail only after extract and dbt build: say so at once.
    check_crm_credentials("run", destination)
    check_crm_credentials("run", source)

    run_and_report(
        as_json=as_json,
        record=record,
        verbose=verbose,
        as_of=as_of,
        warehouse_path=absolute(warehouse) or paths.warehouse_path(),
        rules_dir=absolute(rules),
        demo_crm_path=absolute(crm),
        source=source,
        destination=destination,
        csv_export_path=absolute(csv_path),
        force=force,
        max_book_share=max_book_share,
        max_total_share=max_total_share,
        full_refresh=full_refresh,
        accept_volume_change=accept_volume_change,
        max_volume_drop=max_volume_drop,
        max_quarantine_share=max_quarantine_share,
        lock_timeout_s=lock_timeout,
    )


def alert_failed_run(outcome, log_path) -> None:  # noqa: ANN001
    """Post the failure to the alert webhook, if one is set; say so when it cannot be delivered."""
    import socket

    from bookflow.alerts import failure_message, post_alert

    where = f"log: {log_path} on {socket.gethostname()}" if log_path else f"on {socket.gethostname()}"
    problem = post_alert(
        failure_message(f"bookflow: run FAILED for {outcome.as_of.isoformat()}", outcome.errors, footer=where)
    )
    if problem:
        click.echo(f"bookflow run: {problem}", err=True)


def run_and_report(
    *,
    as_json: bool = False,
    record: bool = True,
    verbose: bool = False,
    warehouse_path,  # noqa: ANN001
    cycle=None,  # noqa: ANN001
    command: str = "run",
    **cycle_args,
) -> None:
    """Run a cycle quietly (progress on a terminal, the log in a file), print its summary, exit
    with the outcome's code (bookflow.cycle: 0, 1, 3 or 75). `record`: in the project's Dagster
    instance, else in a throwaway one.

    `cycle` runs it (bookflow.cycle.run_cycle unless given, e.g. the HubSpot demo's). A wait for
    another run's lock on the warehouse is said on the terminal as it starts."""
    from bookflow.cli.console import RunConsole, log_path_for
    from bookflow.cycle import run_cycle
    from bookflow.summary import summary_record
    from orchestration.instance import project_instance

    log_path = log_path_for(warehouse_path, "run")
    with RunConsole(log_path, verbose=verbose) as console:
        if cycle is None:
            cycle_args.setdefault("on_wait", lambda message: console.say(f"bookflow {command}: {message}"))
        outcome = (cycle or run_cycle)(
            warehouse_path=warehouse_path,
            log_level=console.log_level,
            progress=console,
            instance=project_instance() if record else None,
            **cycle_args,
        )
    console.write_to_log("\n".join(outcome.errors))
    shown_log = None if verbose else log_path
    if not outcome.success:
        alert_failed_run(outcome, shown_log)
    if as_json:
        click.echo(json.dumps(summary_record(outcome, shown_log), default=str))
    else:
        click.echo(outcome.format(shown_log))
    sys.exit(outcome.exit_code)


@click.command()
@click.option("--accounts", type=int, default=5000, show_default=True, help="Accounts in the demo CRM.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the deterministic generator.")
@as_of_option
@click.option("--fresh", is_flag=True, help="Regenerate the demo CRM and warehouse even if they exist.")
@click.option("--no-run", is_flag=True, help="Only create the demo CRM.")
@warehouse_option
@click.option(
    "--crm",
    help="salesforce (the default) or hubspot: which CRM the demo is; or the Salesforce demo CRM's DuckDB file "
    f"(env {paths.DEMO_CRM_ENV}; default data/demo_crm.duckdb).",
)
@click.option(
    "--portal",
    type=click.Path(dir_okay=False),
    help="With --crm hubspot: the demo portal's DuckDB file (default data/demo_hubspot.duckdb).",
)
@record_option
@verbose_option
def demo(accounts, seed, as_of, fresh, no_run, warehouse, crm, portal, record, verbose) -> None:
    """Create the demo CRM if missing, then run a full cycle on it.

    With --crm hubspot the demo is a HubSpot portal served over HTTPS by bookflow's local CRM: the
    cycle extracts it through HubSpot's API and writes owners back through the HubSpot destination.
    """
    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    if crm == "hubspot":
        from bookflow.hubspot_demo import create_portal, portal_paths, run_hubspot_demo

        portal_path, _ = portal_paths(absolute(portal))
        if fresh or not portal_path.exists():
            portal_path.parent.mkdir(parents=True, exist_ok=True)
            if fresh and warehouse_path.exists():
                warehouse_path.unlink()
            started = time.perf_counter()
            companies = create_portal(portal_path, accounts=accounts, seed=seed, as_of=as_of)
            click.echo(
                f"demo HubSpot portal: {companies:,} companies in {portal_path} ({time.perf_counter() - started:.1f}s)"
            )
        else:
            click.echo(f"demo HubSpot portal: using {portal_path} (--fresh to regenerate)")
        if no_run:
            return
        run_and_report(
            record=record,
            verbose=verbose,
            as_of=as_of,
            warehouse_path=warehouse_path,
            cycle=partial(run_hubspot_demo, portal_path),
        )
        return

    from bookflow.demo_crm import generate_demo_crm

    crm_path = (absolute(crm) if crm and crm != "salesforce" else None) or paths.demo_crm_path()
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
    run_and_report(
        record=record,
        verbose=verbose,
        as_of=as_of,
        warehouse_path=warehouse_path,
        demo_crm_path=crm_path,
        command="demo",
    )


@click.command()
@click.option("--start", required=True, callback=parse_date, help="First as-of date, YYYY-MM-DD.")
@click.option("--end", required=True, callback=parse_date, help="Last as-of date, YYYY-MM-DD (included).")
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
@record_option
@verbose_option
def backfill(start, end, warehouse, rules, crm, source, record, verbose) -> None:
    """Build the marts and their daily history for each day from --start to --end; nothing is synced."""
    from bookflow.backfill import backfill_days, run_backfill

    try:
        days = backfill_days(start, end)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    click.echo(f"backfill of {len(days)} days, {start.isoformat()} to {end.isoformat()} (no sync)")
    from bookflow.cli.console import RunConsole, log_path_for
    from orchestration.instance import project_instance

    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    terminal = sys.stdout
    log_path = log_path_for(warehouse_path, "backfill")
    with RunConsole(log_path, verbose=verbose, spinner=False) as console:
        outcomes = run_backfill(
            start,
            end,
            warehouse_path=warehouse_path,
            rules_dir=absolute(rules),
            demo_crm_path=absolute(crm),
            source=source,
            log_level=console.log_level,
            echo=lambda line: click.echo(line, file=terminal),
            instance=project_instance() if record else None,
        )
    built = sum(outcome.success for outcome in outcomes)
    click.echo(f"{built} of {len(days)} days built; history in schema marts (*_history tables)")
    if not verbose:
        click.echo(f"  log: {log_path}")
    sys.exit(0 if built == len(days) else 1)
