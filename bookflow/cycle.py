"""One allocation cycle through Dagster, in-process (bookflow/summary.py reads and words its outcome)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bookflow import paths
from bookflow.summary import (
    exit_code_of,
    failure_messages,
    format_summary,
    read_books,
    read_figures,
    rep_notes,
    run_notes,
)
from reverse_etl.duckdb_files import DEFAULT_CYCLE_LOCK_TIMEOUT_S, CycleLockTimeout, cycle_lock

# Exit codes of `bookflow run` (docs/design.md): 0 done, 1 failed (a model, a test, bad input, the
# sync), 2 a usage or configuration error, 3 stopped by an input guard before anything became
# current, 75 (EX_TEMPFAIL) gave up waiting for another run's cycle lock: try again later.
EXIT_FAILED, EXIT_STOPPED_BY_GUARD, EXIT_LOCK_TIMEOUT = 1, 3, 75


@dataclass
class CycleOutcome:
    success: bool
    as_of: date
    warehouse_path: Path
    figures: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    source: str = ""
    destination: str = ""
    books: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exit_code: int = 0

    def format(self, log_path: Path | None = None) -> str:
        return format_summary(self, log_path)


def run_cycle(
    *,
    as_of: date | None = None,
    warehouse_path: Path | None = None,
    rules_dir: Path | None = None,
    demo_crm_path: Path | None = None,
    source: str = "auto",
    destination: str = "auto",
    csv_export_path: Path | None = None,
    log_level: str = "WARNING",
    force: bool = False,
    max_book_share: float | None = None,
    max_total_share: float | None = None,
    full_refresh: bool = False,
    progress: object | None = None,
    instance: object | None = None,
    accept_volume_change: bool = False,
    max_volume_drop: float | None = None,
    max_quarantine_share: float | None = None,
    lock_timeout_s: float = DEFAULT_CYCLE_LOCK_TIMEOUT_S,
    on_wait: Callable[[str], None] | None = None,
) -> CycleOutcome:
    """Materialize every asset once (extract -> dbt build -> sync) and summarise the outcome.

    The run is recorded in `instance` (a DagsterInstance; `bookflow run` passes the project's,
    orchestration/instance.py; by default an in-memory one). Dagster's
    step-by-step log goes to stderr at `log_level`; `progress.step_finished(step_key, succeeded)`
    hears of each step's end (bookflow/cli/console.py draws it). A run that finds another run on
    the warehouse says so through `on_wait` and waits for it, up to `lock_timeout_s`.
    """
    import time

    from orchestration.cycle_run import execute_cycle
    from orchestration.resources import build_resources

    warehouse_path = warehouse_path or paths.warehouse_path()
    run_date = as_of or date.today()
    # A user who loaded their own raw tables has no demo CRM: never extract over their data,
    # and write the plan to a file they can review rather than to a CRM.
    if source == "auto":
        source = "demo" if (demo_crm_path or paths.demo_crm_path()).exists() else "warehouse"
    if destination == "auto":
        destination = "demo" if source == "demo" else "csv"
    # Wait in the open for a run that holds the warehouse, rather than inside Dagster's resource
    # set-up, where the wait would be silent until the step logs.
    try:
        with cycle_lock(warehouse_path, timeout_s=lock_timeout_s, on_wait=on_wait):
            pass
    except CycleLockTimeout as error:
        return CycleOutcome(False, run_date, warehouse_path, errors=[f"  {error}"], exit_code=EXIT_LOCK_TIMEOUT)
    resources = build_resources(
        warehouse_path=warehouse_path,
        rules_dir=rules_dir,
        demo_crm_path=demo_crm_path,
        as_of=run_date,
        source=source,
        destination=destination,
        csv_export_path=csv_export_path,
        force=force,
        max_book_share=max_book_share,
        max_total_share=max_total_share,
        full_refresh=full_refresh,
        accept_volume_change=accept_volume_change,
        max_volume_drop=max_volume_drop,
        max_quarantine_share=max_quarantine_share,
        lock_timeout_s=lock_timeout_s,
    )
    # The cycle_lock resource (orchestration/resources.py) holds the warehouse's cycle lock from
    # the run's first step to its last, as it does for runs the schedule starts.
    started = time.perf_counter()
    result = execute_cycle(
        resources,
        log_level=log_level,
        progress=progress,
        instance=instance,
        tags={"bookflow/as_of": run_date.isoformat(), "bookflow/started_by": "bookflow run"},
        pull=source if source in ("salesforce", "hubspot") else None,
    )
    seconds = time.perf_counter() - started
    if not result.success:
        return CycleOutcome(
            False,
            run_date,
            warehouse_path,
            errors=failure_messages(result),
            seconds=seconds,
            exit_code=exit_code_of(result, EXIT_FAILED),
        )
    return CycleOutcome(
        True,
        run_date,
        warehouse_path,
        figures=read_figures(warehouse_path),
        books=read_books(warehouse_path),
        seconds=seconds,
        source=source,
        destination=destination,
        notes=run_notes(result) + rep_notes(warehouse_path),
    )
