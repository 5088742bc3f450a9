"""rep_availability.csv: when each rep takes hand raises. The models read it as written, so each
row's time zone, days and hours are checked here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import available_timezones

from bookflow.rules.files import Problem, Row, Table

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def check_availability(tables: dict[str, Table], problems: list[Problem]) -> None:
    availability = tables.get("rep_availability.csv")
    if availability is None:
        return
    reps = tables.get("reps.csv")
    roster = {rep["rep_id"] for rep in reps.rows} if reps else set()
    zones = available_timezones()
    for row in availability.rows:
        for column, message in _row_problems(row, roster, zones):
            problems.append(availability.problem(row, column, message))


def _row_problems(row: Row, roster: set[str], zones: set[str]) -> list[tuple[str, str]]:
    problems = []
    if roster and row["rep_id"] not in roster:
        problems.append(("rep_id", f"rep_id {row['rep_id']!r} is not in reps.csv"))
    if row["time_zone"] not in zones:
        problems.append(("time_zone", f"time_zone {row['time_zone']!r} is not an IANA time zone (e.g. Europe/Berlin)"))
    days = row["work_days"].split()
    if not days or any(day not in WEEKDAYS for day in days):
        problems.append(
            (
                "work_days",
                f"work_days {row['work_days']!r} should list days among {' '.join(WEEKDAYS)}, space-separated",
            )
        )
    for column in ("work_start", "work_end"):
        value = row[column]
        hours, _, minutes = value.partition(":")
        if not (
            len(value) == 5
            and hours.isdigit()
            and minutes.isdigit()
            and int(minutes) <= 59
            and int(hours) * 60 + int(minutes) <= 1440
        ):
            problems.append((column, f"{column} {value!r} is not a time of day HH:MM (00:00 to 24:00)"))
    if row["unavailable_until"]:
        try:
            datetime.fromisoformat(row["unavailable_until"])
        except ValueError:
            problems.append(
                (
                    "unavailable_until",
                    f"unavailable_until {row['unavailable_until']!r} is not a date or date and time (ISO)",
                )
            )
    return problems
