"""`bookflow extract --crm salesforce|hubspot`: pull from the CRM's API, then publish the raw tables.

Credentials are the write-back's (SALESFORCE_* or HUBSPOT_* environment variables, read by
bookflow.crm), so one connected app or private app serves both directions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bookflow.crm.sdr_field import SdrField
from bookflow.sources.landing import ExtractReport, publish, pull


@dataclass(frozen=True)
class ExtractOptions:
    """How hard the extract may lean on the CRM."""

    verify: bool | str | Path = True  # TLS: the system CAs or BOOKFLOW_CA_BUNDLE, or a CA bundle file
    # Salesforce: pulls above this many records use a Bulk API 2.0 query job; its result pages hold
    # this many records; this share of the org's daily API allocation is left for everything else.
    bulk_threshold: int = 10_000
    bulk_page: int = 100_000
    reserve: float = 0.1


def raw_tables(crm: str, sdr_field: SdrField | None = None):
    if crm == "salesforce":
        from bookflow.sources.salesforce import raw_tables as salesforce_tables

        return salesforce_tables(sdr_field)
    from bookflow.sources.hubspot_tables import raw_tables as hubspot_tables

    return hubspot_tables(sdr_field)


def extract_crm(
    crm: str,
    warehouse: Path,
    *,
    full_refresh: bool = False,
    options: ExtractOptions | None = None,
    credentials=None,
    sdr_field: SdrField | None = None,
) -> ExtractReport:
    """Pull what changed in `crm` since the last pull, then publish it into the warehouse's raw tables.

    `credentials` (SalesforceCredentials or HubSpotCredentials) default to the environment's;
    `sdr_field`, the SDR owner field the rules need (bookflow.crm.sdr_field.needed_sdr_field).
    """
    started = time.perf_counter()
    report = ExtractReport(crm)
    report.pulled, report.requests = _pull(
        crm, warehouse, full_refresh, options or ExtractOptions(), credentials, sdr_field
    )
    report.published = publish_crm(crm, warehouse, full=full_refresh, sdr_field=sdr_field)
    report.seconds = time.perf_counter() - started
    return report


def pull_crm(
    crm: str,
    warehouse: Path,
    *,
    full_refresh: bool = False,
    options: ExtractOptions | None = None,
    sdr_field: SdrField | None = None,
):
    """Only the pull into the landing (the cycle's per-CRM asset); rows landed per table."""
    return _pull(crm, warehouse, full_refresh, options or ExtractOptions(), None, sdr_field)[0]


def publish_crm(
    crm: str,
    warehouse: Path,
    *,
    full: bool = False,
    sdr_field: SdrField | None = None,
    before_commit=None,  # noqa: ANN001
) -> dict[str, int]:
    """Only the publish of what landed into the raw tables (the cycle's extract step); `before_commit`
    sees the published tables inside the publish's transaction (the cycle's input guards)."""
    return publish(crm, raw_tables(crm, sdr_field), warehouse, full=full, before_commit=before_commit)


def _pull(
    crm: str, warehouse: Path, full_refresh: bool, options: ExtractOptions, credentials, sdr_field: SdrField | None
) -> tuple[dict[str, int], int]:
    pulled: dict[str, int] = {}
    if crm == "salesforce":
        from bookflow.crm.salesforce import SalesforceCredentials, SalesforceSession
        from bookflow.sources.salesforce import salesforce_source

        credentials = credentials or SalesforceCredentials.from_env()
        with SalesforceSession(credentials, verify=options.verify) as session:
            source = salesforce_source(
                session,
                reserve=options.reserve,
                bulk_threshold=options.bulk_threshold,
                bulk_page=options.bulk_page,
                sdr_field=sdr_field,
            )
            pulled = pull(crm, source, warehouse, full_refresh=full_refresh)
            requests = session.requests
    elif crm == "hubspot":
        from bookflow.crm.hubspot import HubSpotCredentials, HubSpotSession
        from bookflow.crm.hubspot.objects import HubSpotReader
        from bookflow.sources.hubspot import hubspot_source

        credentials = credentials or HubSpotCredentials.from_env()
        with HubSpotSession(credentials, verify=options.verify) as session:
            source = hubspot_source(HubSpotReader(session), sdr_field=sdr_field)
            pulled = pull(crm, source, warehouse, full_refresh=full_refresh)
            requests = session.requests
    else:
        raise ValueError(f"unknown CRM {crm!r}: bookflow extracts from salesforce or hubspot")
    return pulled, requests
