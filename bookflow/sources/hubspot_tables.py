"""The raw tables a pull from HubSpot lands, shaped like the Fivetran HubSpot connector's: company
(with the history of its owner properties in company_property_history), owner, deal and
deal_company, engagement with engagement_company and engagement_contact (who it was with); and
which HubSpot property fills each column.
"""

from __future__ import annotations

from dataclasses import replace

from bookflow.crm.sdr_field import SdrField
from bookflow.sources.tables import BOOL, FLOAT, INT, TEXT, TIMESTAMP, RawTable

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


def _association(name: str, parent: str, parent_key: str, other: str, ids_column: str) -> RawTable:
    """An association table, a row per id of the parent's landed ';'-separated `ids_column`."""
    key = f"{parent}_id"
    return _raw(
        name,
        {key: INT, other: INT},
        key,
        parent=parent,
        parent_key=parent_key,
        rows_sql=f"select {parent_key} as {key}, unnest(string_split({ids_column}, ';')) as {other}, _dlt_load_id "
        f"from {{landed}} where coalesce({ids_column}, '') <> ''",
    )


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
        _association("deal_company", "deal", "deal_id", "company_id", "company_ids"),
        _raw("engagement", {"id": INT, "type": TEXT, "owner_id": TEXT, "timestamp": TIMESTAMP, "active": BOOL}, "id"),
        _association("engagement_company", "engagement", "id", "company_id", "company_ids"),
        _association("engagement_contact", "engagement", "id", "contact_id", "contact_ids"),
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


def raw_tables(sdr_field: SdrField | None = None) -> list[RawTable]:
    """The raw tables the pull lands, hubspot.company with the SDR column if the rules need it."""
    return [
        replace(raw, columns=raw.columns | {sdr_field.column: TEXT}) if sdr_field and raw.name == "company" else raw
        for raw in RAW.values()
    ]
