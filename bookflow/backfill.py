"""Replay past days: build the marts and their daily history for each as-of date, syncing nothing.

Each day is a full cycle through Dagster (extract, dbt build with every rule test, publish) with
the destination `none`, so the CRM is never written and the sync ledger is untouched. The raw
tables hold today's owners (a CRM keeps no owner history bookflow can read), so a past day is
judged on the activities, signals, opportunities and returns dated up to that day, with the
owners as extracted now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from bookflow.cycle import CycleOutcome, run_cycle

MAX_DAYS = 3660


def backfill_days(start: date, end: date) -> list[date]:
    """Every day from start to end, both included; ValueError when the range is empty or absurd."""
    if end < start:
        raise ValueError(f"--end {end.isoformat()} is before --start {start.isoformat()}")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise ValueError(f"{days} days is more than {MAX_DAYS}: backfill in smaller ranges")
    return [start + timedelta(days=offset) for offset in range(days)]


def run_backfill(
    start: date,
    end: date,
    *,
    warehouse_path: Path | None = None,
    rules_dir: Path | None = None,
    demo_crm_path: Path | None = None,
    source: str = "auto",
    log_level: str = "WARNING",
    echo: Callable[[str], None] = print,
    instance: object | None = None,
) -> list[CycleOutcome]:
    """Run one cycle per day without syncing; stop at the first day that fails and return the outcomes."""
    outcomes = []
    for day in backfill_days(start, end):
        outcome = run_cycle(
            as_of=day,
            warehouse_path=warehouse_path,
            rules_dir=rules_dir,
            demo_crm_path=demo_crm_path,
            source=source,
            destination="none",
            log_level=log_level,
            instance=instance,
        )
        outcomes.append(outcome)
        if not outcome.success:
            echo(outcome.format())
            break
        echo(f"  {day.isoformat()}  marts and history built in {outcome.seconds:.1f}s")
    return outcomes
