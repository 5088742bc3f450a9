"""Where ownership changes go: the demo CRM, or a CSV file for Data Loader."""

from reverse_etl.destinations.base import Destination, OwnerUpdate, RecordErrorCode, RecordResult
from reverse_etl.destinations.csv_export import CsvExportDestination
from reverse_etl.destinations.demo_crm import DemoCrmDestination
from reverse_etl.destinations.hubspot import HubSpotDestination
from reverse_etl.destinations.salesforce import SalesforceDestination

__all__ = [
    "CsvExportDestination",
    "DemoCrmDestination",
    "Destination",
    "OwnerUpdate",
    "RecordErrorCode",
    "RecordResult",
    "HubSpotDestination",
    "SalesforceDestination",
]
