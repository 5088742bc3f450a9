"""The sync: apply the latest run's ownership changes to a destination, each at most once.

One sync, in order:
1. Plan: changes in `marts.ownership_changes` not yet settled in the ledger for this destination
   (settled = 'applied' or 'skipped'; 'failed' ones until they run out of attempts; 'conflict'
   ones are looked at again), releases (retrieve, return) before assignments (distribute,
   inbound) so a rep's book shrinks before it grows.
2. Per batch, read the destination's current owners and sort each change:
   - the CRM already holds the new owner -> 'applied' without writing (a write before a crash,
     or someone did it by hand);
   - the CRM holds someone other than the expected old owner -> 'conflict', never forced;
   - otherwise write it; a rejected record -> 'failed' with the CRM's message.
3. Record the batch in the ledger before starting the next, so a crash loses at most one batch
   of bookkeeping, and step 2 recognises that batch's writes on the next sync.

The warehouse connection is opened only to read the plan and to record a batch, never while the
destination reads or writes: DuckDB lets one writer lock everyone else out of a file.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from reverse_etl.destinations.base import Destination, OwnerUpdate, RecordResult
from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.exceptions import BlastRadiusExceeded, ConfigurationError
from reverse_etl.guard import DEFAULT_MAX_BOOK_SHARE, DEFAULT_MAX_TOTAL_SHARE, BlastRadius
from reverse_etl.guard import violations as guard_violations
from reverse_etl.ledger import LedgerEntry, SyncStatus, ensure_ledger, record_entries
from reverse_etl.plan import PlannedChange, batches, read_plan
from reverse_etl.report import ChangeOutcome, SyncReport

__all__ = ["ChangeOutcome", "PlannedChange", "SyncReport", "sync"]


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
) -> SyncReport:
    """Apply the pending changes in `marts.ownership_changes` to `destination` and ledger each.

    `changes_relation` names another table of the same columns in the same file (inbound routing
    syncs `inbound.ownership_changes` from its own store, with that store's ledger).

    With `dry_run`, return the plan and write nothing, not even the ledger. A change that the
    destination rejects is retried on later syncs until it has failed `max_attempts` times.

    The blast-radius guard refuses (BlastRadiusExceeded) a plan that moves too much, before
    anything is written and with the ledger untouched:
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
    if batch_size < 1 or max_attempts < 1:
        raise ValueError("batch_size and max_attempts must be at least 1")
    warehouse_path = Path(warehouse_path)
    with _connect(warehouse_path, read_only=dry_run) as con:
        if not dry_run:
            ensure_ledger(con)
        changes, exhausted = read_plan(con, destination.name, max_attempts, changes_relation)
        problems = [] if force else guard_violations(con, changes, limits)
    if not force and max_changes is not None and len(changes) > max_changes:
        problems.insert(0, f"{len(changes)} changes planned, more than the limit of {max_changes}")
    report = SyncReport(
        destination=destination.name,
        dry_run=dry_run,
        planned=len(changes),
        changes=changes,
        exhausted=exhausted,
        guard_violations=problems,
    )
    if dry_run or not changes:
        return report
    if problems:
        raise BlastRadiusExceeded(problems)

    for batch in batches(changes, batch_size):
        entries = _apply_batch(batch, destination)
        with _connect(warehouse_path) as con:
            record_entries(con, destination.name, entries)
        for entry in entries:
            report.counts[entry.status.value] += 1
            report.outcomes.append(ChangeOutcome(entry.change_id, entry.account_id, entry.status, entry.error))
    return report


@contextmanager
def _connect(warehouse_path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if not warehouse_path.exists():
        # duckdb.connect would create an empty warehouse instead.
        raise ConfigurationError(f"warehouse {warehouse_path} does not exist: run `bookflow run` first")
    with open_duckdb(warehouse_path, read_only=read_only) as con:
        yield con


def _apply_batch(batch: Sequence[PlannedChange], destination: Destination) -> list[LedgerEntry]:
    """Sort one batch against the destination's current owners, write what is due, say how each ended."""
    owners = destination.read_owners([change.account_id for change in batch])
    entries: list[LedgerEntry] = []
    to_write: list[PlannedChange] = []
    for change in batch:
        # An account the destination cannot read is still sent, so it names the problem itself
        # (NOT_FOUND, DUPLICATE_ID...).
        if change.account_id not in owners:
            to_write.append(change)
            continue
        current = owners[change.account_id]
        if current == change.to_crm_owner_id:
            entries.append(change.entry(SyncStatus.APPLIED, attempts=change.attempts, applied=True))
        elif current != change.from_crm_owner_id:
            entries.append(
                change.entry(
                    SyncStatus.CONFLICT,
                    attempts=change.attempts,
                    error=(
                        f"CRM owner is now {current or 'empty'}, expected {change.from_crm_owner_id}: "
                        "changed outside bookflow, not overwritten"
                    ),
                )
            )
        else:
            to_write.append(change)
    if to_write:
        results = destination.write_owners(
            [OwnerUpdate(change.account_id, change.to_crm_owner_id) for change in to_write]
        )
        by_account = {result.account_id: result for result in results}
        for change in to_write:
            entries.append(_written_entry(change, by_account.get(change.account_id)))
    return entries


def _written_entry(change: PlannedChange, result: RecordResult | None) -> LedgerEntry:
    attempts = change.attempts + 1
    if result is None:
        return change.entry(
            SyncStatus.FAILED, attempts=attempts, error="NO_RESULT: the destination returned no result for this record"
        )
    if result.ok:
        return change.entry(SyncStatus.APPLIED, attempts=attempts, applied=True)
    return change.entry(SyncStatus.FAILED, attempts=attempts, error=f"{result.error_code}: {result.error_message}")
