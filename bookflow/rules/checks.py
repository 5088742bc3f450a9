"""Errors across rules files: keys, bands, settings, and whether roster, segments, roles and
thresholds agree. Each check appends Problems; none stops at the first."""

from __future__ import annotations

import re

from bookflow.crm.sdr_field import sdr_field
from bookflow.rules.contract import DISTRIBUTION_MODES, POOL_RANK_KEYS, SETTING_VALUES, SETTINGS, WORKING_GRADES
from bookflow.rules.files import Problem, Row, Table, value_problem

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_UNIQUE_KEYS = {
    "reps.csv": ("rep_id",),
    "segments.csv": ("segment", "role"),
    "theaters.csv": ("billing_country",),
    "return_reasons.csv": ("reason",),
    "signal_weights.csv": ("signal_type",),
    "activity_types.csv": ("activity_type",),
    "settings.csv": ("setting",),
    "roles.csv": ("role",),
    "activity_thresholds.csv": ("role", "segment"),
    "rep_availability.csv": ("rep_id",),
}
# Settings that count something: never below zero.
_COUNTS = (
    "distribution_per_rep",
    "max_new_per_rep_per_run",
    "max_new_per_book_per_run",
    "max_retrievals_per_run",
    "leaver_release_days",
    "retrieve_during_time_off_days",
    "completion_days",
    "completion_activities",
    "completion_rest_days",
)


def check_keys(tables: dict[str, Table], problems: list[Problem]) -> None:
    for name, key in _UNIQUE_KEYS.items():
        table = tables.get(name)
        if table is None:
            continue
        seen: dict[tuple[str, ...], int] = {}
        for row in table.rows:
            value = tuple(row[column] for column in key)
            if value in seen:
                shown = " and ".join(f"{column} {row[column]!r}" for column in key)
                problems.append(table.problem(row, key[0], f"duplicate {shown} (first on line {seen[value]})"))
            else:
                seen[value] = row.line


def _band(row: Row, low: str, high: str) -> tuple[float, float] | None:
    try:
        return float(row[low]), float(row[high]) if row[high] else float("inf")
    except ValueError:
        return None  # reported already as a value problem


def check_ranges(
    table: Table, rows: list[Row], low: str, high: str, problems: list[Problem], group: str | None = None
) -> None:
    """Ranges [low, high] (an empty high is open-ended) must not overlap within a group: the models
    look an account up in them with a plain join, so an overlap would put it in two bands."""
    numbered = []
    for row in rows:
        band = _band(row, low, high)
        if band is not None:
            numbered.append((row[group] if group else "", *band, row))
    numbered.sort(key=lambda item: item[:3])
    # Sorted by start, a range overlaps an earlier one exactly when it starts before the
    # furthest end seen so far in its group.
    furthest: dict[str, tuple[float, Row]] = {}
    for key, start, end, row in numbered:
        if key in furthest and start <= furthest[key][0]:
            where = f" ({group} {key})" if group else ""
            problems.append(
                table.problem(
                    row, low, f"the {low}..{high} range overlaps the one on line {furthest[key][1].line}{where}"
                )
            )
        if key not in furthest or end > furthest[key][0]:
            furthest[key] = (end, row)


def segment_bands(segments: Table, problems: list[Problem]) -> list[Row]:
    """One row per segment (its first), after checking that every role of a segment shares its band."""
    first: dict[str, Row] = {}
    for row in segments.rows:
        if row["segment"] not in first:
            first[row["segment"]] = row
            continue
        band, other = _band(row, "min_employees", "max_employees"), first[row["segment"]]
        if band is not None and band != _band(other, "min_employees", "max_employees"):
            problems.append(
                segments.problem(
                    row,
                    "min_employees",
                    f"segment {row['segment']!r} has another band on line {other.line}: every role working "
                    "a segment works the same band of employees",
                )
            )
    return list(first.values())


