"""The summary a person reads after a cycle: the run's figures, read from the marts it built, or
what failed."""

from __future__ import annotations

from pathlib import Path

from bookflow import paths
from reverse_etl.duckdb_files import open_duckdb


def read_figures(warehouse_path: Path) -> dict[str, int]:
    """Counts of the run's outcome from the marts and the sync ledger."""
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


def failure_messages(result) -> list[str]:  # noqa: ANN001 (a Dagster ExecuteInProcessResult)
    """One line per failed step or failed asset check of a run."""
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


def format_summary(outcome) -> str:  # noqa: ANN001 (a bookflow.cycle.CycleOutcome)
    if not outcome.success:
        return "bookflow run FAILED for " + outcome.as_of.isoformat() + ":\n" + "\n".join(outcome.errors)
    f = outcome.figures
    lines = [
        f"bookflow run for {outcome.as_of.isoformat()} finished in {outcome.seconds:.1f}s "
        f"(source: {outcome.source}, destination: {outcome.destination})",
        f"  accounts scored      {f.get('scored', 0):>9,}   quarantined rows {f.get('quarantined', 0):,}",
        f"  pool                 {f.get('pool', 0):>9,}   ready {f.get('ready', 0):,}, resting {f.get('resting', 0):,}, in review {f.get('review', 0):,}",
        f"  retrieved            {f.get('retrieve', 0):>9,}",
        f"  returned             {f.get('return', 0):>9,}",
        f"  distributed          {f.get('distribute', 0):>9,}",
        f"  reps                 {f.get('reps', 0):>9,}   over capacity {f.get('over_capacity', 0)}, "
        f"with open slots {f.get('under_capacity', 0)}, full {f.get('at_capacity', 0)}",
        f"  synced to the CRM    {f.get('applied', 0):>9,}   conflicts {f.get('conflict', 0)}, failed {f.get('failed', 0)}",
        f"  outputs: {outcome.warehouse_path} (schema marts: account_scores, account_status, rep_capacity,",
        "           ranked_assignments, ownership_changes, quarantine; ledger: reverse_etl.sync_ledger)",
        "  coverage marts: coverage_daily, book_health, capacity_gap, returns_by_reason, conversion_by_source"
        f" (+ *_history); for BI tools: {paths.publish_dir(outcome.warehouse_path) / 'bookflow.duckdb'}",
    ]
    return "\n".join(lines)
