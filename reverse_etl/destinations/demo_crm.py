"""The demo CRM: a DuckDB file shaped like Salesforce, where the sync writes `account.owner_id` (or
another owner field the rules name, such as the SDR owner's column).

It answers the way Salesforce's API would: per-record errors for unknown, duplicated or deleted
accounts and for owners who are not active users, and the rest of the batch is still written.
"""

from collections.abc import Sequence
from contextlib import AbstractContextManager, suppress
from pathlib import Path

import duckdb

from reverse_etl.destinations._salesforce import (
    check_update,
    connect,
    match_accounts,
    owner_column,
    user_activity,
    writable_owners,
)
from reverse_etl.destinations.base import OWNER_FIELD, OwnerUpdate, RecordResult
from reverse_etl.exceptions import DestinationError

_UPDATE_OWNERS = """
update salesforce.account
set {column} = updates.owner_id
from (
    select unnest(?::varchar[]) as account_id, unnest(?::varchar[]) as owner_id
) as updates
where account.id = updates.account_id
"""


class DemoCrmDestination:
    """Writes account owners into the demo CRM's `salesforce.account`, one transaction per batch."""

    name = "demo_crm"
    # One writer at a time: the file takes one, and its batches must land in order.
    max_concurrency = 1

    def __init__(self, crm_path: Path, *, batch_size: int = 5000) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.crm_path = Path(crm_path)
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"DemoCrmDestination({str(self.crm_path)!r})"

    def _connect(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return connect(self.crm_path, "demo CRM", "run `bookflow demo` to create it")

    def writes_field(self, field: str) -> bool:
        """Any owner column of `salesforce.account` (a missing one fails the write as a whole)."""
        return True

    def read_owners(self, account_ids: Sequence[str], field: str | None = None) -> dict[str, str | None]:
        """Current value of `field` (None: the owner) per id that names exactly one live account;
        other ids are absent."""
        with self._connect() as con:
            try:
                return writable_owners(match_accounts(con, account_ids, field))
            except duckdb.Error as error:
                raise DestinationError(f"cannot read owners from demo CRM {self.crm_path}: {error}") from error

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Write `updates` in transactions of `batch_size`; one result per update, in order."""
        results: list[RecordResult] = []
        seen: set[tuple[str, str | None]] = set()
        for start in range(0, len(updates), self.batch_size):
            batch = updates[start : start + self.batch_size]
            with self._connect() as con:
                try:
                    con.execute("begin transaction")
                    batch_results = self._write_batch(con, batch, seen)
                    con.execute("commit")
                except duckdb.Error as error:
                    _rollback(con)
                    raise DestinationError(
                        f"demo CRM {self.crm_path} failed on a batch of {len(batch)} updates, nothing of it "
                        f"written ({start} updates before it were committed): {error}"
                    ) from error
            results.extend(batch_results)
        return results

    def _write_batch(
        self, con: duckdb.DuckDBPyConnection, batch: Sequence[OwnerUpdate], seen: set[tuple[str, str | None]]
    ) -> list[RecordResult]:
        # Checked inside the write's transaction, so nothing can change between check and write.
        # One statement per field (the engine sends one field per batch); results in input order.
        results: dict[int, RecordResult] = {}
        for field in dict.fromkeys(update.field for update in batch):
            numbered = [(number, update) for number, update in enumerate(batch) if update.field == field]
            column = owner_column(con, field or OWNER_FIELD)
            matches = match_accounts(con, [update.account_id for _, update in numbered], field)
            users = user_activity(con, [update.owner_id for _, update in numbered if update.owner_id])
            accepted: list[OwnerUpdate] = []
            for number, update in numbered:
                results[number] = check_update(update, matches, users, seen)
                if results[number].ok:
                    accepted.append(update)
            if accepted:
                con.execute(
                    _UPDATE_OWNERS.format(column=column),
                    [[update.account_id for update in accepted], [update.owner_id for update in accepted]],
                )
        return [results[number] for number in range(len(batch))]


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # Fails when no transaction was open, i.e. the failure came before it: nothing to undo.
    with suppress(duckdb.Error):
        con.rollback()
