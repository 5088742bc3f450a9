"""The sync ledger: one row per (change, destination) saying what became of it.

It is how the sync applies a change at most once per destination, and dbt reads its 'applied'
rows as ownership history (`stg_reverse_etl__applied_changes`), so the column names are a
contract with the dbt project.
"""

import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa

from reverse_etl.duckdb_files import open_duckdb


class SyncStatus(StrEnum):
    """What became of one change at one destination."""

    APPLIED = "applied"  # the CRM holds the new owner (written by us, now or before a crash)
    FAILED = "failed"  # the CRM rejected the record; retried until the attempts run out
    CONFLICT = "conflict"  # someone else changed the owner; re-checked on every sync, never forced
    SKIPPED = "skipped"  # set by a person to give up on a change; the sync never plans it again


# Statuses that take a change out of the plan for good.
SETTLED_STATUSES = (SyncStatus.APPLIED.value, SyncStatus.SKIPPED.value)

_CREATE_LEDGER = """
create table if not exists reverse_etl.sync_ledger (
    change_id varchar not null,
    destination varchar not null,
    status varchar not null check (status in ('applied', 'failed', 'conflict', 'skipped')),
    attempts integer not null default 0,
    error varchar,
    applied_at timestamp,
    as_of date,
    account_id varchar,
    change_type varchar,
    from_owner_id varchar,
    to_owner_id varchar,
    updated_at timestamp not null,
    crm_field varchar,
    primary key (change_id, destination)
)
"""

# Ledgers created before the SDR field get its column; their rows all wrote the CRM owner.
_ADD_CRM_FIELD = "alter table reverse_etl.sync_ledger add column if not exists crm_field varchar"

# One statement per flush. The rows arrive as an Arrow table (its columns built in C from the
# entries' fields) that DuckDB scans in bulk: turning thousands of Python values into DuckDB values
# one by one, or writing and parsing a CSV file, would cost the sync more CPU than its HTTP calls.
# An 'applied' row is never overwritten: applied at most once.
_UPSERT = """
insert into reverse_etl.sync_ledger (
    change_id, destination, status, attempts, error, applied_at,
    as_of, account_id, change_type, from_owner_id, to_owner_id, updated_at, crm_field
)
select
    change_id, ?, status, attempts, error, applied_at, as_of, account_id, change_type, from_owner_id, to_owner_id, ?,
    crm_field
from ledger_rows
on conflict (change_id, destination) do update set
    status = excluded.status,
    attempts = excluded.attempts,
    error = excluded.error,
    applied_at = excluded.applied_at,
    as_of = excluded.as_of,
    account_id = excluded.account_id,
    change_type = excluded.change_type,
    from_owner_id = excluded.from_owner_id,
    to_owner_id = excluded.to_owner_id,
    updated_at = excluded.updated_at,
    crm_field = excluded.crm_field
where sync_ledger.status <> 'applied'
"""


class LedgerEntry(NamedTuple):
    """The outcome of one change at one destination, with the change's context for dbt.

    Owner ids are bookflow's (None = the pool), as in `marts.ownership_changes`. A named tuple:
    a sync makes one per change, millions of them, and a tuple is the cheapest to build.
    """

    change_id: str
    status: SyncStatus
    attempts: int
    error: str | None
    applied_at: datetime | None
    as_of: date
    account_id: str
    change_type: str
    from_owner_id: str | None
    to_owner_id: str | None
    crm_field: str = "owner_id"  # the owner field the change writes (reverse_etl.destinations.base)


def utc_now() -> datetime:
    """Now in UTC, without a zone: the ledger's timestamps are all UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `reverse_etl` and table `sync_ledger` if they do not exist yet."""
    con.execute("create schema if not exists reverse_etl")
    con.execute(_CREATE_LEDGER)
    con.execute(_ADD_CRM_FIELD)


