"""The inbound store: hand raises seen, the changes routed for them, and their sync ledger.

A DuckDB file of its own (`bookflow.paths.inbound_store_path`). DuckDB lets one
process write a file and locks every other out, and the daily run holds the warehouse for as
long as dbt builds; routing therefore never touches the warehouse. Every process opens the store
for one short transaction and closes it again, retrying briefly while another one holds it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import duckdb

from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.ledger import ensure_ledger

_SCHEMA = """
create schema if not exists inbound;

-- Every hand raise received, from any source, as the one interface routing reads (hand_raise.py):
-- an account hint (id, e-mail, website, company name, country, size), what and when, and where from.
create table if not exists inbound.hand_raise_inbox (
    hand_raise_id varchar primary key,
    source varchar not null,
    source_id varchar,
    account_id varchar,
    email varchar,
    website varchar,
    company_name varchar,
    country varchar,
    employees integer,
    signal_type varchar not null,
    occurred_at timestamp not null,
    received_at timestamp not null,
    strength double not null
);

-- What became of each hand raise: the account it was matched to (rule, confidence) and the
-- outcome. Written once, except a queued one, which later passes route when room opens.
create table if not exists inbound.hand_raises (
    hand_raise_id varchar primary key,
    account_id varchar,
    match_rule varchar,
    match_confidence double,
    signal_type varchar not null,
    occurred_at timestamp not null,
    received_at timestamp not null,
    processed_at timestamp not null,
    outcome varchar not null
        check (outcome in ('routed', 'alerted', 'kept', 'duplicate', 'queued', 'review', 'quarantined')),
    reason varchar not null,
    change_id varchar
);

-- The changes routing asked of the CRM; same columns as marts.ownership_changes, plus timing.
create table if not exists inbound.ownership_changes (
    change_id varchar primary key,
    as_of date not null,
    account_id varchar not null,
    from_owner_id varchar,
    to_owner_id varchar,
    change_type varchar not null,
    reason varchar not null,
    from_crm_owner_id varchar not null,
    to_crm_owner_id varchar not null,
    signal_type varchar not null,
    received_at timestamp not null,
    routed_at timestamp not null
);

-- A book with no rep at work and with room: someone should look (the hand raise waits, queued).
create table if not exists inbound.alerts (
    raised_at timestamp not null,
    hand_raise_id varchar not null,
    target_book varchar,
    message varchar not null
);

-- Daily cycles that have started: inbound changes made after one belong to the next.
create table if not exists inbound.cycles (
    as_of date primary key,
    started_at timestamp not null
);

-- How far each polled source has been read (its rows' received_at).
create table if not exists inbound.source_watermarks (
    source varchar primary key,
    received_up_to timestamp not null
);
"""

_LATENCY_VIEW = """
create or replace view inbound.latency as
select
    changes.change_id,
    changes.account_id,
    changes.signal_type,
    changes.to_owner_id,
    changes.received_at,
    changes.routed_at,
    ledger.applied_at as synced_at,
    ledger.destination,
    coalesce(ledger.status, 'pending') as sync_status,
    date_diff('millisecond', changes.received_at, changes.routed_at) / 1000.0 as seconds_to_route,
    date_diff('millisecond', changes.received_at, ledger.applied_at) / 1000.0 as seconds_to_crm
from inbound.ownership_changes as changes
left join reverse_etl.sync_ledger as ledger
    on changes.change_id = ledger.change_id
"""


# Store files this process has made sure of, by path and inode: a pass calls ensure_store every
# time, and opening the file for its DDL was a large share of a stream hand raise's wait.
_ensured: set[tuple[Path, int]] = set()
_ensuring = threading.Lock()


def ensure_store(path: Path) -> None:
    """Create the store's tables if missing (a store from before the inbox keeps its changes and ledger).

    Once per process and file: tables are only ever added, so a file made sure of stays so; a
    store deleted and made again is a new file and gets its tables again.
    """
    if path.stem in ("inbound", "reverse_etl"):
        # DuckDB names a file's catalog after its stem, which would shadow the schema of that name.
        raise ValueError(f"name the inbound store something other than {path.name} (e.g. inbound_store.duckdb)")
    with _ensuring:
        if _identity(path) in _ensured:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_duckdb(path) as con:
            _retire_old_tables(con)
            con.execute(_SCHEMA)
            ensure_ledger(con)
            con.execute(_LATENCY_VIEW)
        _ensured.add(_identity(path))


def _identity(path: Path) -> tuple[Path, int] | None:
    try:
        return path.resolve(), path.stat().st_ino
    except FileNotFoundError:
        return None


def _retire_old_tables(con) -> None:
    """Stores made before the inbox keyed hand raises by account; their record is kept, renamed."""
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'inbound' and table_name = 'hand_raises'"
        ).fetchall()
    }
    if columns and "hand_raise_id" not in columns:
        con.execute("alter table inbound.hand_raises rename to hand_raises_before_inbox")
    for table in ("rep_capacity", "accounts_in_grace", "watermark"):
        con.execute(f"drop table if exists inbound.{table}")


def inbox_state(path: Path) -> tuple[datetime | None, int] | None:
    """The newest arrival in the inbox and how many hand raises wait queued: a cheap look for the sensor."""
    if not path.exists():
        return None
    try:
        with open_duckdb(path, read_only=True, timeout_s=2.0) as con:
            return con.execute(
                """
                select
                    (select max(received_at) from inbound.hand_raise_inbox),
                    (select count(*) from inbound.hand_raises where outcome = 'queued')
                """
            ).fetchone()
    except duckdb.Error:
        return None  # busy or not made yet: the next tick looks again
