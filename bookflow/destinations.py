"""The reverse-ETL destination a run or `bookflow sync` writes to, chosen by name."""

from __future__ import annotations

from pathlib import Path

from reverse_etl import CsvExportDestination, DemoCrmDestination, Destination, HubSpotDestination, SalesforceDestination

DESTINATIONS = ("demo", "csv", "salesforce", "hubspot")


def make_destination(
    name: str,
    *,
    warehouse_path: Path,
    demo_crm_path: Path,
    csv_path: Path | None = None,
    concurrency: int | None = None,
) -> Destination:
    """`demo` writes owners into the demo CRM; `csv` exports them next to the warehouse (or to csv_path);
    `salesforce` and `hubspot` read their credentials from env vars (ConfigurationError names a missing one),
    with a connection per request the sync keeps in flight (`concurrency`)."""
    connections = {"connections": concurrency} if concurrency else {}
    if name == "demo":
        return DemoCrmDestination(demo_crm_path)
    if name == "csv":
        export = csv_path or warehouse_path.parent / "owner_updates.csv"
        return CsvExportDestination(export, warehouse_path=warehouse_path)
    if name == "salesforce":
        return SalesforceDestination.from_env(**connections)
    if name == "hubspot":
        return HubSpotDestination.from_env(**connections)
    raise ValueError(f"unknown destination {name!r}; expected one of {', '.join(DESTINATIONS)}")
