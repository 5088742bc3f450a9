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
            # The pool of the CRM owner field; the SDR field's has a line of its own.
            "pool": one("select count(*) from marts.account_status where status = 'pool' and crm_field = 'owner_id'"),
            "ready": one("select count(*) from marts.account_status where ready and crm_field = 'owner_id'"),
            "resting": one(
                "select count(*) from marts.account_status "
                "where status = 'resting' and owner_id is null and crm_field = 'owner_id'"
            ),
            "review": one(
                "select count(*) from marts.account_status "
                "where status = 'review' and owner_id is null and crm_field = 'owner_id'"
            ),
            "sdr_rows": one("select count(*) from marts.account_status where crm_field <> 'owner_id'"),
            "sdr_pool": one(
                "select count(*) from marts.account_status where status = 'pool' and crm_field <> 'owner_id'"
            ),
            "sdr_ready": one("select count(*) from marts.account_status where ready and crm_field <> 'owner_id'"),
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


def step_failure_lines(step_failure_events) -> list[str]:  # noqa: ANN001 (Dagster STEP_FAILURE events)
    """One entry per failed step: its key and the failure's own description (what to fix)."""
    messages = []
    for event in step_failure_events:
        data = event.step_failure_data
        text = (data.user_failure_data.description if data.user_failure_data else None) or (
            data.error.message if data.error else "unknown error"
        )
        messages.append(f"  step {event.step_key}: {text.strip()}")
    return messages


def failure_messages(result) -> list[str]:  # noqa: ANN001 (a Dagster ExecuteInProcessResult)
    """One entry per failed step or failed asset check of a run."""
    messages = step_failure_lines(result.get_step_failure_events())
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
            check = event.event_specific_data
            messages.append(
                f"  check failed: {check.check_name} on {check.asset_key.to_user_string()} "
                "(the sync did not run; see dbt_project/tests and the model YAML)"
            )
    if not messages:
        # A run that failed outside any step (a resource's set-up) says why in its RUN_FAILURE event.
        messages = [
            f"  {event.message}"
            for event in result.all_events
            if event.event_type_value == "RUN_FAILURE" and event.message
        ]
    return messages or ["  the run failed before any step started"]


def exit_code_of(result, default: int) -> int:  # noqa: ANN001 (a Dagster ExecuteInProcessResult)
    """The exit code a failed step asked for (an input guard's 3), else `default`."""
    for event in result.get_step_failure_events():
        data = event.step_failure_data.user_failure_data
        code = data.metadata.get("exit_code") if data else None
        if code is not None:
            return int(code.value)
    return default


def run_notes(result) -> list[str]:  # noqa: ANN001 (a Dagster ExecuteInProcessResult)
    """What the steps reported without failing (accepted guards, stale sources), from their metadata."""
    notes = []
    for event in result.get_asset_materialization_events():
        text = event.materialization.metadata.get("notes")
        if text is not None and text.value:
            notes += text.value.splitlines()
    return notes


def rep_notes(warehouse_path: Path) -> list[str]:
    """Roster reps who work no book today, by rep_capacity's capacity_state (the models decide who)."""
    with open_duckdb(warehouse_path, read_only=True) as con:
        absent = con.execute(
            """
            select capacity_state, string_agg(rep_name || ' (' || rep_id || ')', ', ' order by rep_id)
            from marts.rep_capacity
            where capacity_state in ('time off', 'inactive in the CRM')
            group by capacity_state order by capacity_state
            """
        ).fetchall()
    words = {"time off": "on leave", "inactive in the CRM": "gone (inactive in the CRM; their accounts are retrieved)"}
    return [f"reps {words[state]}: {reps}" for state, reps in absent]


