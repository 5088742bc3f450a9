"""Route hand raises: from the inbox to ownership changes, by the rules the daily cycle built.

A pass, in one transaction of the store:
1. takes the hand raises not settled yet (new in the inbox, or queued earlier);
2. matches each to an account (`matching`: the account it names, its domain, its company name),
   with a rule and a confidence: a weak match goes to `review`, no match is a new-account
   candidate (`quarantined`);
3. reads what a hand raise does to that account from the cycle's `marts.routing_facts` (keep,
   alert its owner, route, quarantine), updated by what routing moved since the cycle;
4. deals the accounts to route to the rep of their book at work now with the most room
   (`marts.rep_open_slots` minus routing's moves since; `marts.rep_availability_windows`), ties
   to the cycle's seat order; a full book waits in the queue with an alert, or goes to the least
   loaded rep if the rules say so (`when_book_full`).

The marts come from the latest publication of the warehouse (bookflow.publish), which readers may
open while a cycle writes the warehouse: routing never waits for a cycle. Each hand raise is
settled once (`inbound.hand_raises`), and an account routed in the current cycle is not routed
again: two hand raises never make two owners.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from bookflow.inbound.matching.candidates import Lead, match_leads
from bookflow.inbound.matching.keys import lead_keys
from bookflow.inbound.sql import read_sql
from bookflow.inbound.store import ensure_store
from reverse_etl.duckdb_files import attach_read_only, open_duckdb
from reverse_etl.ledger import utc_now


class NotReady(Exception):
    """Routing needs one finished daily cycle first: its published marts are what it reads."""


@dataclass
class RoutingResult:
    """What one routing pass did with the hand raises it looked at."""

    as_of: date | None = None
    outcomes: Counter = field(default_factory=Counter)
    changes: list[tuple[str, str, str | None, str | None, str]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    @property
    def hand_raises(self) -> int:
        return sum(self.outcomes.values())


def route_hand_raises(store: Path, facts: Path, *, now: datetime | None = None) -> RoutingResult:
    """Route every hand raise not settled yet. `facts` is the published marts' DuckDB file.

    Raises NotReady before the first cycle has published its marts.
    """
    if not Path(facts).exists():
        raise NotReady(
            "no daily cycle has published its marts yet: run `bookflow run` once, then hand raises are routed"
        )
    ensure_store(store)
    # This connection holds the store's file lock until it closes: no other process can route in
    # between the reads below and the transaction that records their outcome.
    with open_duckdb(store) as con:
        attach_read_only(con, Path(facts), "facts")
        try:
            facts_as_of = con.execute("select max(as_of) from facts.marts.rep_open_slots").fetchone()[0]
        except duckdb.CatalogException as error:
            raise NotReady(f"{facts} holds no routing marts: run `bookflow run` with this version first") from error
        if facts_as_of is None:
            raise NotReady("the published marts hold no cycle yet: run `bookflow run` once")
        cycle_as_of = con.execute("select max(as_of) from inbound.cycles").fetchone()[0]
        result = RoutingResult(as_of=max(filter(None, (cycle_as_of, facts_as_of))) + timedelta(days=1))
        con.execute(read_sql("pending"))
        pending = con.execute(
            "select hand_raise_id, account_id, email, website, company_name, country, employees from pending"
        ).fetchall()
        if not pending:
            return result
        _match(con, pending)
        now = now or utc_now()
        con.execute("begin transaction")
        try:
            _route(con, result, facts_as_of, now)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return result


def _match(con: duckdb.DuckDBPyConnection, pending: list[tuple]) -> None:
    leads = [
        Lead(
            lead_id=hand_raise_id,
            account_id=account_id,
            keys=lead_keys(email=email, website=website, company_name=company, country=country, employees=employees),
        )
        for hand_raise_id, account_id, email, website, company, country, employees in pending
    ]
    matches = match_leads(con, leads)
    con.execute(
        """
        create or replace temp table matched (
            hand_raise_id varchar, matched_account_id varchar, match_rule varchar, match_confidence double,
            match_decision varchar, match_reason varchar
        )
        """
    )
    con.executemany(
        "insert into matched values (?, ?, ?, ?, ?, ?)",
        [(lead_id, m.account_id, m.rule, m.confidence, m.decision, m.reason) for lead_id, m in matches.items()],
    )


def _route(con: duckdb.DuckDBPyConnection, result: RoutingResult, facts_as_of: date, now: datetime) -> None:
    as_of = result.as_of
    con.execute(read_sql("decide"), {"as_of": as_of, "facts_as_of": facts_as_of})
    con.execute(read_sql("room"), {"facts_as_of": facts_as_of, "now": now})
    con.execute(read_sql("deal"))
    con.execute(read_sql("record_changes"), {"as_of": as_of, "now": now})
    con.execute(
        """
        insert into inbound.ownership_changes
        select * exclude (hand_raise_id) from pass_changes
        """
    )
    con.execute(read_sql("record_hand_raises"), {"now": now})
    # A book with nobody at work and with room: raised once per hand raise, when it starts to wait.
    con.execute(
        """
        insert into inbound.alerts
        select ?, hand_raise_id, target_book, 'hand raise ' || hand_raise_id || ' on account ' || matched_account_id
            || ' waits: no rep of ' || target_book || ' at work with room'
        from decided
        where decision = 'route' and previous_outcome is null
            and hand_raise_id not in (select hand_raise_id from pass_changes)
        """,
        [now],
    )
    result.outcomes.update(
        dict(
            con.execute(
                "select outcome, count(*) from inbound.hand_raises where processed_at = ? group by 1", [now]
            ).fetchall()
        )
    )
    result.changes = con.execute(
        "select change_id, account_id, from_owner_id, to_owner_id, reason from pass_changes order by account_id"
    ).fetchall()
    result.alerts = [
        row[0] for row in con.execute("select message from inbound.alerts where raised_at = ?", [now]).fetchall()
    ]
