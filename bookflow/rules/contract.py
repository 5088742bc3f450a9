"""The rules files' contract: each file's columns and their kinds, the values some columns and
settings take, and what a rules directory may leave out (the raw tables' contract is
bookflow/contract.py). `bookflow rules check` and every run check a rules directory against it.
"""

from __future__ import annotations

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