def read_books(warehouse_path: Path) -> list[dict]:
    """Per target book: the ready pool and open slots at the start of the run, what was dealt, what is left."""
    with open_duckdb(warehouse_path, read_only=True) as con:
        cursor = con.execute(
            """
            select target_book, reps, ready_pool, open_slots, distributed, ready_pool_left,
                open_slots - distributed as open_slots_left
            from marts.capacity_gap
            order by target_book
            """
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def why_the_deal_stopped(book: dict) -> str:
    """The reason a book's dealing ended where it did, in words."""
    if book["ready_pool"] == 0 and book["open_slots"] == 0:
        return "nothing ready, no open slot"
    if book["ready_pool"] == 0:
        return "no ready account in this book"
    if book["open_slots"] == 0:
        return "no open slot in this book"
    if book["ready_pool_left"] == 0 and book["open_slots_left"] == 0:
        return "pool and slots matched"
    if book["ready_pool_left"] == 0:
        return "ready pool used up"
    if book["open_slots_left"] <= 0:
        return "every open slot filled"
    # Ready accounts and open slots both left: the rules stopped the deal, not the book.
    return "a per-run cap or the distribution mode held back the rest (settings.csv)"


# A failure says what to fix in its first lines (a rules check lists one problem a line); the rest is in the log.
MAX_ERROR_LINES = 4


def _shortened(error: str, log_path: Path | None) -> str:
    lines = error.rstrip().splitlines()
    if len(lines) <= MAX_ERROR_LINES:
        return "\n".join(lines)
    where = f" in {log_path}" if log_path else ""
    return "\n".join(lines[:MAX_ERROR_LINES]) + f"\n    ... {len(lines) - MAX_ERROR_LINES} more lines{where}"


def format_summary(outcome, log_path: Path | None = None) -> str:  # noqa: ANN001 (a bookflow.cycle.CycleOutcome)
    """The run in a dozen lines; a failure in a line or two per failed step (the rest in the log)."""
    log_line = [f"  log: {log_path}"] if log_path else []
    if not outcome.success:
        errors = [_shortened(error, log_path) for error in outcome.errors]
        return "\n".join([f"bookflow run FAILED for {outcome.as_of.isoformat()}:", *errors, *log_line])
    f = outcome.figures
    lines = [
        f"bookflow run for {outcome.as_of.isoformat()} finished in {outcome.seconds:.1f}s "
        f"(source: {outcome.source}, destination: {outcome.destination})",
        f"  accounts scored      {f.get('scored', 0):>9,}   quarantined rows {f.get('quarantined', 0):,}",
        f"  pool                 {f.get('pool', 0):>9,}   ready {f.get('ready', 0):,}, resting {f.get('resting', 0):,}, in review {f.get('review', 0):,}",
        *(
            [f"  SDR field pool       {f.get('sdr_pool', 0):>9,}   ready {f.get('sdr_ready', 0):,}"]
            if f.get("sdr_rows")
            else []
        ),
        f"  retrieved            {f.get('retrieve', 0):>9,}",
        f"  returned             {f.get('return', 0):>9,}",
        *([f"  completed            {f.get('complete', 0):>9,}"] if f.get("complete") else []),
        *([f"  displaced            {f.get('displace', 0):>9,}"] if f.get("displace") else []),
        f"  distributed          {f.get('distribute', 0):>9,}",
        *([f"  handed off to AEs    {f.get('handoff', 0):>9,}"] if f.get("handoff") else []),
        f"  reps                 {f.get('reps', 0):>9,}   over capacity {f.get('over_capacity', 0)}, "
        f"with open slots {f.get('under_capacity', 0)}, no open slot {f.get('at_capacity', 0)}",
        f"  synced to the CRM    {f.get('applied', 0):>9,}   conflicts {f.get('conflict', 0)}, failed {f.get('failed', 0)}",
    ]
    if outcome.books:
        # Accounts are dealt only within their target book: a ready pool in one book cannot fill
        # the open slots of another, which is why "ready" and "open slots" above may both stay.
        lines.append("  per target book        ready  open slots   dealt  ready left  slots left  why the deal stopped")
        lines += [
            f"    {book['target_book']:<18} {book['ready_pool']:>7,} {book['open_slots']:>11,} {book['distributed']:>7,}"
            f" {book['ready_pool_left']:>11,} {book['open_slots_left']:>11,}  {why_the_deal_stopped(book)}"
            for book in outcome.books
        ]
    lines += [
        f"  outputs: {outcome.warehouse_path} (schema marts: account_scores, account_status, rep_capacity,",
        "           ranked_assignments, ownership_changes, quarantine; ledger: reverse_etl.sync_ledger)",
        "  coverage marts: coverage_daily, book_health, capacity_gap, returns_by_reason, conversion_by_source"
        f" (+ *_history); for BI tools: {paths.publish_dir(outcome.warehouse_path) / 'bookflow.duckdb'}",
        *(f"  note: {note}" for note in outcome.notes),
        *log_line,
    ]
    return "\n".join(lines)


def summary_record(outcome, log_path: Path | None = None) -> dict:  # noqa: ANN001 (a bookflow.cycle.CycleOutcome)
    """The summary as data, for schedulers and scripts (`bookflow run --json`)."""
    return {
        "success": outcome.success,
        "as_of": outcome.as_of.isoformat(),
        "seconds": round(outcome.seconds, 1),
        "source": outcome.source,
        "destination": outcome.destination,
        "warehouse": str(outcome.warehouse_path),
        "figures": dict(outcome.figures),
        "books": [dict(book, why=why_the_deal_stopped(book)) for book in outcome.books],
        "errors": [error.strip() for error in outcome.errors],
        "notes": list(outcome.notes),
        "exit_code": outcome.exit_code,
        "log": str(log_path) if log_path else None,
    }
