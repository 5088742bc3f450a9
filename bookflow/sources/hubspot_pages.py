"""How the pull from HubSpot pages through an object's records: the first pull lists every record
(the list endpoint has no 10,000 cap), later pulls search for what changed since the cursor
(hs_lastmodifieddate) and read those records in batches; archived records are listed on every
pull. Each page comes with the ids of the records' associations (companies, an engagement's
contacts), however many pages of them HubSpot gives.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from bookflow.crm.hubspot.objects import HubSpotReader

EPOCH = "1970-01-01T00:00:00.000Z"

# A page of records, and per associated object type (companies, contacts): record id -> the ids
# of its associations, each once.
Page = tuple[list[dict[str, Any]], dict[str, dict[str, list[str]]]]


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp() * 1000)


def _changed(
    reader: HubSpotReader,
    object_type: str,
    since: str,
    properties: list[str],
    history: list[str],
    associated: Sequence[str],
) -> Iterator[Page]:
    """The records modified since the cursor, read whole (with history), with their associations."""
    for page in reader.modified_since(object_type, _ms(since)):
        ids = [record["id"] for record in page]
        records = reader.batch_read(object_type, ids, properties, history)
        yield records, {to_type: reader.associated(object_type, to_type, ids) for to_type in associated}


def _embedded(record: dict[str, Any], to_type: str) -> tuple[list[str], bool]:
    """The ids of the record's `to_type` associations the list embedded (HubSpot may give one
    twice, once per association type), and whether it has more than were embedded."""
    given = (record.get("associations") or {}).get(to_type) or {}
    ids = list(dict.fromkeys(str(item["id"]) for item in given.get("results", [])))
    return ids, bool((given.get("paging") or {}).get("next"))


def _listed(
    reader: HubSpotReader, object_type: str, properties: list[str], history: list[str], associated: Sequence[str]
) -> Iterator[Page]:
    for page in reader.list_pages(object_type, properties, associations=associated, history=history):
        linked: dict[str, dict[str, list[str]]] = {}
        for to_type in associated:
            found: dict[str, list[str]] = {}
            cut_short: list[str] = []
            for record in page:
                found[record["id"]], more = _embedded(record, to_type)
                if more:
                    cut_short.append(record["id"])
            # The list embeds the first associations of a record only: those with more are read
            # whole through the v4 batch read, which pages each record's own.
            if cut_short:
                found |= reader.associated(object_type, to_type, cut_short)
            linked[to_type] = found
        yield page, linked


def record_pages(
    reader: HubSpotReader,
    object_type: str,
    since: str,
    properties: list[str],
    history: list[str],
    associated: Sequence[str] = (),
) -> Iterator[Page]:
    """Live records (all of them on the first pull, then what changed) with the ids of their
    `associated` object types, then the archived ones (whose associations are not read)."""
    if since == EPOCH:
        yield from _listed(reader, object_type, properties, history, associated)
    else:
        yield from _changed(reader, object_type, since, properties, history, associated)
    for page in reader.list_pages(object_type, properties, archived=True):
        yield page, {}


def associated_ids(record: dict[str, Any], linked: dict[str, dict[str, list[str]]], to_type: str) -> str:
    """The record's `to_type` associations, ';'-separated (publish makes one row of each)."""
    return ";".join(linked.get(to_type, {}).get(record["id"], []))


def stamp(record: dict[str, Any]) -> str:
    """The record's cursor value: when it was archived, else last modified."""
    return record.get("archivedAt") if record.get("archived") else (record.get("updatedAt") or EPOCH)
