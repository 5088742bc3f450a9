"""What the daily cycle and inbound routing hand each other, each hand-off one short transaction.

- A cycle starts: it marks itself in the store (routes made from then on belong to the next
  cycle), then lands the store's inbound changes, cycle marks and ledger in the warehouse, where
  dbt reports them in `marts.ownership_changes` and counts them as ownership history.
- A cycle's marts are published (bookflow.publish): routing reads them there, never the
  warehouse itself, so a cycle writing the warehouse never holds routing up.
- Matched hand raises from the webhook (and lead-shaped loader rows) land as
  `inbound.hand_raise_signals`, which the cycle scores beside `signals.account_signal`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from bookflow.inbound.store import ensure_store
from bookflow.slots import current_relation
from reverse_etl.duckdb_files import attach_read_only, cycle_lock, open_duckdb
from reverse_etl.ledger import ensure_ledger, utc_now

_LEDGER_COLUMNS = (
    "change_id, destination, status, attempts, error, applied_at, "
    "as_of, account_id, change_type, from_owner_id, to_owner_id, updated_at"
)

# Columns of the store's tables that the warehouse keeps (inbound.ownership_changes, inbound.cycles).
_CHANGES_COLUMNS = (
    "change_id, as_of, account_id, from_owner_id, to_owner_id, change_type, reason, "
    "from_crm_owner_id, to_crm_owner_id, signal_type, received_at, routed_at"
)


def begin_cycle(store: Path, as_of: date) -> None:
    """Mark that the cycle for `as_of` has started; routes made from now on belong to the next one."""
    ensure_store(store)
    with open_duckdb(store) as con:
        con.execute(
            "insert into inbound.cycles values (?, ?) on conflict (as_of) do update set started_at = excluded.started_at",
            [as_of, utc_now()],
        )


def land_in_warehouse(store: Path, warehouse: Path) -> int:
    """Copy inbound changes and cycle marks into the warehouse and merge their ledger; return the changes copied.

    One warehouse transaction: dbt sees all of it or, if anything fails, the previous copy.
    A ledger row already 'applied' in the warehouse stays as it is (applied at most once).
    """
    ensure_store(store)
    with open_duckdb(warehouse) as con:
        ensure_ledger(con)
        attach_read_only(con, store, "inbound_store")
        try:
            con.execute("begin transaction")
            con.execute("create schema if not exists inbound")
            con.execute(
                f"create or replace table inbound.ownership_changes as "
                f"select {_CHANGES_COLUMNS} from inbound_store.inbound.ownership_changes"
            )
            con.execute("create or replace table inbound.cycles as select * from inbound_store.inbound.cycles")
            # Rows polled from signals.account_signal are in the warehouse already; a hand raise
            # naming its account scores even before routing looked at it.
            con.execute(
                """
                create or replace table inbound.hand_raise_signals as
                select
                    coalesce(outcomes.account_id, inbox.account_id) as account_id,
                    inbox.signal_type, inbox.occurred_at, inbox.strength, inbox.received_at
                from inbound_store.inbound.hand_raise_inbox as inbox
                left join inbound_store.inbound.hand_raises as outcomes
                    on inbox.hand_raise_id = outcomes.hand_raise_id
                where coalesce(outcomes.account_id, inbox.account_id) is not null
                    and coalesce(outcomes.outcome, '') not in ('review', 'quarantined')
                    and inbox.source <> 'warehouse:account_signal'
                """
            )
            con.execute(
                f"""
                insert into reverse_etl.sync_ledger ({_LEDGER_COLUMNS})
                select {_LEDGER_COLUMNS} from inbound_store.reverse_etl.sync_ledger
                on conflict (change_id, destination) do update set
                    status = excluded.status, attempts = excluded.attempts, error = excluded.error,
                    applied_at = excluded.applied_at, updated_at = excluded.updated_at
                where sync_ledger.status <> 'applied'
                """
            )
            copied = con.execute("select count(*) from inbound.ownership_changes").fetchone()[0]
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        finally:
            con.execute("detach inbound_store")
    return copied


def report_in_warehouse(store: Path, warehouse: Path, *, wait_s: float = 1.0) -> int | None:
    """Add inbound changes not yet in `marts.ownership_changes` to it, if the warehouse is free now.

    BI tools see a routed hand raiser at once rather than at the next cycle. If a cycle holds the
    warehouse, this gives up after `wait_s` (None) instead of holding routing up: the next cycle
    rebuilds the table with the same rows from the store anyway.
    """
    if not warehouse.exists():
        return None
    with cycle_lock(warehouse, wait=False) as free:
        if not free:
            return None  # a cycle is running: it reports these itself
        return _report(store, warehouse, wait_s)


def _report(store: Path, warehouse: Path, wait_s: float) -> int | None:
    try:
        with open_duckdb(warehouse, timeout_s=wait_s) as con:
            exists = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'marts' and table_name = 'ownership_changes'"
            ).fetchone()[0]
            if not exists:
                return None
            # marts.ownership_changes is a view onto the current slot's table (bookflow/slots.py).
            reported_in = current_relation(con, "marts", "ownership_changes")
            attach_read_only(con, store, "inbound_store", timeout_s=wait_s)
            try:
                return con.execute(
                    f"""
                    insert into {reported_in} (
                        change_id, as_of, account_id, crm_field, from_owner_id, to_owner_id, change_type, reason,
                        from_crm_owner_id, to_crm_owner_id
                    )
                    select
                        change_id, as_of, account_id, 'owner_id', from_owner_id, to_owner_id, change_type, reason,
                        from_crm_owner_id, to_crm_owner_id
                    from inbound_store.inbound.ownership_changes as inbound
                    -- Only what routing did since the last cycle started; older ones had their cycle.
                    where inbound.as_of > (select max(as_of) from inbound_store.inbound.cycles)
                        and not exists (
                            select 1 from {reported_in} as reported
                            where reported.change_id = inbound.change_id
                        )
                    """
                ).fetchone()[0]
            finally:
                con.execute("detach inbound_store")
    except duckdb.IOException:
        return None  # a cycle holds the warehouse: it reports these itself