def ledger_exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `reverse_etl.sync_ledger` exists (a dry run must not create it)."""
    row = con.execute(
        """
        select count(*)
        from duckdb_tables()
        where schema_name = 'reverse_etl' and table_name = 'sync_ledger' and database_name = current_database()
        """
    ).fetchone()
    return row is not None and row[0] > 0


# The Arrow type of each LedgerEntry field, in the tuple's order.
_ARROW_TYPES = {
    "change_id": pa.string(),
    "status": pa.string(),
    "attempts": pa.int32(),
    "error": pa.string(),
    "applied_at": pa.timestamp("us"),
    "as_of": pa.date32(),
    "account_id": pa.string(),
    "change_type": pa.string(),
    "from_owner_id": pa.string(),
    "to_owner_id": pa.string(),
    "crm_field": pa.string(),
}
_SCHEMA = pa.schema(list(_ARROW_TYPES.items()))
TABLE_SLICE = 1000  # ledger rows turned into Arrow at a time
assert tuple(_ARROW_TYPES) == LedgerEntry._fields, "the Arrow schema follows LedgerEntry field by field"


def entries_table(entries: Sequence[LedgerEntry]) -> pa.Table:
    """`entries` as an Arrow table of LedgerEntry's columns; None is null, an empty string stays one.

    Built slice by slice: turning a Python list into an Arrow array is one call that holds the
    interpreter throughout, and the sync's HTTP threads wait on it; slices of TABLE_SLICE rows
    let them in between (a flush of 10,000 rows at once stalled every request in flight).
    """
    return pa.Table.from_batches(
        [_batch(entries[start : start + TABLE_SLICE]) for start in range(0, len(entries), TABLE_SLICE)], schema=_SCHEMA
    )


def _batch(entries: Sequence[LedgerEntry]) -> pa.RecordBatch:
    columns = zip(*entries, strict=True)
    return pa.RecordBatch.from_arrays(
        [pa.array(column, type=field.type) for column, field in zip(columns, _SCHEMA, strict=True)], schema=_SCHEMA
    )


def record_entries(con: duckdb.DuckDBPyConnection, destination: str, entries: Sequence[LedgerEntry]) -> None:
    """Upsert `entries` for `destination` in one transaction; rows already 'applied' stay as they are."""
    if not entries:
        return
    # One row per change: a later entry of the same change wins (one statement cannot upsert a key twice).
    rows = entries_table(list({entry.change_id: entry for entry in entries}.values()))
    con.register("ledger_rows", rows)
    try:
        con.execute("begin transaction")
        try:
            con.execute(_UPSERT, [destination, utc_now()])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.unregister("ledger_rows")


class LedgerWriter:
    """Writes a sync's ledger rows from a thread of its own, in one statement about every
    `every_s` seconds (sooner past `max_rows` rows), and the rest when the sync ends or fails.

    The sync's threads only hand rows over, so a flush never holds up the next batch. DuckDB lets
    one process write a file at a time, and inbound routing writes the warehouse too, so the
    warehouse is opened for each flush and closed again rather than held for the whole sync:
    others wait at most one flush. A process killed between flushes loses at most those seconds
    of bookkeeping, never a write: the next sync reads the owners back and records what landed.
    """

    def __init__(self, warehouse: Path, destination: str, *, every_s: float = 1.0, max_rows: int = 50_000) -> None:
        self.warehouse = warehouse
        self.destination = destination
        self.every_s = every_s
        self.max_rows = max_rows
        self.flushes = 0
        self._pending: list[LedgerEntry] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bookflow-ledger", daemon=True)
        self._thread.start()

    def add(self, entries: Sequence[LedgerEntry]) -> None:
        if self._error is not None:
            raise self._error
        with self._lock:
            self._pending.extend(entries)
            if len(self._pending) >= self.max_rows:
                self._wake.set()

    def close(self) -> None:
        """Write what is left and stop the thread; raises what a flush raised."""
        self._closing = True
        self._wake.set()
        self._thread.join()
        if self._error is None:
            self._flush()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while not self._closing:
            self._wake.wait(self.every_s)
            self._wake.clear()
            try:
                self._flush()
            except BaseException as error:  # handed to the sync's thread by add() and close()
                self._error = error
                return

    def _flush(self) -> None:
        with self._lock:
            entries, self._pending = self._pending, []
        if not entries:
            return
        with open_duckdb(self.warehouse) as con:
            record_entries(con, self.destination, entries)
        self.flushes += 1
