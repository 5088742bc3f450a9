"""`bookflow sync`: apply (or show) the latest plan's ownership changes."""

from __future__ import annotations

import sys
from collections import Counter

import click

from bookflow import paths
from bookflow.cli.options import absolute, crm_option, guard_options, share_limits, warehouse_option


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
@guard_options
def sync(dry_run, warehouse, crm, destination, csv_path, limit, force, max_book_share, max_total_share) -> None:
    """Apply (or with --dry-run, show) the latest run's pending ownership changes."""
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
        )
        report = run_sync(
            warehouse_path, target, dry_run=dry_run, force=force, **share_limits(max_book_share, max_total_share)
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
