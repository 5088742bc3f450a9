"""One batch's work, on a worker thread: read the CRM's owners, sort each change, write what is due.

Sorting a change against the owner the CRM holds now:
- the CRM already holds the new owner -> 'applied' without writing (written before a crash or a
  lost answer, or someone did it by hand);
- the CRM holds someone other than the expected old owner -> 'conflict', never forced;
- otherwise it is written; a rejected record -> 'failed' with the CRM's message.

What cannot be decided now is handed back, not raised: a write whose answer was lost is
`unknown` (the sync reads it back before it ends), a batch the CRM could not take at all is
`left` with the reason. Only a configuration error (and a bug) stops the sync.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reverse_etl.destinations.base import Destination, OwnerUpdate, RecordResult, update_field
from reverse_etl.exceptions import AnswerLost, DestinationError, LimitReached
from reverse_etl.ledger import LedgerEntry, SyncStatus, utc_now
from reverse_etl.plan import PlannedChange

OwnerKey = Callable[[str | None], str | None]


@dataclass
class BatchOutcome:
    """What became of one batch: ledger rows, and the changes it could not settle."""

    entries: list[LedgerEntry] = field(default_factory=list)
    to_write: list[PlannedChange] = field(default_factory=list)  # sorted, still to write (bulk)
    unknown: list[PlannedChange] = field(default_factory=list)  # written, answer lost
    left: list[PlannedChange] = field(default_factory=list)  # not settled now
    problem: str | None = None  # why some are unknown or left
    limit_reached: bool = False  # the CRM's allowance is spent: start nothing new


def apply_batch(
    batch: Sequence[PlannedChange], destination: Destination, same: OwnerKey, lost: Collection[str] = ()
) -> BatchOutcome:
    """Read, sort and write one batch. `lost` holds change_ids written before with the answer lost."""
    outcome = read_and_sort(batch, destination, same, lost)
    if outcome.to_write:
        outcome = _merge(outcome, write(outcome.to_write, destination.write_owners, lost))
    return outcome


def read_and_sort(
    batch: Sequence[PlannedChange], destination: Destination, same: OwnerKey, lost: Collection[str] = ()
) -> BatchOutcome:
    """Sort `batch` (changes of one owner field) against the owners the destination holds now; the
    changes due are `to_write`."""
    field = update_field(batch[0].crm_field) if batch else None
    account_ids = [change.account_id for change in batch]
    try:
        owners = destination.read_owners(account_ids) if field is None else destination.read_owners(account_ids, field)
    except DestinationError as error:
        return BatchOutcome(left=list(batch), problem=str(error), limit_reached=isinstance(error, LimitReached))
    outcome = BatchOutcome()
    now = utc_now()
    for change in batch:
        # An account the destination cannot read is still sent, so it names the problem itself
        # (NOT_FOUND, DUPLICATE_ID...).
        if change.account_id not in owners:
            outcome.to_write.append(change)
            continue
        current = same(owners[change.account_id])
        # A write whose answer was lost counts as an attempt, whatever it did.
        attempts = change.attempts + (change.change_id in lost)
        if current == same(change.to_crm_owner_id):
            outcome.entries.append(entry(change, SyncStatus.APPLIED, attempts, now=now))
        elif current != same(change.from_crm_owner_id):
            message = (
                f"CRM {field or 'owner'} is now {current or 'empty'}, expected {change.from_crm_owner_id or 'empty'}: "
                "changed outside bookflow, not overwritten"
            )
            outcome.entries.append(entry(change, SyncStatus.CONFLICT, attempts, message))
        else:
            outcome.to_write.append(change)
    return outcome


def write(
    changes: Sequence[PlannedChange],
    send: Callable[[Sequence[OwnerUpdate]], list[RecordResult]],
    lost: Collection[str] = (),
) -> BatchOutcome:
    """Write sorted changes with `send` (the destination's REST or bulk write)."""
    try:
        results = send(
            [
                OwnerUpdate(change.account_id, change.to_crm_owner_id, update_field(change.crm_field))
                for change in changes
            ]
        )
    except AnswerLost as error:
        return BatchOutcome(unknown=list(changes), problem=str(error))
    except DestinationError as error:
        return BatchOutcome(left=list(changes), problem=str(error), limit_reached=isinstance(error, LimitReached))
    # One result per update, in order (the Destination contract); matched by id all the same.
    if len(results) != len(changes) or any(r.account_id != c.account_id for r, c in zip(results, changes, strict=True)):
        by_account = {result.account_id: result for result in results}
        results = [by_account.get(change.account_id) for change in changes]  # type: ignore[misc]
    entries = []
    now = utc_now()
    for change, result in zip(changes, results, strict=True):
        attempts = change.attempts + 1 + (change.change_id in lost)
        if result is None:
            entries.append(
                entry(change, SyncStatus.FAILED, attempts, "NO_RESULT: the destination returned no result for it")
            )
        elif result.ok:
            entries.append(entry(change, SyncStatus.APPLIED, attempts, now=now))
        else:
            entries.append(entry(change, SyncStatus.FAILED, attempts, f"{result.error_code}: {result.error_message}"))
    return BatchOutcome(entries=entries)


def entry(
    change: PlannedChange, status: SyncStatus, attempts: int, error: str | None = None, now: datetime | None = None
) -> LedgerEntry:
    return change.entry(status, attempts=attempts, error=error, applied=status is SyncStatus.APPLIED, now=now)


def _merge(sorted_: BatchOutcome, written: BatchOutcome) -> BatchOutcome:
    return BatchOutcome(
        entries=sorted_.entries + written.entries,
        unknown=written.unknown,
        left=sorted_.left + written.left,
        problem=written.problem or sorted_.problem,
        limit_reached=written.limit_reached,
    )
