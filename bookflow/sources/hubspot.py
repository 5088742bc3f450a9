"""HubSpot as a dlt source, landing the tables of the Fivetran HubSpot connector: company
(with the history of its owner properties, hubspot_owner_id and the SDR property the rules need,
in company_property_history), owner, deal and deal_company, engagement and engagement_company
(calls, emails, meetings, notes and tasks).

The first pull lists every record (the list endpoint has no 10,000 cap); later pulls search for
what changed since the cursor (hs_lastmodifieddate) and read those records in batches, with their
owner history and company associations. Archived records are listed on every pull: they land
with is_deleted true (engagements: active false) once archived after the cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa

from bookflow.crm.hubspot.objects import HubSpotReader
from bookflow.crm.sdr_field import SdrField
from bookflow.sources.tables import BOOL, FLOAT, INT, TEXT, TIMESTAMP, RawTable

EPOCH = "1970-01-01T00:00:00.000Z"
CURSOR = "_cursor_at"  # the landing column holding the record's last modification (or archiving)
OWNER = "hubspot_owner_id"
ENGAGEMENT_TYPES = {"calls": "CALL", "emails": "EMAIL", "meetings": "MEETING", "notes": "NOTE", "tasks": "TASK"}

COMPANY_PROPERTIES = {
    "property_name": "name",
    "property_hubspot_owner_id": OWNER,
    "property_lifecyclestage": "lifecyclestage",
    "property_industry": "industry",
    "property_numberofemployees": "numberofemployees",
    "property_annualrevenue": "annualrevenue",
    "property_country": "country",
    "property_state": "state",
    "property_createdate": "createdate",
    "property_website": "website",
}
DEAL_PROPERTIES = {
    "owner_id": OWNER,
    "deal_pipeline_stage_id": "dealstage",
    "property_dealname": "dealname",
    "property_createdate": "createdate",
    "property_closedate": "closedate",
    "property_hs_is_closed": "hs_is_closed",
    "property_hs_is_closed_won": "hs_is_closed_won",
}
ENGAGEMENT_PROPERTIES = {"owner_id": OWNER, "timestamp": "hs_timestamp"}


def _raw(name: str, columns: dict[str, str], key: str, **options) -> RawTable:
    return RawTable("hubspot", name, columns, key=key, **options)


RAW = {
    table.name: table
    for table in (
        _raw(
            "company",
            {
                "id": INT, "is_deleted": BOOL, "property_name": TEXT, "property_hubspot_owner_id": TEXT,
                "property_lifecyclestage": TEXT, "property_industry": TEXT, "property_numberofemployees": INT,
                "property_annualrevenue": FLOAT, "property_country": TEXT, "property_state": TEXT,
                "property_createdate": TIMESTAMP, "property_website": TEXT,
            },
            "id",
            optional_columns=("property_website",),
        ),
        _raw("owner", {"owner_id": TEXT, "email": TEXT, "first_name": TEXT, "last_name": TEXT, "is_active": BOOL}, "owner_id"),
        _raw(
            "deal",
            {
                "deal_id": INT, "owner_id": TEXT, "is_deleted": BOOL, "deal_pipeline_stage_id": TEXT,
                "property_dealname": TEXT, "property_createdate": TIMESTAMP, "property_closedate": TIMESTAMP,
                "property_hs_is_closed": BOOL, "property_hs_is_closed_won": BOOL,
            },
            "deal_id",
        ),
        _raw(
            "deal_company", {"deal_id": INT, "company_id": INT}, "deal_id",
            parent="deal", parent_key="deal_id",
            rows_sql="select deal_id, unnest(string_split(company_ids, ';')) as company_id, _dlt_load_id "
            "from {landed} where coalesce(company_ids, '') <> ''",
        ),
        _raw("engagement", {"id": INT, "type": TEXT, "owner_id": TEXT, "timestamp": TIMESTAMP, "active": BOOL}, "id"),
        _raw(
            "engagement_company", {"engagement_id": INT, "company_id": INT}, "engagement_id",
            parent="engagement", parent_key="id",
            rows_sql="select id as engagement_id, unnest(string_split(company_ids, ';')) as company_id, _dlt_load_id "
            "from {landed} where coalesce(company_ids, '') <> ''",
        ),
        _raw(
            "company_property_history",
            {"company_id": INT, "name": TEXT, "value": TEXT, "timestamp": TIMESTAMP, "source": TEXT, "source_id": TEXT},
            "company_id",
            parent="company", parent_key="id",
            # Versions landed before they carried their property's name are hubspot_owner_id's.
            rows_sql="select id as company_id, coalesce(version.name, 'hubspot_owner_id') as name, version.value, "
            "version.timestamp, version.sourceType as source, version.sourceId as source_id, _dlt_load_id "
            "from (select id, _dlt_load_id, unnest(from_json(owner_history, "
            "'[{\"name\": \"VARCHAR\", \"value\": \"VARCHAR\", \"timestamp\": \"VARCHAR\", "
            "\"sourceType\": \"VARCHAR\", \"sourceId\": \"VARCHAR\"}]')) as version "
            "from {landed} where owner_history is not null)",
        ),
    )
}  # fmt: skip


def _arrow(rows: list[dict[str, Any]], columns: list[str]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema([(column, pa.string()) for column in columns]))


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp() * 1000)


def _changed(reader: HubSpotReader, object_type: str, since: str, properties: list[str], history: list[str]):
    """The records modified since the cursor, read whole (with history), with their companies."""
    for page in reader.modified_since(object_type, _ms(since)):
        ids = [record["id"] for record in page]
        records = reader.batch_read(object_type, ids, properties, history)
        linked = {} if object_type == "companies" else reader.associated_companies(object_type, ids)
        yield records, linked


def _listed(reader: HubSpotReader, object_type: str, properties: list[str], history: list[str]):
    associations = [] if object_type == "companies" else ["companies"]
    for page in reader.list_pages(object_type, properties, associations=associations, history=history):
        linked = {
            record["id"]: [
                item["id"] for item in ((record.get("associations") or {}).get("companies") or {}).get("results", [])
            ]
            for record in page
        }
        yield page, linked


def _pages(reader: HubSpotReader, object_type: str, since: str, properties: list[str], history: list[str]):
    """Live records (all of them on the first pull, then what changed), then the archived ones."""
    if since == EPOCH:
        yield from _listed(reader, object_type, properties, history)
    else:
        yield from _changed(reader, object_type, since, properties, history)
    for page in reader.list_pages(object_type, properties, archived=True):
        yield page, {}


def _stamp(record: dict[str, Any]) -> str:
    return record.get("archivedAt") if record.get("archived") else (record.get("updatedAt") or EPOCH)


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


def raw_tables(sdr_field: SdrField | None = None) -> list[RawTable]:
    """The raw tables the pull lands, hubspot.company with the SDR column if the rules need it."""
    return [
        replace(raw, columns=raw.columns | {sdr_field.column: TEXT}) if sdr_field and raw.name == "company" else raw
        for raw in RAW.values()
    ]


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
        for records, _ in _pages(reader, "companies", cursor.last_value, properties, owner_properties):
            rows = []
            for record in records:
                values = record.get("properties") or {}
                rows.append(
                    {
                        "id": record["id"],
                        "is_deleted": "true" if record.get("archived") else "false",
                        CURSOR: _stamp(record),
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


def _company_ids(record: dict[str, Any], linked: dict[str, list[str]]) -> str:
    """The record's companies, ';'-separated (publish makes one association row of each)."""
    return ";".join(linked.get(record["id"], []))


