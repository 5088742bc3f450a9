"""`bookflow sync`: apply (or show) the latest plan's ownership changes.

Exit codes: 0 every planned change is settled (applied); 1 failed, conflicting or left changes
remain (the summary counts them; reverse_etl.sync_ledger and `bookflow sync --dry-run` show them);
2 a configuration error (a setting, credential, certificate or id a person must fix) or a guard
refusal, before anything was written or when nothing more could be.
"""

from __future__ import annotations

import sys
from collections import Counter

import click

from bookflow import paths
from bookflow.cli.options import absolute, crm_option, guard_options, share_limits, warehouse_option

# reverse_etl.DEFAULT_CONCURRENCY, not imported so that `bookflow --help` stays quick
# (tests/test_sync_faults.py keeps the two in step).
DEFAULT_CONCURRENCY = 8


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the pending ownership changes without writing.")
@warehouse_option
@crm_option
@click.option(
    "--destination",
    type=click.Choice(["demo", "csv", "salesforce", "hubspot"]),
    default="demo",
    show_default=True,
    help="salesforce and hubspot read their credentials from env vars (see docs/write-back.md).",
)
@click.option("--csv-path", type=click.Path(dir_okay=False), help="File for --destination csv.")
@click.option("--limit", type=int, default=50, show_default=True, help="Changes to print in a dry run.")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=25),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="CRM requests in flight at once (Salesforce allows 25 long-running ones per org; HubSpot is paced by its rate headers).",
)
@guard_options
def sync(
    dry_run, warehouse, crm, destination, csv_path, limit, concurrency, force, max_book_share, max_total_share
) -> None:
    """Apply (or with --dry-run, show) the latest run's pending ownership changes.

    Exit 0: everything settled; 1: failed, conflicting or left changes remain; 2: configuration
    error or guard refusal.
    """
    from bookflow.destinations import make_destination
    from reverse_etl import BlastRadiusExceeded, ConfigurationError, SyncError
    from reverse_etl import sync as run_sync

    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    try:
        target = make_destination(
            destination,
            warehouse_path=warehouse_path,
            demo_crm_path=absolute(crm) or paths.demo_crm_path(),
            csv_path=absolute(csv_path),
            concurrency=concurrency,
        )
        report = run_sync(
            warehouse_path,
            target,
            dry_run=dry_run,
            force=force,
            concurrency=concurrency,
            **share_limits(max_book_share, max_total_share),
        )
    except ConfigurationError as error:
        click.echo(f"bookflow sync: {error}", err=True)
        sys.exit(2)
    except BlastRadiusExceeded as error:
        click.echo(f"bookflow sync: {error}", err=True)
        _alert("bookflow: sync refused by the blast-radius guard, nothing written", [str(error)])
        sys.exit(2)
    except SyncError as error:
        click.echo(f"bookflow sync failed: {error}", err=True)
        _alert("bookflow: sync FAILED", [str(error)])
        sys.exit(1)
    if not dry_run:
        click.echo(report.format_summary())
        if report.counts.get("failed"):
            _alert(
                f"bookflow: sync finished with {report.counts['failed']} failed changes",
                [report.format_summary(), "every outcome: select * from reverse_etl.sync_ledger"],
            )
        sys.exit(report.exit_code)
    click.echo(f"{report.planned} pending ownership changes for {target.name} (dry run, nothing written)")
    by_type = Counter(change.change_type for change in report.changes)
    click.echo("  by type: " + (", ".join(f"{kind} {count}" for kind, count in sorted(by_type.items())) or "none"))
    by_status = Counter(change.ledger_status or "new" for change in report.changes)
    click.echo(
        "  by ledger status: "
        + (", ".join(f"{status} {count}" for status, count in sorted(by_status.items())) or "none")
        + " (conflicts are looked at again; failed ones are retried until their attempts run out)"
    )
    for change in report.changes[:limit]:
        click.echo(
            f"  {change.change_type:<10} {change.account_id}  {change.from_owner_id or 'pool':<18} -> "
            f"{change.to_owner_id or 'pool':<18} {change.reason}"
            + (f"  [{change.ledger_status}, {change.attempts} attempts]" if change.ledger_status else "")
        )
    if report.planned > limit:
        click.echo(f"  ... {report.planned - limit} more (--limit)")
    if report.exhausted:
        click.echo(f"  {report.exhausted} changes failed too often and are no longer retried (reverse_etl.sync_ledger)")
    for problem in report.guard_violations:
        click.echo(f"  guard: {problem} (a real sync would refuse; --force overrides)")
    for problem in report.invalid_ids:
        click.echo(f"  invalid id: {problem} (a real sync refuses to start)")


def _alert(title: str, errors: list[str]) -> None:
    from bookflow.alerts import failure_message, post_alert

    problem = post_alert(failure_message(title, errors))
    if problem:
        click.echo(f"bookflow sync: {problem}", err=True)
