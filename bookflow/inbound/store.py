"""The inbound store: hand raises seen, the changes routed for them, and their sync ledger.

A DuckDB file of its own (`bookflow.paths.inbound_store_path`). DuckDB lets one
process write a file and locks every other out, and the daily run holds the warehouse for as
long as dbt builds; routing therefore never touches the warehouse. Every process opens the store
for one short transaction and closes it again, retrying briefly while another one holds it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.ledger import ensure_ledger, utc_now

_SCHEMA = """
create schema if not exists inbound;

-- Every hand raise the router has looked at, with what became of it: the exactly-once record.
create table if not exists inbound.hand_raises (
    account_id varchar not null,
    signal_type varchar not null,
    occurred_at timestamp not null,
    received_at timestamp not null,
    processed_at timestamp not null,
    outcome varchar not null check (outcome in ('routed', 'alerted', 'kept', 'duplicate', 'quarantined')),
    reason varchar not null,
    change_id varchar,
    primary key (account_id, signal_type, occurred_at)
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

-- Daily cycles that have started: inbound changes made after one belong to the next.
create table if not exists inbound.cycles (
    as_of date primary key,
    started_at timestamp not null
);

-- The last daily cycle's view of each rep (capacity, book) and of accounts in their grace period.
create table if not exists inbound.rep_capacity (
    as_of date not null,
    rep_id varchar primary key,
    target_book varchar,
    capacity integer not null,
    book_size_after integer not null
);
create table if not exists inbound.accounts_in_grace (
    account_id varchar primary key,
    owner_id varchar not null
);

-- Where the router stopped reading the signals table (received_at), and when the store began.
create table if not exists inbound.watermark (
    id integer primary key check (id = 1),
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


def ensure_store(path: Path, *, now: datetime | None = None) -> None:
    """Create the store's tables if missing; a new store reads only hand raises received from now on."""
    if path.stem in ("inbound", "reverse_etl"):
        # DuckDB names a file's catalog after its stem, which would shadow the schema of that name.
        raise ValueError(f"name the inbound store something other than {path.name} (e.g. inbound_store.duckdb)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_duckdb(path) as con:
        con.execute(_SCHEMA)
        ensure_ledger(con)
        con.execute(_LATENCY_VIEW)
        con.execute(
            "insert into inbound.watermark values (1, ?) on conflict (id) do nothing",
            [now or utc_now()],
        )