def _deals(reader: HubSpotReader):
    @dlt.resource(
        name="deal", primary_key="deal_id", write_disposition="merge", columns=_columns("deal", "company_ids")
    )
    def deal(cursor=_incremental()) -> Iterator[Any]:  # noqa: B008
        for records, linked in _pages(reader, "deals", cursor.last_value, list(DEAL_PROPERTIES.values()), []):
            rows = [
                {
                    "deal_id": record["id"], "is_deleted": "true" if record.get("archived") else "false",
                    CURSOR: _stamp(record), "company_ids": _company_ids(record, linked),
                }
                | {column: _text((record.get("properties") or {}).get(name)) for column, name in DEAL_PROPERTIES.items()}
                for record in records
            ]  # fmt: skip
            if rows:
                yield _arrow(rows, _landed("deal", "company_ids"))

    return deal


def _engagements(reader: HubSpotReader, object_type: str):
    @dlt.resource(
        name=f"engagement_{object_type}",
        table_name="engagement",
        primary_key="id",
        write_disposition="merge",
        columns=_columns("engagement", "company_ids"),
    )
    def engagement(cursor=_incremental()) -> Iterator[Any]:  # noqa: B008
        properties = list(ENGAGEMENT_PROPERTIES.values())
        for records, linked in _pages(reader, object_type, cursor.last_value, properties, []):
            rows = [
                {
                    "id": record["id"], "type": ENGAGEMENT_TYPES[object_type],
                    "active": "false" if record.get("archived") else "true", CURSOR: _stamp(record),
                    "company_ids": _company_ids(record, linked),
                }
                | {column: _text((record.get("properties") or {}).get(name)) for column, name in ENGAGEMENT_PROPERTIES.items()}
                for record in records
            ]  # fmt: skip
            if rows:
                yield _arrow(rows, _landed("engagement", "company_ids"))

    return engagement
