"""How the pull from HubSpot pages through an object's records: the first pull lists every record
(the list endpoint has no 10,000 cap), later pulls search for what changed since the cursor
(hs_lastmodifieddate) and read those records in batches; archived records are listed on every
pull. Each page comes with the ids of the records' associated companies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bookflow.crm.hubspot.objects import HubSpotReader

EPOCH = "1970-01-01T00:00:00.000Z"

Page = tuple[list[dict[str, Any]], dict[str, list[str]]]  # records, and record id -> company ids


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp() * 1000)


def _changed(
    reader: HubSpotReader, object_type: str, since: str, properties: list[str], history: list[str]
) -> Iterator[Page]:
    """The records modified since the cursor, read whole (with history), with their companies."""
    for page in reader.modified_since(object_type, _ms(since)):
        ids = [record["id"] for record in page]
        records = reader.batch_read(object_type, ids, properties, history)
        linked = {} if object_type == "companies" else reader.associated_companies(object_type, ids)
        yield records, linked


def _listed(reader: HubSpotReader, object_type: str, properties: list[str], history: list[str]) -> Iterator[Page]:
    associations = [] if object_type == "companies" else ["companies"]
    for page in reader.list_pages(object_type, properties, associations=associations, history=history):
        linked = {
            record["id"]: [
                item["id"] for item in ((record.get("associations") or {}).get("companies") or {}).get("results", [])
            ]
            for record in page
        }
        yield page, linked


def record_pages(
    reader: HubSpotReader, object_type: str, since: str, properties: list[str], history: list[str]
) -> Iterator[Page]:
    """Live records (all of them on the first pull, then what changed), then the archived ones."""
    if since == EPOCH:
        yield from _listed(reader, object_type, properties, history)
    else:
        yield from _changed(reader, object_type, since, properties, history)
    for page in reader.list_pages(object_type, properties, archived=True):
        yield page, {}


def stamp(record: dict[str, Any]) -> str:
    """The record's cursor value: when it was archived, else last modified."""
    return record.get("archivedAt") if record.get("archived") else (record.get("updatedAt") or EPOCH)