def check_settings(settings: Table, problems: list[Problem], crm: str = "salesforce") -> dict[str, str]:
    """Each setting's type, choice or list; returns the settings as a dict."""
    values = {row["setting"]: row["value"] for row in settings.rows}
    rows = {row["setting"]: row for row in settings.rows}
    for key, kind in SETTINGS.items():
        if key not in values:
            if not kind.endswith("?") and not (key == "pool_owner_id" and crm == "hubspot"):
                problems.append(Problem(settings.name, f"missing setting '{key}'"))
            continue
        problem = value_problem(kind, values[key])
        choices = SETTING_VALUES.get(key, ())
        if not problem and values[key] and choices and values[key] not in choices:
            problem = f"is {values[key]!r} (expected one of {', '.join(choices)})"
        if problem:
            problems.append(settings.problem(rows[key], "value", f"setting '{key}' {problem}"))
    for key in values.keys() - SETTINGS.keys():
        problems.append(
            settings.problem(rows[key], "setting", f"unknown setting '{key}' (known: {', '.join(SETTINGS)})")
        )

    def bad(key: str, message: str) -> None:
        problems.append(settings.problem(rows[key], "value", f"setting '{key}' {message}"))

    for key in _COUNTS:
        if values.get(key, "").lstrip("-").isdigit() and int(values[key]) < 0:
            bad(key, "is negative")
    mode = values.get("distribution_mode", "")
    if mode and mode not in DISTRIBUTION_MODES:
        bad("distribution_mode", f"is {mode!r}: expected one of {', '.join(DISTRIBUTION_MODES)}")
    if mode == "fixed_per_rep" and not values.get("distribution_per_rep", "").isdigit():
        problems.append(
            settings.problem(rows["distribution_mode"], "value", "fixed_per_rep needs setting 'distribution_per_rep'")
        )
    if values.get("pool_rank_keys"):
        for message in pool_rank_key_problems(values["pool_rank_keys"]):
            bad("pool_rank_keys", message)
    for grade in (part.strip() for part in values.get("retrieve_grades", "").split(",") if part.strip()):
        if grade not in WORKING_GRADES[:2]:
            bad("retrieve_grades", f"names {grade!r}: only red and yellow accounts can be retrieved")
    column = values.get("sdr_owner_column", "")
    if column and not _IDENTIFIER.match(column):
        bad("sdr_owner_column", f"is {column!r}: a column name in lowercase letters, digits and underscores")
    elif column and values.get("sdr_owner_crm_field"):
        # Without it the extract and the write-back derive the name when they need it, and say so if they cannot.
        try:
            sdr_field(crm, column, values["sdr_owner_crm_field"])
        except ValueError as error:
            problems.append(settings.problem(rows["sdr_owner_crm_field"], "value", str(error)))
    elif values.get("sdr_owner_crm_field") and not column:
        bad("sdr_owner_crm_field", "names a field, but sdr_owner_column names no column to hold it")
    return values


def pool_rank_key_problems(text: str) -> list[str]:
    """What is wrong with a pool_rank_keys list such as `tier,priority_score desc,account_id`."""
    problems, seen = [], set()
    for part in (part.strip() for part in text.split(",")):
        words = part.split()
        if not words:
            problems.append("has an empty key")
            continue
        key = words[0]
        if key not in POOL_RANK_KEYS:
            problems.append(f"names unknown key {key!r} (known: {', '.join(POOL_RANK_KEYS)})")
        if len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            problems.append(f"has {part!r}: a key is a column, optionally followed by asc or desc")
        if key in seen:
            problems.append(f"names {key!r} twice")
        seen.add(key)
    return problems


