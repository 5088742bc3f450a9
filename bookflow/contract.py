"""The input contract: the raw tables and rules files bookflow reads, column by column.

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


# Column kinds used to check the rules CSVs; "?" marks a column that may be left empty.
STRING, INT, FLOAT, BOOL, DATE = "string", "integer", "number", "true/false", "date (YYYY-MM-DD)"

RULES_FILES: dict[str, dict[str, str]] = {
    "reps.csv": {
        "rep_id": STRING,
        "rep_name": STRING,
        "role": STRING,
        "segment": STRING,
        "theater": STRING,
        "capacity": INT,
        "start_date": DATE + "?",
        "ramp_days": INT + "?",
        "time_off_start": DATE + "?",
        "time_off_end": DATE + "?",
        "end_date": DATE + "?",
    },
    "segments.csv": {
        "segment": STRING,
        "role": STRING,
        "min_employees": INT,
        "max_employees": INT + "?",
        "description": STRING + "?",
    },
    "theaters.csv": {"billing_country": STRING, "theater": STRING},
    "return_reasons.csv": {
        "reason": STRING,
        "rest_days": INT,
        "goes_to_review": BOOL,
        "description": STRING + "?",
    },
    "signal_weights.csv": {
        "signal_type": STRING,
        "weight": FLOAT,
        "half_life_days": FLOAT,
        "is_hand_raise": BOOL,
        "description": STRING + "?",
    },
    "activity_types.csv": {"activity_type": STRING, "is_meaningful": BOOL, "description": STRING + "?"},
    "fit_industries.csv": {"industry": STRING, "points": INT},
    "fit_bands.csv": {"attribute": STRING, "min_value": FLOAT, "max_value": FLOAT + "?", "points": INT},
    "settings.csv": {"setting": STRING, "value": STRING, "description": STRING + "?"},
    "account_overrides.csv": {
        "account_id": STRING,
        "action": STRING,
        "reason": STRING + "?",
        "effective_date": DATE,
    },
    # When each rep takes hand raises: a rep not listed takes them at any hour.
    "rep_availability.csv": {
        "rep_id": STRING,
        "time_zone": STRING,
        "work_days": STRING,
        "work_start": STRING,
        "work_end": STRING,
        "unavailable_until": STRING + "?",
    },
    "roles.csv": {"role": STRING, "owner_field": STRING, "receives": STRING + "?", "description": STRING + "?"},
    "activity_thresholds.csv": {
        "role": STRING,
        "segment": STRING + "?",
        "period_days": INT,
        "min_activities": INT,
        "min_contacts": INT + "?",
        "description": STRING + "?",
    },
}

# Rules files a rules directory may leave out, and what their absence means (bookflow rules check
# says it); the run reads a missing one as empty (header only).
OPTIONAL_RULES_FILES: dict[str, str] = {
    "rep_availability.csv": "every rep takes hand raises at any hour",
    "roles.csv": "every role writes the CRM owner field and is dealt from the pool",
    "activity_thresholds.csv": "no working grades: retrieval follows working_sla_days alone",
}

# Columns added to a rules file after it was first published: a file without them stays valid.
OPTIONAL_RULES_COLUMNS: dict[str, tuple[str, ...]] = {
    "reps.csv": ("end_date",),
    "roles.csv": ("receives",),
}

# Values a rules column may take.
RULES_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("fit_bands.csv", "attribute"): ("employees", "revenue"),
    ("account_overrides.csv", "action"): ("pin", "exclude", "reintroduce", "retire"),
    ("roles.csv", "owner_field"): ("owner", "sdr"),
    ("roles.csv", "receives"): ("", "pool", "handoffs"),
}

# Choices and lists some settings take (checked by bookflow.rules).
DISTRIBUTION_MODES = ("top_off", "fixed_per_rep")
WORKING_GRADES = ("red", "yellow", "green")
# pool_rank_keys: the columns the ready pool may be ranked by, each with its natural direction
# (the best first) used when the key names none; account_id is always the last tie-breaker.
POOL_RANK_KEYS: dict[str, str] = {
    "tier": "asc",
    "priority_score": "desc",
    "fit_score": "desc",
    "timing_score": "desc",
    "last_signal_at": "desc",
    "created_at": "desc",
    "account_id": "asc",
}
DEFAULT_POOL_RANK_KEYS = "priority_score desc,fit_score desc,account_id"

# settings.csv keys and the kind of value each takes.
SETTINGS: dict[str, str] = {
    # Required for Salesforce (the pool user); in HubSpot the pool is the unowned companies.
    "pool_owner_id": STRING,
    "working_sla_days": INT,
    "grace_days": INT,
    "default_rest_days": INT,
    "fit_threshold": FLOAT,
    "timing_threshold": FLOAT,
    "fit_weight": FLOAT,
    "timing_weight": FLOAT,
    "tier_1_min_priority": FLOAT,
    "tier_2_min_priority": FLOAT,
    "rest_break_min_strength": FLOAT,
    "signal_lookback_days": INT,
    # Optional (a "?" kind may be left out; the models then use the default in stg_rules__settings).
    "conversion_window_days": INT + "?",
    # What a hand raise does when every available rep of its book is full: queue (default) or least_loaded.
    "inbound_when_book_full": STRING + "?",
    # Shared ownership and handoffs (docs/rules.md).
    "sdr_owner_column": STRING + "?",
    "sdr_owner_crm_field": STRING + "?",
    "handoff_activity_types": STRING + "?",
    # Distribution modes and per-run caps.
    "distribution_mode": STRING + "?",
    "distribution_per_rep": INT + "?",
    "max_new_per_rep_per_run": INT + "?",
    "max_new_per_book_per_run": INT + "?",
    "pool_rank_keys": STRING + "?",
    "max_retrievals_per_run": INT + "?",
    # Working grades, leavers and long time off.
    "retrieve_grades": STRING + "?",
    "leaver_release_days": INT + "?",
    "retrieve_during_time_off_days": INT + "?",
    # Completion and displacement.
    "completion_days": INT + "?",
    "completion_activities": INT + "?",
    "completion_progress_stages": STRING + "?",
    "completion_rest_days": INT + "?",
    "displace_for_higher_tier": BOOL + "?",
    # The input guards (bookflow/guards.py); --max-volume-drop and --max-quarantine-share override them.
    "max_volume_drop": FLOAT + "?",
    "max_quarantine_share": FLOAT + "?",
}

# Values a setting may take, where they are few.
SETTING_VALUES: dict[str, tuple[str, ...]] = {"inbound_when_book_full": ("queue", "least_loaded")}
