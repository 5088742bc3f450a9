"""HubSpot as a dlt source: one resource per raw table of the input contract
(bookflow.sources.hubspot_tables), each reading its records page by page
(bookflow.sources.hubspot_pages) and landing them as text; the publish casts them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import dlt
import pyarrow as pa

from bookflow.crm.hubspot.objects import HubSpotReader
from bookflow.crm.sdr_field import SdrField
from bookflow.sources.hubspot_pages import EPOCH, associated_ids, record_pages, stamp
from bookflow.sources.hubspot_tables import (
    COMPANY_PROPERTIES,
    DEAL_PROPERTIES,
    ENGAGEMENT_PROPERTIES,
    ENGAGEMENT_TYPES,
    OWNER,
    RAW,
)

CURSOR = "_cursor_at"  # the landing column holding the record's last modification (or archiving)


def _arrow(rows: list[dict[str, Any]], columns: list[str]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema([(column, pa.string()) for column in columns]))


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


@dlt.source(name="hubspot", max_table_nesting=0)
def hubspot_source(reader: HubSpotReader, sdr_field: SdrField | None = None) -> list:
    """One resource per object of the input contract; companies with the SDR property the rules
    need (`sdr_field`: a property the portal lacks stops the pull naming it)."""
    properties = COMPANY_PROPERTIES | ({sdr_field.column: sdr_field.api_name} if sdr_field else {})
    reader.require_properties("companies", [name for name in properties.values() if name != "website"])
    reader.require_properties("deals", list(DEAL_PROPERTIES.values()))
    return [
        _companies(reader, properties, sdr_field.api_name if sdr_field else None),
        _owners(reader),
        _deals(reader),
        *(_engagements(reader, object_type) for object_type in ENGAGEMENT_TYPES),
    ]


def _incremental():
    return dlt.sources.incremental(CURSOR, initial_value=EPOCH)


def _landed(table: str, *extra: str) -> list[str]:
    return [*RAW[table].columns, CURSOR, *extra]


def _columns(table: str, *extra: str) -> dict[str, dict[str, str]]:
    return {column: {"data_type": "text"} for column in _landed(table, *extra)}


def _owner_history(record: dict[str, Any], names: list[str]) -> str | None:
    """The versions of the record's owner properties as HubSpot gave them (newest first), each
    with its property's name, as JSON (publish makes a row of each); None when none came."""
    given = record.get("propertiesWithHistory") or {}
    if not any(given.get(name) is not None for name in names):
        return None
    return json.dumps([{"name": name} | version for name in names for version in given.get(name) or []])


def _companies(reader: HubSpotReader, company_properties: dict[str, str], sdr_property: str | None):
    extra = [column for column in company_properties if column not in COMPANY_PROPERTIES]
    owner_properties = [OWNER, *([sdr_property] if sdr_property else [])]

    @dlt.resource(
        name="company",
        primary_key="id",
        write_disposition="merge",
        columns=_columns("company", *extra, "owner_history"),
    )
    def company(cursor=_incremental()) -> Iterator[Any]:  # noqa: B008 (dlt reads the cursor from the default)
        properties = list(company_properties.values())
        for records, _ in record_pages(reader, "companies", cursor.last_value, properties, owner_properties):
            rows = []
            for record in records:
                values = record.get("properties") or {}
                rows.append(
                    {
                        "id": record["id"],
                        "is_deleted": "true" if record.get("archived") else "false",
                        CURSOR: stamp(record),
                    }
                    | {column: _text(values.get(name)) for column, name in company_properties.items()}
                    | {"owner_history": _owner_history(record, owner_properties)}
                )
            if rows:
                yield _arrow(rows, _landed("company", *extra, "owner_history"))

    return company


def _owners(reader: HubSpotReader):
    @dlt.resource(name="owner", primary_key="owner_id", write_disposition="merge", columns=_columns("owner"))
    def owner() -> Iterator[pa.Table]:
        # A few hundred at most: read whole every time. An archived owner is a deactivated user.
        for archived in (False, True):
            for page in reader.owners(archived=archived):
                rows = [
                    {
                        "owner_id": item["id"], "email": item.get("email"), "first_name": item.get("firstName"),
                        "last_name": item.get("lastName"), "is_active": "false" if archived else "true",
                        CURSOR: item.get("updatedAt"),
                    }
                    for item in page
                ]  # fmt: skip
                if rows:
                    yield _arrow(rows, _landed("owner"))

    return owner


def _deals(reader: HubSpotReader):
    @dlt.resource(
        name="deal", primary_key="deal_id", write_disposition="merge", columns=_columns("deal", "company_ids")
    )
    def deal(cursor=_incremental()) -> Iterator[Any]:  # noqa: B008
        for records, linked in record_pages(
            reader, "deals", cursor.last_value, list(DEAL_PROPERTIES.values()), [], ["companies"]
        ):
            rows = [
                {
                    "deal_id": record["id"], "is_deleted": "true" if record.get("archived") else "false",
                    CURSOR: stamp(record), "company_ids": associated_ids(record, linked, "companies"),
                }
                | {column: _text((record.get("properties") or {}).get(name)) for column, name in DEAL_PROPERTIES.items()}
                for record in records
            ]  # fmt: skip
            if rows:
                yield _arrow(rows, _landed("deal", "company_ids"))

    return deal


# An engagement's companies say which accounts it touched; its contacts, who it was with.
ASSOCIATED = ("company_ids", "contact_ids")


def _engagements(reader: HubSpotReader, object_type: str):
    @dlt.resource(
        name=f"engagement_{object_type}",
        table_name="engagement",
        primary_key="id",
        write_disposition="merge",
        columns=_columns("engagement", *ASSOCIATED),
    )
    def engagement(cursor=_incremental()) -> Iterator[Any]:  # noqa: B008
        properties = list(ENGAGEMENT_PROPERTIES.values())
        for records, linked in record_pages(
            reader, object_type, cursor.last_value, properties, [], ["companies", "contacts"]
        ):
            rows = [
                {
                    "id": record["id"], "type": ENGAGEMENT_TYPES[object_type],
                    "active": "false" if record.get("archived") else "true", CURSOR: stamp(record),
                    "company_ids": associated_ids(record, linked, "companies"),
                    "contact_ids": associated_ids(record, linked, "contacts"),
                }
                | {column: _text((record.get("properties") or {}).get(name)) for column, name in ENGAGEMENT_PROPERTIES.items()}
                for record in records
            ]  # fmt: skip
            if rows:
                yield _arrow(rows, _landed("engagement", *ASSOCIATED))

    return engagement
