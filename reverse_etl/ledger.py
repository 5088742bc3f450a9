"""The sync ledger: one row per (change, destination) saying what became of it.

It is how the sync applies a change at most once per destination, and dbt reads its 'applied'
rows as ownership history (`stg_reverse_etl__applied_changes`), so the column names are a
contract with the dbt project.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

import duckdb

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
    primary key (change_id, destination)
)
"""

# One statement per batch: the rows arrive as parallel lists and are unnested, which keeps a
# batch to a single round trip. An 'applied' row is never overwritten: applied at most once.
_UPSERT = """
insert into reverse_etl.sync_ledger (
    change_id, destination, status, attempts, error, applied_at,
    as_of, account_id, change_type, from_owner_id, to_owner_id, updated_at
)
select
    unnest(?::varchar[]),
    ?,
    unnest(?::varchar[]),
    unnest(?::integer[]),
    unnest(?::varchar[]),
    unnest(?::timestamp[]),
    unnest(?::date[]),
    unnest(?::varchar[]),
    unnest(?::varchar[]),
    unnest(?::varchar[]),
    unnest(?::varchar[]),
    ?
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
    updated_at = excluded.updated_at
where sync_ledger.status <> 'applied'
"""


@dataclass(frozen=True)
class LedgerEntry:
    """The outcome of one change at one destination, with the change's context for dbt.

    Owner ids are bookflow's (None = the pool), as in `marts.ownership_changes`.
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


def utc_now() -> datetime:
    """Now in UTC, without a zone: the ledger's timestamps are all UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `reverse_etl` and table `sync_ledger` if they do not exist yet."""
    con.execute("create schema if not exists reverse_etl")
    con.execute(_CREATE_LEDGER)


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


def record_entries(con: duckdb.DuckDBPyConnection, destination: str, entries: Sequence[LedgerEntry]) -> None:
    """Upsert `entries` for `destination` in one transaction; rows already 'applied' stay as they are."""
    if not entries:
        return
    con.execute("begin transaction")
    try:
        con.execute(
            _UPSERT,
            [
                [entry.change_id for entry in entries],
                destination,
                [entry.status.value for entry in entries],
                [entry.attempts for entry in entries],
                [entry.error for entry in entries],
                [entry.applied_at for entry in entries],
                [entry.as_of for entry in entries],
                [entry.account_id for entry in entries],
                [entry.change_type for entry in entries],
                [entry.from_owner_id for entry in entries],
                [entry.to_owner_id for entry in entries],
                utc_now(),
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


class LedgerWriter:
    """Collects a sync's ledger rows and writes them in one statement every `every_s` seconds
    (or `max_rows` rows), and when the sync ends or fails.

    DuckDB lets one process write a file at a time, and inbound routing writes the warehouse
    too, so the warehouse is opened for each flush and closed again rather than held for the
    whole sync: others wait at most one flush (tens of milliseconds). A process killed between
    flushes loses at most those seconds of bookkeeping, never a write: the next sync reads the
    owners back and records what was applied.
    """

    def __init__(self, warehouse: Path, destination: str, *, every_s: float = 1.0, max_rows: int = 50_000) -> None:
        self.warehouse = warehouse
        self.destination = destination
        self.every_s = every_s
        self.max_rows = max_rows
        self.pending: list[LedgerEntry] = []
        self.flushes = 0
        self._last = time.monotonic()

    def add(self, entries: Sequence[LedgerEntry]) -> None:
        self.pending.extend(entries)
        if len(self.pending) >= self.max_rows or time.monotonic() - self._last >= self.every_s:
            self.flush()

    def flush(self) -> None:
        self._last = time.monotonic()
        if not self.pending:
            return
        with open_duckdb(self.warehouse) as con:
            record_entries(con, self.destination, self.pending)
        self.pending = []
        self.flushes += 1
