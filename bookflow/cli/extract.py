"""`bookflow extract --crm salesforce|hubspot`: pull a CRM's records into the warehouse's raw tables."""

from __future__ import annotations

import sys

import click

from bookflow import paths
from bookflow.cli.options import absolute, warehouse_option


@click.command()
@click.option("--crm", "crm", type=click.Choice(["salesforce", "hubspot"]), required=True, help="The CRM to read from.")
@warehouse_option
@click.option(
    "--full-refresh", is_flag=True, help="Forget the cursors: pull every record again and rebuild the raw tables."
)
@click.option(
    "--bulk-threshold",
    type=click.IntRange(min=0),
    default=10_000,
    show_default=True,
    help="Salesforce: pull an object through a Bulk API 2.0 query job above this many changed records.",
)
@click.option(
    "--bulk-page",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Salesforce: records per Bulk API 2.0 result page (maxRecords).",
)
@click.option(
    "--reserve",
    type=click.FloatRange(0.0, 0.99),
    default=0.1,
    show_default=True,
    help="Salesforce: share of the org's daily API allocation left for everything else; stop before using it.",
)
def extract(crm, warehouse, full_refresh, bulk_threshold, bulk_page, reserve) -> None:
    """Pull what changed since the last extract (credentials as for the write-back: SALESFORCE_* or
    HUBSPOT_* env vars) and publish it into the warehouse's raw tables in one transaction. The SDR
    field the warehouse's last cycle named is read too, with its history."""
    from bookflow.crm.errors import CrmError
    from bookflow.sources.run import ExtractOptions, extract_crm
    from bookflow.validation import InputError

    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    try:
        report = extract_crm(
            crm,
            warehouse_path,
            full_refresh=full_refresh,
            options=ExtractOptions(bulk_threshold=bulk_threshold, bulk_page=bulk_page, reserve=reserve),
            sdr_field=_last_cycle_sdr_field(crm, warehouse_path),
        )
    except (CrmError, InputError) as error:
        click.echo(f"bookflow extract: {error}", err=True)
        click.echo("the raw tables in the warehouse are as they were before this extract", err=True)
        sys.exit(2)
    click.echo(report.format())
    click.echo(
        f"  warehouse: {warehouse_path} (schema {crm}); a cycle on them: "
        f"BOOKFLOW_CRM={crm} bookflow run --source warehouse (or --source {crm}, which extracts first)"
    )


def _last_cycle_sdr_field(crm: str, warehouse_path):
    """The SDR field of the warehouse's last cycle (None before any): an extract alone reads what
    the cycles read, so a column or a history it skipped never leaves the landed records without
    it (their cursors would not bring it back)."""
    from bookflow.crm.errors import CrmConfigurationError
    from bookflow.crm.sdr_field import warehouse_sdr_field
    from reverse_etl.duckdb_files import open_duckdb

    if not warehouse_path.exists():
        return None
    with open_duckdb(warehouse_path, read_only=True) as con:
        try:
            return warehouse_sdr_field(con, crm)
        except ValueError as error:
            raise CrmConfigurationError(f"the warehouse's rules.settings: {error}") from error
