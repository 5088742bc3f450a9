"""One allocation cycle through Dagster, in-process, and the summary a person reads after it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bookflow import paths
from reverse_etl.duckdb_files import open_duckdb


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

    def format(self) -> str:
        if not self.success:
            return "bookflow run FAILED for " + self.as_of.isoformat() + ":\n" + "\n".join(self.errors)
        f = self.figures
        lines = [
            f"bookflow run for {self.as_of.isoformat()} finished in {self.seconds:.1f}s "
            f"(source: {self.source}, destination: {self.destination})",
            f"  accounts scored      {f.get('scored', 0):>9,}   quarantined rows {f.get('quarantined', 0):,}",
            f"  pool                 {f.get('pool', 0):>9,}   ready {f.get('ready', 0):,}, resting {f.get('resting', 0):,}, in review {f.get('review', 0):,}",
            f"  retrieved            {f.get('retrieve', 0):>9,}",
            f"  returned             {f.get('return', 0):>9,}",
            f"  distributed          {f.get('distribute', 0):>9,}",
            f"  reps                 {f.get('reps', 0):>9,}   over capacity {f.get('over_capacity', 0)}, "
            f"with open slots {f.get('under_capacity', 0)}, full {f.get('at_capacity', 0)}",
            f"  synced to the CRM    {f.get('applied', 0):>9,}   conflicts {f.get('conflict', 0)}, failed {f.get('failed', 0)}",
            f"  outputs: {self.warehouse_path} (schema marts: account_scores, account_status, rep_capacity,",
            "           ranked_assignments, ownership_changes, quarantine; ledger: reverse_etl.sync_ledger)",
            "  coverage marts: coverage_daily, book_health, capacity_gap, returns_by_reason, conversion_by_source"
            f" (+ *_history); for BI tools: {paths.publish_dir(self.warehouse_path) / 'bookflow.duckdb'}",
        ]
        return "\n".join(lines)


def _figures(warehouse_path: Path) -> dict[str, int]:
    # After the run: the lock is free again, and routing's early report may be writing for a moment.
    with open_duckdb(warehouse_path, read_only=True) as con:
        one = lambda sql: con.execute(sql).fetchone()[0] or 0  # noqa: E731
        figures = {
            "scored": one("select count(*) from marts.account_scores"),
            "quarantined": one("select sum(rows_held) from marts.quarantine"),
            "pool": one("select count(*) from marts.account_status where status = 'pool'"),
            "ready": one("select count(*) from marts.account_status where ready"),
            "resting": one("select count(*) from marts.account_status where status = 'resting' and owner_id is null"),
            "review": one("select count(*) from marts.account_status where status = 'review' and owner_id is null"),
            "reps": one("select count(*) from marts.rep_capacity"),
            "over_capacity": one("select count(*) from marts.rep_capacity where is_over_capacity"),
            "under_capacity": one("select count(*) from marts.rep_capacity where open_slots_after > 0"),
            "at_capacity": one(
                "select count(*) from marts.rep_capacity where open_slots_after = 0 and not is_over_capacity"
            ),
        }
        for change_type, count in con.execute(
            "select change_type, count(*) from marts.ownership_changes group by change_type"
        ).fetchall():
            figures[change_type] = count
        for status, count in con.execute(
            """
            select ledger.status, count(*)
            from reverse_etl.sync_ledger as ledger
            inner join marts.ownership_changes as changes using (change_id)
            group by ledger.status
            """
        ).fetchall():
            figures[status] = count
    return figures


def _failure_messages(result) -> list[str]:
    messages = []
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        text = (data.user_failure_data.description if data.user_failure_data else None) or (
            data.error.message if data.error else "unknown error"
        )
        messages.append(f"  step {event.step_key}: {text.strip()}")
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            check = event.event_specific_data
            messages.append(
                f"  check failed: {check.check_name} on {check.asset_key.to_user_string()} "
                "(the sync did not run; see dbt_project/tests and the model YAML)"
            )
    return messages or ["  the run failed before any step started"]


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
) -> CycleOutcome:
    """Materialize every asset once (extract -> dbt build -> sync) and summarise the outcome.

    Dagster's step-by-step log goes to stderr at `log_level` (the CLI's --verbose shows it all).
    """
    import time

    import dagster as dg

    from orchestration.definitions import ALL_ASSETS
    from orchestration.resources import build_resources

    warehouse_path = warehouse_path or paths.warehouse_path()
    run_date = as_of or date.today()
    # A user who loaded their own raw tables has no demo CRM: never extract over their data,
    # and write the plan to a file they can review rather than to a CRM.
    if source == "auto":
        source = "demo" if (demo_crm_path or paths.demo_crm_path()).exists() else "warehouse"
    if destination == "auto":
        destination = "demo" if source == "demo" else "csv"
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
    )
    # The cycle_lock resource (orchestration/resources.py) holds the warehouse's cycle lock from
    # the run's first step to its last, as it does for runs the schedule starts.
    started = time.perf_counter()
    result = dg.materialize(
        ALL_ASSETS,
        resources=resources,
        raise_on_error=False,
        selection=dg.AssetSelection.all()
        - dg.AssetSelection.assets(["reverse_etl", "sync_ledger"], ["inbound", "routes"]),
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    seconds = time.perf_counter() - started
    if not result.success:
        return CycleOutcome(False, run_date, warehouse_path, errors=_failure_messages(result), seconds=seconds)
    return CycleOutcome(
        True,
        run_date,
        warehouse_path,
        figures=_figures(warehouse_path),
        seconds=seconds,
        source=source,
        destination=destination,
    )
