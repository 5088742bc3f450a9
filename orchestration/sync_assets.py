"""Ownership changes go to the CRM through the reverse-ETL engine, once each."""

from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.allocation_assets import allocation_dbt_assets
from orchestration.resources import BookflowSettings
from reverse_etl import CsvExportDestination, DemoCrmDestination, sync


def _destination(bookflow: BookflowSettings):
    if bookflow.destination == "demo":
        return DemoCrmDestination(Path(bookflow.demo_crm_path))
    if bookflow.destination == "csv":
        export = Path(bookflow.csv_export_path or Path(bookflow.warehouse_path).parent / "owner_updates.csv")
        return CsvExportDestination(export, warehouse_path=Path(bookflow.warehouse_path))
    return None


@dg.asset(
    key=dg.AssetKey(["reverse_etl", "crm_sync"]),
    deps=[get_asset_key_for_model([allocation_dbt_assets], "ownership_changes")],
    group_name="reverse_etl",
    description="Apply this run's ownership changes to the CRM and record each in reverse_etl.sync_ledger.",
)
def crm_sync(context: dg.AssetExecutionContext, bookflow: BookflowSettings) -> dg.MaterializeResult:
    destination = _destination(bookflow)
    if destination is None:
        context.log.info("destination is 'none': changes planned, nothing written")
        return dg.MaterializeResult(metadata={"destination": "none"})
    report = sync(Path(bookflow.warehouse_path), destination)
    for line in report.format_summary().splitlines():
        context.log.info(line)
    metadata = {"destination": destination.name, "planned": report.planned}
    metadata.update({f"status_{status}": count for status, count in report.counts.items()})
    if report.counts.get("failed"):
        raise dg.Failure(
            description=f"{report.counts['failed']} ownership changes failed to sync; see reverse_etl.sync_ledger",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)
