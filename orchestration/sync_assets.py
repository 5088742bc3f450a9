"""Ownership changes go to the CRM through the reverse-ETL engine, once each."""

from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.allocation_assets import allocation_dbt_assets
from orchestration.resources import BookflowSettings, CycleLock
from reverse_etl import BlastRadiusExceeded, SyncError, sync


@dg.asset(
    key=dg.AssetKey(["reverse_etl", "crm_sync"]),
    deps=[get_asset_key_for_model([allocation_dbt_assets], "ownership_changes")],
    group_name="reverse_etl",
    description="Apply this run's ownership changes to the CRM and record each in reverse_etl.sync_ledger.",
)
def crm_sync(
    context: dg.AssetExecutionContext, bookflow: BookflowSettings, cycle_lock: CycleLock
) -> dg.MaterializeResult:
    if bookflow.destination == "none":
        context.log.info("destination is 'none': changes planned, nothing written")
        return dg.MaterializeResult(metadata={"destination": "none"})
    try:
        destination = bookflow.make_destination()
        report = sync(
            Path(bookflow.warehouse_path),
            destination,
            max_book_share=bookflow.max_book_share,
            max_total_share=bookflow.max_total_share,
            force=bookflow.force,
        )
    except BlastRadiusExceeded as error:
        # The guard refused the plan before writing anything: the run fails, visibly, and says why.
        raise dg.Failure(
            description=str(error),
            metadata={"destination": bookflow.destination, "guard_violations": "\n".join(error.problems)},
        ) from error
    except SyncError as error:
        # Configuration (a missing credential env var) or an unreachable CRM: the run fails, visibly.
        raise dg.Failure(description=str(error)) from error
    for line in report.format_summary().splitlines():
        context.log.info(line)
    metadata: dict = {"destination": destination.name, "planned": report.planned}
    metadata.update({f"status_{status}": count for status, count in report.counts.items()})
    metadata["left"] = len(report.left)
    metadata["summary"] = dg.MetadataValue.md(
        "\n".join(f"- {line.strip()}" for line in report.format_summary().splitlines())
        + "\n\nEvery outcome: `select * from reverse_etl.sync_ledger`"
    )
    if report.unsettled:
        # As `bookflow sync` exits 1: failed, conflicting or left changes need a person or another sync.
        raise dg.Failure(
            description=(
                f"{report.unsettled} ownership changes not settled (failed {report.counts['failed']}, "
                f"conflicted {report.counts['conflict']}, left {len(report.left)}, out of attempts "
                f"{report.exhausted}); see reverse_etl.sync_ledger and `bookflow sync --dry-run`"
            ),
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)
