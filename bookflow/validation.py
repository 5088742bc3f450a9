"""Checks on inputs before a run writes anything.

Rules files are checked in full and every problem is reported at once, with file, line and
column, because RevOps edit them by hand. Raw tables are checked for the columns the models
read. Row-level problems in CRM data (null owners, duplicate ids...) are not errors: the models
quarantine those rows with a reason.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import duckdb

from bookflow.contract import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    OPTIONAL_RULES_FILES,
    RULES_FILES,
    RULES_VALUES,
    SETTING_VALUES,
    SETTINGS,
    raw_tables,
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class InputError(ValueError):
    """Input that bookflow cannot run on; the message names the file or table and column."""


def _value_problem(kind: str, value: str) -> str | None:
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if value == "":
        return None if optional else "is empty"
    try:
        if kind == INT:
            int(value)
        elif kind == FLOAT:
            float(value)
        elif kind == BOOL and value.lower() not in ("true", "false"):
            raise ValueError
        elif kind == DATE:
            date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a {kind}"
    return None


def _read_rules_file(path: Path, columns: dict[str, str], problems: list[str]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in columns if column not in header]
        for column in missing:
            problems.append(f"{path.name}: missing column '{column}'")
        if missing:
            return []
        rows = []
        for line, row in enumerate(reader, start=2):
            for column, kind in columns.items():
                problem = _value_problem(kind, (row.get(column) or "").strip())
                if problem:
                    problems.append(f"{path.name} line {line}: column '{column}' {problem}")
            allowed = {c: RULES_VALUES.get((path.name, c)) for c in columns}
            for column, values in allowed.items():
                if values and (row.get(column) or "").strip() not in values:
                    problems.append(
                        f"{path.name} line {line}: column '{column}' has unknown value "
                        f"{row.get(column)!r} (expected one of {', '.join(values)})"
                    )
            rows.append({key: (value or "").strip() for key, value in row.items() if key})
        return rows


def _check_unique(name: str, rows: list[dict[str, str]], column: str, problems: list[str]) -> None:
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        if row[column] in seen:
            problems.append(f"{name} line {line}: duplicate {column} {row[column]!r}")
        seen.add(row[column])


def _check_ranges(
    name: str, rows: list[dict[str, str]], low: str, high: str, problems: list[str], group: str | None = None
) -> None:
    """Ranges [low, high] (an empty high is open-ended) must not overlap within a group: the models
    look an account up in them with a plain join, so an overlap would put it in two bands."""
    numbered = []
    for line, row in enumerate(rows, start=2):
        try:
            start = float(row[low])
            end = float(row[high]) if row[high] else float("inf")
        except ValueError:
            continue  # reported already as a value problem
        numbered.append((row.get(group, "") if group else "", start, end, line))
    numbered.sort()
    # Sorted by start, a range overlaps an earlier one exactly when it starts before the
    # furthest end seen so far in its group.
    furthest: dict[str, tuple[float, int]] = {}
    for key, start, end, line in numbered:
        if key in furthest and start <= furthest[key][0]:
            where = f" ({group} {key})" if group else ""
            problems.append(f"{name} lines {furthest[key][1]} and {line}: the {low}..{high} ranges overlap{where}")
        if key not in furthest or end > furthest[key][0]:
            furthest[key] = (end, line)


def check_rules(rules_dir: Path, crm: str = "salesforce") -> None:
    """Raise InputError listing every problem in the roster and rules CSVs of `rules_dir`.

    In HubSpot the pool is the unowned companies, so `pool_owner_id` is optional there.
    """
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        raise InputError(f"rules directory {rules_dir} does not exist")
    problems: list[str] = []
    tables: dict[str, list[dict[str, str]]] = {}
    for name, columns in RULES_FILES.items():
        path = rules_dir / name
        if not path.exists():
            if name not in OPTIONAL_RULES_FILES:
                problems.append(f"{name}: file missing from {rules_dir}")
            continue
        tables[name] = _read_rules_file(path, columns, problems)

    for name, key in (
        ("reps.csv", "rep_id"),
        ("segments.csv", "segment"),
        ("theaters.csv", "billing_country"),
        ("return_reasons.csv", "reason"),
        ("signal_weights.csv", "signal_type"),
        ("activity_types.csv", "activity_type"),
        ("settings.csv", "setting"),
    ):
        if tables.get(name):
            _check_unique(name, tables[name], key, problems)

    if tables.get("segments.csv"):
        _check_ranges("segments.csv", tables["segments.csv"], "min_employees", "max_employees", problems)
    if tables.get("fit_bands.csv"):
        _check_ranges("fit_bands.csv", tables["fit_bands.csv"], "min_value", "max_value", problems, "attribute")

    settings = {row["setting"]: row["value"] for row in tables.get("settings.csv", [])}
    if "settings.csv" in tables:
        for key, kind in SETTINGS.items():
            if key not in settings:
                if not kind.endswith("?") and not (key == "pool_owner_id" and crm == "hubspot"):
                    problems.append(f"settings.csv: missing setting '{key}'")
            else:
                problem = _value_problem(kind, settings[key])
                if problem:
                    problems.append(f"settings.csv: setting '{key}' {problem}")
                elif settings[key] and key in SETTING_VALUES and settings[key] not in SETTING_VALUES[key]:
                    problems.append(
                        f"settings.csv: setting '{key}' is {settings[key]!r} (expected one of {', '.join(SETTING_VALUES[key])})"
                    )
        for key in settings.keys() - SETTINGS.keys():
            problems.append(f"settings.csv: unknown setting '{key}' (known: {', '.join(SETTINGS)})")

    books = {(row["role"], row["segment"]) for row in tables.get("segments.csv", [])}
    theaters = {row["theater"] for row in tables.get("theaters.csv", [])}
    for line, rep in enumerate(tables.get("reps.csv", []), start=2):
        if tables.get("segments.csv") is not None and (rep["role"], rep["segment"]) not in books:
            problems.append(
                f"reps.csv line {line}: role {rep['role']!r} and segment {rep['segment']!r} "
                "match no row of segments.csv"
            )
        if tables.get("theaters.csv") is not None and rep["theater"] not in theaters:
            problems.append(f"reps.csv line {line}: theater {rep['theater']!r} is not in theaters.csv")
        if rep["capacity"].lstrip("-").isdigit() and int(rep["capacity"]) < 0:
            problems.append(f"reps.csv line {line}: column 'capacity' is negative")

    roster = {rep["rep_id"] for rep in tables.get("reps.csv", [])}
    for line, row in enumerate(tables.get("rep_availability.csv", []), start=2):
        problems += [f"rep_availability.csv line {line}: {problem}" for problem in _availability_problems(row, roster)]
    if tables.get("rep_availability.csv"):
        _check_unique("rep_availability.csv", tables["rep_availability.csv"], "rep_id", problems)

    if problems:
        raise InputError("rules in " + str(rules_dir) + " are invalid:\n  - " + "\n  - ".join(problems))


def _availability_problems(row: dict[str, str], roster: set[str]) -> list[str]:
    """What is wrong with one row of rep_availability.csv (the models read it as written)."""
    from zoneinfo import available_timezones

    problems = []
    if roster and row["rep_id"] not in roster:
        problems.append(f"rep_id {row['rep_id']!r} is not in reps.csv")
    if row["time_zone"] not in available_timezones():
        problems.append(f"time_zone {row['time_zone']!r} is not an IANA time zone (e.g. Europe/Berlin)")
    days = row["work_days"].split()
    if not days or any(day not in WEEKDAYS for day in days):
        problems.append(f"work_days {row['work_days']!r} should list days among {' '.join(WEEKDAYS)}, space-separated")
    for column in ("work_start", "work_end"):
        value = row[column]
        hours, _, minutes = value.partition(":")
        if not (len(value) == 5 and hours.isdigit() and minutes.isdigit() and int(hours) * 60 + int(minutes) <= 1440):
            problems.append(f"{column} {value!r} is not a time of day HH:MM (00:00 to 24:00)")
        elif int(minutes) > 59:
            problems.append(f"{column} {value!r} is not a time of day HH:MM (00:00 to 24:00)")
    if row.get("unavailable_until"):
        try:
            datetime.fromisoformat(row["unavailable_until"])
        except ValueError:
            problems.append(f"unavailable_until {row['unavailable_until']!r} is not a date or date and time (ISO)")
    return problems


def check_raw_tables(con: duckdb.DuckDBPyConnection, database: str | None = None, crm: str = "salesforce") -> None:
    """Raise InputError naming each raw table or column the models need and `con` lacks.

    `database` names an attached catalog to check (e.g. the demo CRM) instead of the default one;
    `crm` says whose tables (bookflow.contract.raw_tables).
    """
    found: dict[tuple[str, str], set[str]] = {}
    rows = con.execute(
        """
        select table_schema, table_name, column_name
        from information_schema.columns
        where table_catalog = coalesce(?, current_database())
        """,
        [database],
    ).fetchall()
    for schema, table, column in rows:
        found.setdefault((schema.lower(), table.lower()), set()).add(column.lower())
    problems = []
    for schema, tables in raw_tables(crm).items():
        for table, columns in tables.items():
            have = found.get((schema, table))
            if have is None:
                problems.append(f"table {schema}.{table} is missing")
                continue
            problems += [f"table {schema}.{table} is missing column '{c}'" for c in columns if c not in have]
    if problems:
        where = f" in {database}" if database else ""
        raise InputError("raw CRM tables" + where + " do not match the input contract:\n  - " + "\n  - ".join(problems))
