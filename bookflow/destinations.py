"""The reverse-ETL destination a run or `bookflow sync` writes to, chosen by name."""

from __future__ import annotations

import logging
from pathlib import Path

from bookflow.crm.sdr_field import warehouse_sdr_field
from bookflow.paths import beside_warehouse
from reverse_etl import CsvExportDestination, DemoCrmDestination, Destination, HubSpotDestination, SalesforceDestination
from reverse_etl.duckdb_files import open_duckdb

DESTINATIONS = ("demo", "csv", "salesforce", "hubspot")
log = logging.getLogger(__name__)


def make_destination(
    name: str,
    *,
    warehouse_path: Path,
    demo_crm_path: Path,
    csv_path: Path | None = None,
    concurrency: int | None = None,
) -> Destination:
    """`demo` writes owners into the demo CRM; `csv` exports them to <warehouse stem>_owner_updates.csv beside it (or to csv_path);
    `salesforce` and `hubspot` read their credentials from env vars (ConfigurationError names a missing one),
    with a connection per request the sync keeps in flight (`concurrency`), and write the SDR field
    the warehouse's rules name besides the CRM owner (`_sdr_field_options`)."""
    connections = {"connections": concurrency} if concurrency else {}
    if name == "demo":
        return DemoCrmDestination(demo_crm_path)
    if name == "csv":
        export = csv_path or beside_warehouse(warehouse_path, "_owner_updates.csv")
        return CsvExportDestination(export, warehouse_path=warehouse_path)
    if name == "salesforce":
        return SalesforceDestination.from_env(**connections, **_sdr_field_options(name, warehouse_path))
    if name == "hubspot":
        return HubSpotDestination.from_env(**connections, **_sdr_field_options(name, warehouse_path))
    raise ValueError(f"unknown destination {name!r}; expected one of {', '.join(DESTINATIONS)}")


def _sdr_field_options(crm: str, warehouse_path: Path) -> dict:
    """The SDR field of the warehouse's last run, allowlisted under its API name and mapped from the
    column the plan names it by. None named (or no warehouse yet): only the CRM owner is written.
    A column whose API name cannot be derived is logged, and its changes fail with INVALID_FIELD."""
    if not warehouse_path.exists():
        return {}
    with open_duckdb(warehouse_path, read_only=True) as con:
        try:
            field = warehouse_sdr_field(con, crm)
        except ValueError as error:
            log.warning("the SDR field is not written to %s: %s", crm, error)
            return {}
    if field is None:
        return {}
    allowed = "allowed_fields" if crm == "salesforce" else "allowed_properties"
    return {allowed: [field.api_name], "field_columns": {field.column: field.api_name}}
