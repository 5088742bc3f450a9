"""Route new hand raises: one set-based transaction from the CRM's signals to ownership changes.

The rules are the daily cycle's, read from the same rules files, applied to the few accounts
that raised a hand:
- a converted account (open opportunity) or a customer stays put, and so does an account
  RevOps excluded or retired, or one held by a static-territory owner;
- an account owned by a rep who works it (a meaningful touch within the working SLA), is in its
  grace period or is pinned to them stays, and the owner is alerted through the change reason;
- anything else in a target book (pool, resting or in review: a hand raise ends rest early;
  owned but unworked; owner inactive) goes at once to the rep of that book with the most open
  capacity, never back to the owner who left it unworked. Open capacity is the last cycle's
  (capacity - book after the cycle) minus what inbound routing has moved since. Several hand
  raises for one book are dealt like the daily deal, best room first, so the second goes to
  whoever has most room after the first. Ties go to the rep who least recently received an
  inbound account, then to a seat that rotates daily.

Each hand raise is looked at exactly once (the store's `inbound.hand_raises` key), and an account
routed in the current cycle is not routed again: two hand raises never make two owners.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from bookflow.inbound.crm_read import load_rules, read_crm
from bookflow.inbound.sql import read_sql as _sql
from bookflow.inbound.store import ensure_store
from bookflow.validation import InputError
from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.ledger import utc_now


class NotReady(Exception):
    """Routing needs one finished daily cycle first: its capacity snapshot is where it starts from."""


@dataclass
class RoutingResult:
    """What one routing pass did with the hand raises it found."""

    as_of: object = None
    outcomes: Counter = field(default_factory=Counter)
    changes: list[tuple[str, str, str | None, str | None, str]] = field(default_factory=list)

    @property
    def hand_raises(self) -> int:
        return sum(self.outcomes.values())


def route_hand_raises(store: Path, crm: Path, rules_dir: Path, *, now: datetime | None = None) -> RoutingResult:
    """Route every hand raise not seen yet; return what became of them. Raises NotReady before the first cycle."""
    rules_dir = Path(rules_dir)
    if not Path(crm).exists():
        raise InputError(f"CRM {crm} does not exist: run `bookflow demo` to create it")
    ensure_store(store)
    # This connection holds the store's file lock until it closes: no other process can route in
    # between the reads below and the transaction that records their outcome.
    with open_duckdb(store) as con:
        cycle_as_of, snapshot_as_of = con.execute(
            "select (select max(as_of) from inbound.cycles), (select max(as_of) from inbound.rep_capacity)"
        ).fetchone()
        if cycle_as_of is None or snapshot_as_of is None:
            raise NotReady("no daily cycle has finished yet: run `bookflow run` once, then hand raises are routed")
        result = RoutingResult(as_of=cycle_as_of + timedelta(days=1))
        load_rules(con, rules_dir)
        read_crm(con, Path(crm))
        # Stamped after the read: a hand raise that landed while this pass started is routed now.
        now = now or utc_now()
        if not con.execute("select count(*) from new_raises").fetchone()[0]:
            return result
        con.execute("begin transaction")
        try:
            _route(con, result, snapshot_as_of, now)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return result


def _route(con: duckdb.DuckDBPyConnection, result: RoutingResult, snapshot_as_of, now: datetime) -> None:
    as_of = result.as_of
    con.execute(_sql("decide"), {"as_of": as_of})
    con.execute(_sql("room"), {"snapshot_as_of": snapshot_as_of})
    con.execute(_sql("deal"), {"as_of": as_of})
    con.execute(_sql("record_changes"), {"as_of": as_of, "now": now})
    con.execute(_sql("record_hand_raises"), {"as_of": as_of, "now": now})
    con.execute(
        "update inbound.watermark set received_up_to = greatest(received_up_to, (select max(received_at) from new_raises))"
    )
    result.outcomes.update(
        dict(
            con.execute(
                """
                select outcome, count(*) from inbound.hand_raises where processed_at = ? group by outcome
                """,
                [now],
            ).fetchall()
        )
    )
    result.changes = con.execute(
        """
        select change_id, account_id, from_owner_id, to_owner_id, reason
        from inbound.ownership_changes where routed_at = ? order by account_id
        """,
        [now],
    ).fetchall()
