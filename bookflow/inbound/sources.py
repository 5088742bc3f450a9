"""Hand raises a loader appends to the warehouse, polled into the inbox beside the webhook's.

Two tables, read by their arrival stamp (received_at, else occurred_at) past a watermark kept in
the store (`inbound.source_watermarks`), with a short overlap for rows committed out of order
(the inbox's key drops repeats):
- `signals.account_signal`: rows of a hand-raise type (signal_weights.csv), which name an account;
- `signals.hand_raise`, if the loader keeps one: hand raises shaped like bookflow.inbound.hand_raise
  (account hint, signal type, occurred_at, received_at, source, source_id), matched like the
  webhook's. The real-CRM extract lands leads and form fills here.

DuckDB lets one process write the warehouse, and a cycle holds it for minutes: the poll looks only
while no cycle runs (its lock), for a second at most, and otherwise waits for the next pass.
A new store starts from now: what the warehouse held before is the daily cycle's business.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb

from bookflow.inbound.store import ensure_store
from reverse_etl.duckdb_files import attach_read_only, cycle_lock, open_duckdb
from reverse_etl.ledger import utc_now

SOURCE = "warehouse"
_OVERLAP = timedelta(minutes=10)
_HINT_COLUMNS = ("account_id", "email", "website", "company_name", "country", "employees", "source", "source_id")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'warehouse' and schema_name = 'signals' "
            "and table_name = ?",
            [table],
        ).fetchall()
    }


def poll_warehouse(store: Path, warehouse: Path, hand_raise_types: list[str]) -> int | None:
    """Copy new hand raises from the warehouse into the inbox; how many were new (None: not looked)."""
    if not warehouse.exists() or not hand_raise_types:
        return None
    ensure_store(store)
    with cycle_lock(warehouse, wait=False) as free:
        if not free:
            return None
        try:
            return _poll(store, warehouse, hand_raise_types)
        except duckdb.IOException:
            return None  # a loader is writing it: next pass


def _poll(store: Path, warehouse: Path, types: list[str]) -> int:
    with open_duckdb(store) as con:
        mark = con.execute("select received_up_to from inbound.source_watermarks where source = ?", [SOURCE]).fetchone()
        if mark is None:
            con.execute("insert into inbound.source_watermarks values (?, ?)", [SOURCE, utc_now()])
            return 0
        attach_read_only(con, warehouse, "warehouse", timeout_s=1.0)
        try:
            selects = []
            signal_columns = _columns(con, "account_signal")
            if signal_columns:
                arrival = "coalesce(received_at, occurred_at)" if "received_at" in signal_columns else "occurred_at"
                selects.append(
                    f"""
                    select account_id, null as email, null as website, null as company_name, null as country,
                        null as employees, 'warehouse:account_signal' as source, null as source_id,
                        lower(signal_type) as signal_type, occurred_at, {arrival} as received_at,
                        coalesce(strength, 1.0) as strength
                    from warehouse.signals.account_signal
                    where lower(signal_type) in (select unnest($types))
                    """
                )
            lead_columns = _columns(con, "hand_raise")
            if {"signal_type", "occurred_at"} <= lead_columns:
                hints = ", ".join(
                    f"{column}" if column in lead_columns else f"null as {column}" for column in _HINT_COLUMNS
                ).replace("null as source,", "'warehouse:hand_raise' as source,")
                arrival = "coalesce(received_at, occurred_at)" if "received_at" in lead_columns else "occurred_at"
                strength = "coalesce(strength, 1.0)" if "strength" in lead_columns else "1.0"
                selects.append(
                    f"""
                    select {hints}, lower(signal_type) as signal_type, occurred_at, {arrival} as received_at,
                        {strength} as strength
                    from warehouse.signals.hand_raise
                    where lower(signal_type) in (select unnest($types))
                    """
                )
            if not selects:
                return 0
            con.execute(
                f"""
                create or replace temp table polled as
                select * from ({" union all ".join(selects)})
                where received_at > $since and occurred_at is not null
                    and coalesce(account_id, email, website, company_name) is not null
                """,
                {"types": types, "since": mark[0] - _OVERLAP},
            )
        finally:
            con.execute("detach warehouse")
        before = con.execute("select count(*) from inbound.hand_raise_inbox").fetchone()[0]
        con.execute("begin transaction")
        con.execute(
            """
            insert into inbound.hand_raise_inbox
            select
                md5(concat_ws('|', source, coalesce(source_id, ''), coalesce(account_id, ''), coalesce(email, ''),
                    coalesce(company_name, ''), signal_type, cast(occurred_at as varchar))),
                source, source_id, account_id, email, website, company_name, country, cast(employees as integer),
                signal_type, occurred_at, received_at, least(greatest(strength, 0), 1)
            from polled
            on conflict (hand_raise_id) do nothing
            """
        )
        con.execute(
            """
            update inbound.source_watermarks
            set received_up_to = greatest(received_up_to, coalesce((select max(received_at) from polled), received_up_to))
            where source = ?
            """,
            [SOURCE],
        )
        con.execute("commit")
        return con.execute("select count(*) from inbound.hand_raise_inbox").fetchone()[0] - before
