"""The input contract: the raw tables bookflow reads, column by column (the rules files' contract
is bookflow/rules/contract.py).

One place to read what a user must provide. `bookflow.validation` checks real inputs against it
before anything is written, so a missing column fails with its table and column named.
"""

from __future__ import annotations

# Raw CRM tables, shaped like the Fivetran Salesforce connector: schema -> table -> column -> type.
# A loader may land any column as text: the staging models convert each value to its type, and a
# value that does not convert ('n/a' in number_of_employees) holds its row back in
# marts.quarantine, naming the column and the value, instead of stopping the run. Unambiguous
# spellings are read ('1,200', ' 42 ', '1200.0' as 1200; 'yes'/'no' as true/false); an empty
# value is null, as a missing one is (docs/rules.md says what a null means for each column).
# The dbt sources (models/staging/*/_*__sources.yml) declare the same types as `data_type`, and
# the staging models convert by them; tests/test_dbt_contracts.py keeps the two in step.
TEXT, WHOLE, NUMBER, TRUE_FALSE, TIMESTAMP, DAY = "string", "integer", "number", "boolean", "timestamp", "date"

_ACTIVITY = {
    "id": TEXT,
    "account_id": TEXT,
    "owner_id": TEXT,
    "type": TEXT,
    "activity_date": TIMESTAMP,
    "is_deleted": TRUE_FALSE,
}

RAW_CONTRACT: dict[str, dict[str, dict[str, str]]] = {
    "salesforce": {
        "account": {
            "id": TEXT,
            "name": TEXT,
            "owner_id": TEXT,
            "type": TEXT,
            "industry": TEXT,
            "number_of_employees": WHOLE,
            "annual_revenue": NUMBER,
            "billing_country": TEXT,
            "billing_state": TEXT,
            "created_date": TIMESTAMP,
            "is_deleted": TRUE_FALSE,
        },
        "user": {"id": TEXT, "name": TEXT, "email": TEXT, "is_active": TRUE_FALSE},
        "opportunity": {
            "id": TEXT,
            "account_id": TEXT,
            "owner_id": TEXT,
            "stage_name": TEXT,
            "is_closed": TRUE_FALSE,
            "is_won": TRUE_FALSE,
            "created_date": TIMESTAMP,
            "close_date": DAY,
            "is_deleted": TRUE_FALSE,
        },
        # Tasks and events are both activities, with the same columns.
        "task": _ACTIVITY,
        "event": _ACTIVITY,
        "book_return_c": {
            "id": TEXT,
            "account_c": TEXT,
            "returned_by_c": TEXT,
            "reason_c": TEXT,
            "created_date": TIMESTAMP,
            "is_deleted": TRUE_FALSE,
        },
    },
    "signals": {
        "account_signal": {"account_id": TEXT, "signal_type": TEXT, "occurred_at": TIMESTAMP, "strength": NUMBER},
    },
}

# The same tables, column names only, in order.
RAW_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    schema: {table: tuple(columns) for table, columns in tables.items()} for schema, tables in RAW_CONTRACT.items()
}

# Columns copied when the CRM has them, and read as null where it does not. The SDR owner column
# of `salesforce.account` has no fixed name: settings.csv names it (`sdr_owner_column`, e.g.
# Fivetran's `sdr_owner_c` for a custom field SDR_Owner__c).
OPTIONAL_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    # Account.Website: hand raises are matched to accounts by its registrable domain.
    ("salesforce", "account"): ("website",),
    ("hubspot", "company"): ("property_website",),
    # The contact or lead an activity was with (Salesforce WhoId): counts distinct contacts touched.
    ("salesforce", "task"): ("who_id",),
    ("salesforce", "event"): ("who_id",),
}

# Tables a CRM may lack: the models read them when they are there (an empty stand-in otherwise).
# AccountHistory rows of the owner fields (field 'Owner', and the SDR field) say when each
# account reached its owner and its SDR; without them that comes from bookflow's own ledger only.
# HubSpot's engagement_contact names who each engagement was with (distinct contacts touched,
# activity_thresholds.csv min_contacts); without it the contact part of a threshold is not applied.
OPTIONAL_RAW_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "salesforce": {
        "account_history": ("id", "account_id", "field", "old_value", "new_value", "created_date", "is_deleted"),
    },
    "hubspot": {"engagement_contact": ("engagement_id", "contact_id")},
}

# The same inputs from HubSpot, shaped like the Fivetran HubSpot connector. An unowned company
# (null property_hubspot_owner_id) is in the pool; engagements are calls, emails, meetings,
# notes and tasks; company_property_history holds the history of hubspot_owner_id (and of the SDR
# property, when the rules name one). HubSpot's API gives every property as a string: typed as
# above, a value that does not convert holds its row back. Record ids are text here, whatever
# type a loader lands them in (the API spells them as strings; Fivetran lands integers).
HUBSPOT_RAW_CONTRACT: dict[str, dict[str, dict[str, str]]] = {
    "hubspot": {
        "company": {
            "id": TEXT,
            "is_deleted": TRUE_FALSE,
            "property_name": TEXT,
            "property_hubspot_owner_id": TEXT,
            "property_lifecyclestage": TEXT,
            "property_industry": TEXT,
            "property_numberofemployees": WHOLE,
            "property_annualrevenue": NUMBER,
            "property_country": TEXT,
            "property_state": TEXT,
            "property_createdate": TIMESTAMP,
        },
        "owner": {"owner_id": TEXT, "email": TEXT, "first_name": TEXT, "last_name": TEXT, "is_active": TRUE_FALSE},
        "deal": {
            "deal_id": TEXT,
            "owner_id": TEXT,
            "is_deleted": TRUE_FALSE,
            "deal_pipeline_stage_id": TEXT,
            "property_dealname": TEXT,
            "property_createdate": TIMESTAMP,
            "property_closedate": TIMESTAMP,
            "property_hs_is_closed": TRUE_FALSE,
            "property_hs_is_closed_won": TRUE_FALSE,
        },
        "deal_company": {"deal_id": TEXT, "company_id": TEXT},
        "engagement": {"id": TEXT, "type": TEXT, "owner_id": TEXT, "timestamp": TIMESTAMP, "active": TRUE_FALSE},
        "engagement_company": {"engagement_id": TEXT, "company_id": TEXT},
        "company_property_history": {
            "company_id": TEXT,
            "name": TEXT,
            "value": TEXT,
            "timestamp": TIMESTAMP,
            "source": TEXT,
            "source_id": TEXT,
        },
    },
    "signals": RAW_CONTRACT["signals"],
}

HUBSPOT_RAW_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    schema: {table: tuple(columns) for table, columns in tables.items()}
    for schema, tables in HUBSPOT_RAW_CONTRACT.items()
}

CRMS = ("salesforce", "hubspot")
# Where marts.quarantine says an account row came from, per CRM.
ACCOUNT_TABLES = ("salesforce.account", "hubspot.company")


def raw_tables(crm: str = "salesforce") -> dict[str, dict[str, tuple[str, ...]]]:
    """The raw tables (schema -> table -> columns) the models need when the CRM is `crm`."""
    if crm not in CRMS:
        raise ValueError(f"unknown CRM {crm!r}: bookflow reads {', '.join(CRMS)}")
    return HUBSPOT_RAW_TABLES if crm == "hubspot" else RAW_TABLES
