"""The sync: apply the latest run's ownership changes to a destination, each at most once.

One sync, in order:
1. Plan (reverse_etl.plan): changes in `marts.ownership_changes` not yet settled in the ledger for
   this destination, releases before assignments.
2. Check, before anything is written: ids the destination cannot accept (InvalidIds) and the
   blast-radius guard (BlastRadiusExceeded).
3. Run (reverse_etl.runner): batches read the CRM's owners, sort each change (applied /
   conflict / to write, reverse_etl.apply) and write what is due, several batches in flight,
   large phases through the destination's bulk API; lost answers are read back before the end.
4. Record every outcome in `reverse_etl.sync_ledger` (reverse_etl.ledger.LedgerWriter: about once
   a second, and at the end), so a crash loses at most a second of bookkeeping, which the next
   sync recovers by reading the owners back.

Only a configuration error (credentials, certificate, permission) stops a sync part way; what the
CRM could not take is reported as left and planned again by the next sync.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from reverse_etl.destinations import base
from reverse_etl.destinations.base import Destination
from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.exceptions import BlastRadiusExceeded, ConfigurationError, InvalidIds
from reverse_etl.guard import DEFAULT_MAX_BOOK_SHARE, DEFAULT_MAX_TOTAL_SHARE, BlastRadius
from reverse_etl.guard import violations as guard_violations
from reverse_etl.ledger import LedgerEntry, LedgerWriter, SyncStatus, ensure_ledger, record_entries
from reverse_etl.plan import PlannedChange, read_plan
from reverse_etl.report import ChangeOutcome, SyncReport
from reverse_etl.runner import Runner, collector_spares_the_plan

__all__ = ["DEFAULT_CONCURRENCY", "ChangeOutcome", "PlannedChange", "SyncReport", "sync"]

# Requests in flight at once. Salesforce sets no limit on requests shorter than 20 s and allows 25
# long-running ones per org; HubSpot's limit is a rate, which the session's budget paces.
DEFAULT_CONCURRENCY = 8


def sync(
    warehouse_path: Path,
    destination: Destination,
    *,
    dry_run: bool = False,
    batch_size: int = 200,
    max_attempts: int = 3,
    max_changes: int | None = None,
    max_book_share: float | None = DEFAULT_MAX_BOOK_SHARE,
    max_total_share: float | None = DEFAULT_MAX_TOTAL_SHARE,
    force: bool = False,
    limits: BlastRadius | None = None,
    changes_relation: str = "marts.ownership_changes",
    concurrency: int = DEFAULT_CONCURRENCY,
    ledger_flush_s: float = 1.0,
) -> SyncReport:
    """Apply the pending changes in `marts.ownership_changes` to `destination` and ledger each.

    `changes_relation` names another table of the same columns in the same file (inbound routing
    syncs `inbound.ownership_changes` from its own store, with that store's ledger).

    With `dry_run`, return the plan and write nothing, not even the ledger. A change that the
    destination rejects is retried on later syncs until it has failed `max_attempts` times.
    `concurrency` batches are in flight at once (a destination may allow fewer: a local file
    takes one writer); `batch_size` is capped at what one write request of the destination takes.

    Before anything is written, ids the destination cannot accept stop the sync (InvalidIds),
    and the blast-radius guard refuses (BlastRadiusExceeded) a plan that moves too much:
    - `max_book_share`: retrievals and returns out of one rep's book, over that rep's current
      book in `marts.account_status`. Only accounts leaving a book count (a rep with an empty
      book may receive any number); books of inactive users and books under ten accounts are
      exempt (see reverse_etl.guard).
    - `max_total_share`: pending changes over all accounts in `marts.account_status`.
    - `max_changes`: pending changes, as a plain count.
    None switches a limit off; `limits` (a BlastRadius) may stand in for the two shares. With
    `force` nothing is checked. A dry run never raises: `SyncReport.guard_violations` says what
    a real sync would refuse.

    Why the defaults (book 0.5, total 0.35): the first cycle on a brand-new dynamic-books setup
    legitimately moves a lot. It retrieves every unworked account at once and deals the pool into
    empty slots: on the bundled 5,000-account demo that is about 22% of all accounts, and up to
    37% of a rep's book; later cycles move far less. The defaults let that first cycle through
    and still stop a runaway plan (a bad rules file, a broken upstream load) that would empty
    books or reshuffle a third of the CRM.
    """
    if limits is None:
        limits = BlastRadius(max_book_share=max_book_share, max_total_share=max_total_share)
    elif (max_book_share, max_total_share) != (DEFAULT_MAX_BOOK_SHARE, DEFAULT_MAX_TOTAL_SHARE):
        raise TypeError("pass either limits or max_book_share / max_total_share, not both")
    for share in (limits.max_book_share, limits.max_total_share):
        if share is not None and share < 0:
            raise ValueError(f"a blast-radius share must be at least 0, got {share}")
    if batch_size < 1 or max_attempts < 1 or concurrency < 1:
        raise ValueError("batch_size, max_attempts and concurrency must be at least 1")
    warehouse_path = Path(warehouse_path)
    with _connect(warehouse_path, read_only=dry_run) as con:
        if not dry_run:
            ensure_ledger(con)
        # Reading 100,000 changes and more allocates fast too: the collector waits meanwhile.
        with collector_spares_the_plan():
            changes, exhausted = read_plan(con, destination.name, max_attempts, changes_relation)
        changes, refused = _refuse_unwritable_fields(changes, destination, writable_fields(con))
        problems = [] if force else guard_violations(con, changes, limits)
    if not force and max_changes is not None and len(changes) > max_changes:
        problems.insert(0, f"{len(changes)} changes planned, more than the limit of {max_changes}")
    owner_ids = {owner for change in changes for owner in (change.from_crm_owner_id, change.to_crm_owner_id) if owner}
    report = SyncReport(
        destination=destination.name,
        dry_run=dry_run,
        planned=len(changes) + len(refused),
        changes=changes + [change for _, change in refused],
        exhausted=exhausted,
        guard_violations=problems,
        invalid_ids=base.invalid_ids(destination, {change.account_id for change in changes}, owner_ids),
    )
    if dry_run or not (changes or refused):
        return report
    if report.invalid_ids:
        raise InvalidIds(destination.name, report.invalid_ids)
    if problems:
        raise BlastRadiusExceeded(problems)
    if refused:
        # Not a problem of the whole sync: these records fail (and are retried) like any the CRM rejects.
        with _connect(warehouse_path) as con:
            record_entries(con, destination.name, [entry for entry, _ in refused])
        report.record([entry for entry, _ in refused])
    if not changes:
        return report

    started = time.perf_counter()
    ledger = LedgerWriter(warehouse_path, destination.name, every_s=ledger_flush_s)
    runner = Runner(
        destination,
        ledger,
        report,
        batch_size=base.write_batch_size(destination, batch_size),
        concurrency=min(concurrency, getattr(destination, "max_concurrency", concurrency)),
        bulk_threshold=base.bulk_threshold(destination),
    )
    try:
        runner.run(changes)
    finally:
        ledger.close()
        base.close(destination)
        report.usage = base.usage(destination)
        report.seconds = time.perf_counter() - started
    return report


def writable_fields(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The owner fields a sync may write (as crm_field names them): the CRM owner, and the SDR
    field the rules of the run name (`sdr_owner_column` in the warehouse's `rules.settings`).
    Nothing else, whatever a plan says."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'rules' and table_name = 'settings'"
    ).fetchone()[0]
    rows = (
        con.execute("select trim(value) from rules.settings where setting = 'sdr_owner_column'").fetchall()
        if found
        else []
    )
    return frozenset([base.OWNER_FIELD, *(value for (value,) in rows if value)])


def _refuse_unwritable_fields(
    changes: list[PlannedChange], destination: Destination, writable: frozenset[str]
) -> tuple[list[PlannedChange], list[tuple[LedgerEntry, PlannedChange]]]:
    """Split off the changes of a field the rules do not allow or the destination does not write:
    each fails with INVALID_FIELD (retried by later syncs, until its attempts run out)."""
    kept: list[PlannedChange] = []
    refused: list[tuple[LedgerEntry, PlannedChange]] = []
    verdicts: dict[str, str | None] = {}
    for change in changes:
        field = change.crm_field
        if field not in verdicts:
            if field not in writable:
                verdicts[field] = (
                    f"{field} is not an owner field the sync may write (allowed: {', '.join(sorted(writable))})"
                )
            elif not base.writes_field(destination, base.update_field(field)):
                verdicts[field] = f"destination {destination.name} does not write {field} (see docs/write-back.md)"
            else:
                verdicts[field] = None
        if verdicts[field] is None:
            kept.append(change)
        else:
            error = f"{base.RecordErrorCode.INVALID_FIELD}: {verdicts[field]}"
            refused.append((change.entry(SyncStatus.FAILED, attempts=change.attempts + 1, error=error), change))
    return kept, refused


@contextmanager
def _connect(warehouse_path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if not warehouse_path.exists():
        # duckdb.connect would create an empty warehouse instead.
        raise ConfigurationError(f"warehouse {warehouse_path} does not exist: run `bookflow run` first")
    with open_duckdb(warehouse_path, read_only=read_only) as con:
        yield con
