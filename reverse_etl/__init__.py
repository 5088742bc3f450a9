"""Reverse ETL: write the warehouse's ownership changes back to the CRM, each at most once.

    report = sync(warehouse_path, DemoCrmDestination(crm_path))
    print(report.format_summary())

`reverse_etl.sync_ledger` in the warehouse records what became of every change per destination.
"""

from reverse_etl.destinations import (
    CsvExportDestination,
    DemoCrmDestination,
    Destination,
    HubSpotDestination,
    OwnerUpdate,
    RecordErrorCode,
    RecordResult,
    SalesforceDestination,
)
from reverse_etl.engine import DEFAULT_CONCURRENCY, ChangeOutcome, PlannedChange, SyncReport, sync
from reverse_etl.exceptions import (
    AnswerLost,
    BlastRadiusExceeded,
    ConfigurationError,
    DestinationError,
    InvalidIds,
    LimitReached,
    SyncError,
)
from reverse_etl.guard import BlastRadius
from reverse_etl.ledger import SyncStatus, ensure_ledger

__all__ = [
    "DEFAULT_CONCURRENCY",
    "AnswerLost",
    "BlastRadius",
    "BlastRadiusExceeded",
    "ChangeOutcome",
    "ConfigurationError",
    "CsvExportDestination",
    "DemoCrmDestination",
    "Destination",
    "DestinationError",
    "InvalidIds",
    "LimitReached",
    "OwnerUpdate",
    "PlannedChange",
    "RecordErrorCode",
    "RecordResult",
    "SyncError",
    "SyncReport",
    "SyncStatus",
    "ensure_ledger",
    "sync",
    "HubSpotDestination",
    "SalesforceDestination",
]