def check_roles(tables: dict[str, Table], settings: dict[str, str], problems: list[Problem]) -> dict[str, Row]:
    """Who writes which owner field: at most one role per field in a segment; an SDR field needs
    its column named; a role fed by handoffs needs an SDR role in its segment."""
    segments, roles = tables.get("segments.csv"), tables.get("roles.csv")
    declared = {row["role"]: row for row in roles.rows} if roles else {}
    if segments is None:
        return declared
    by_segment: dict[str, list[Row]] = {}
    for row in segments.rows:
        by_segment.setdefault(row["segment"], []).append(row)
        if roles is not None and row["role"] not in declared:
            problems.append(segments.problem(row, "role", f"role {row['role']!r} is not in roles.csv"))
    for segment, rows in by_segment.items():
        fields: dict[str, Row] = {}
        for row in rows:
            role = declared.get(row["role"])
            field = role["owner_field"] if role else "owner"
            if field in fields:
                hint = (
                    "declare in roles.csv which role writes the SDR field (owner_field sdr)"
                    if roles is None
                    else "one role per owner field in a segment"
                )
                problems.append(
                    segments.problem(
                        row,
                        "role",
                        f"segment {segment!r}: roles {fields[field]['role']!r} and {row['role']!r} would both "
                        f"write the {'CRM owner' if field == 'owner' else 'SDR'} field; {hint}",
                    )
                )
            fields[field] = row
        for row in rows:
            role = declared.get(row["role"])
            if role is not None and role["receives"] == "handoffs" and "sdr" not in fields:
                problems.append(
                    segments.problem(
                        row,
                        "role",
                        f"role {row['role']!r} receives only handoffs, but no SDR role works segment {segment!r}",
                    )
                )
    sdr_roles = [row for row in declared.values() if row["owner_field"] == "sdr"]
    if sdr_roles and not settings.get("sdr_owner_column") and "settings.csv" in tables:
        problems.append(
            roles.problem(
                sdr_roles[0],
                "owner_field",
                f"role {sdr_roles[0]['role']!r} writes the SDR field: name its column in settings.csv (sdr_owner_column)",
            )
        )
    return declared


def check_roster(tables: dict[str, Table], problems: list[Problem]) -> None:
    reps, segments, theaters = tables.get("reps.csv"), tables.get("segments.csv"), tables.get("theaters.csv")
    if reps is None:
        return
    books = {(row["role"], row["segment"]) for row in segments.rows} if segments else None
    known_theaters = {row["theater"] for row in theaters.rows} if theaters else None
    for rep in reps.rows:
        if books is not None and (rep["role"], rep["segment"]) not in books:
            problems.append(
                reps.problem(
                    rep, "role", f"role {rep['role']!r} and segment {rep['segment']!r} match no row of segments.csv"
                )
            )
        if known_theaters is not None and rep["theater"] not in known_theaters:
            problems.append(reps.problem(rep, "theater", f"theater {rep['theater']!r} is not in theaters.csv"))
        if rep["capacity"].lstrip("-").isdigit() and int(rep["capacity"]) < 0:
            problems.append(reps.problem(rep, "capacity", "capacity is negative"))
        if rep["end_date"] and rep["start_date"] and rep["end_date"] < rep["start_date"]:
            problems.append(reps.problem(rep, "end_date", "end_date is before start_date"))


def check_thresholds(tables: dict[str, Table], problems: list[Problem]) -> None:
    thresholds, segments = tables.get("activity_thresholds.csv"), tables.get("segments.csv")
    if thresholds is None or segments is None:
        return
    books = {(row["role"], row["segment"]) for row in segments.rows}
    roles = {role for role, _ in books}
    for row in thresholds.rows:
        if row["segment"] and (row["role"], row["segment"]) not in books:
            problems.append(
                thresholds.problem(
                    row, "role", f"role {row['role']!r} does not work segment {row['segment']!r} (segments.csv)"
                )
            )
        elif row["role"] not in roles:
            problems.append(thresholds.problem(row, "role", f"role {row['role']!r} works no segment (segments.csv)"))
        for column, low in (("period_days", 1), ("min_activities", 1), ("min_contacts", 0)):
            if row[column].lstrip("-").isdigit() and int(row[column]) < low:
                problems.append(thresholds.problem(row, column, f"{column} must be at least {low}"))
