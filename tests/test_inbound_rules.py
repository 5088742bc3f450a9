"""Inbound routing follows the rules files through the cycle: books, availability, loader rows.

The scenario needs a cycle run with edited rules after day 1; it rides on the next-day cycle of
tests/test_inbound.py (test_sensor_racing_routers_and_edited_rules_around_one_next_day_cycle),
which edits the rules with edit_the_rules before that cycle and checks routing with
routing_follows_the_rules_the_cycle_ran_with after it.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.inbound.hand_raise import HandRaise, append_to_inbox
from bookflow.inbound.service import route_and_sync
from tests.conftest import query


def _rewrite(path: Path, change) -> None:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows = change(rows)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _route(workspace, now):
    return route_and_sync(
        store=paths.inbound_store_path(workspace.warehouse),
        warehouse=workspace.warehouse,
        rules_dir=workspace.rules,
        destination=None,
        now=now,
    )


def _outcomes(workspace) -> dict[str, tuple[str, str]]:
    rows = query(
        paths.inbound_store_path(workspace.warehouse),
        """
        select outcomes.account_id, outcomes.outcome, coalesce(changes.to_owner_id, '')
        from inbound.hand_raises as outcomes
        left join inbound.ownership_changes as changes on outcomes.change_id = changes.change_id
        """,
    )
    return {account: (outcome, rep) for account, outcome, rep in rows}


# The books whose rules change before the next-day cycle (edit_the_rules).
EDITED_BOOKS = ("SDR-MM-AMER", "SDR-MM-EMEA")
# The next-day cycle's day, 2026-06-02, is a Tuesday.
SUNDAY_NOON_UTC = datetime(2026, 6, 7, 12, 0)
TUESDAY_NOON_BERLIN = datetime(2026, 6, 2, 10, 0)


def edit_the_rules(workspace) -> None:
    """Germany moves to the AMER theater; the AMER mid-market book is full (capacity 1) and a full
    book's hand raise goes to the least loaded rep at work rather than waiting; the EMEA mid-market
    book gets working hours: one rep away for good, one at work on Saturdays only, one on weekdays
    in Berlin. Every other rep still takes hand raises at any hour."""
    _rewrite(
        workspace.rules / "theaters.csv",
        lambda rows: [{**row, "theater": "AMER"} if row["billing_country"] == "DE" else row for row in rows],
    )
    _rewrite(
        workspace.rules / "reps.csv",
        lambda rows: [
            {**row, "capacity": "1"} if (row["segment"], row["theater"]) == ("MM", "AMER") else row for row in rows
        ],
    )
    with (workspace.rules / "settings.csv").open("a") as settings:
        settings.write("inbound_when_book_full,least_loaded,A full book's hand raise goes to the least loaded rep\n")
    (workspace.rules / "rep_availability.csv").write_text(
        "rep_id,time_zone,work_days,work_start,work_end,unavailable_until\n"
        "005Dn000000000CIAQ,Europe/Dublin,Mon Tue Wed Thu Fri,09:00,17:00,2099-01-01\n"
        "005Dn000000000DIAQ,Europe/Berlin,Sat,09:00,17:00,\n"
        "005Dn000000000EIAQ,Europe/Berlin,Mon Tue Wed Thu Fri,09:00,17:00,\n"
    )


def routing_follows_the_rules_the_cycle_ran_with(workspace) -> None:
    store = paths.inbound_store_path(workspace.warehouse)
    raised = [account for (account,) in query(store, "select distinct account_id from inbound.hand_raises")]
    pool = query(
        workspace.warehouse,
        """
        select status.account_id, status.target_book, upper(accounts.billing_country)
        from marts.account_status as status
        inner join salesforce.account as accounts on status.account_id = accounts.id
        where status.owner_id is null and status.status = 'pool' and status.target_book is not null
            and status.account_id not in (select account_id from marts.ownership_changes)
            and list_position(?, status.account_id) is null
        order by status.account_id
        """,
        [raised],
    )
    german = next(account for account, book, country in pool if country == "DE" and book.startswith("SDR-SMB"))
    emea_mm = [account for account, book, _ in pool if book == "SDR-MM-EMEA"][:2]
    books = dict(query(workspace.warehouse, "select rep_id, target_book from marts.rep_capacity"))
    assert dict((account, book) for account, book, _ in pool)[german] == "SDR-SMB-AMER"
    full_book = next(account for account, book, _ in pool if book == "SDR-MM-AMER")
    room = dict(
        query(
            workspace.warehouse, "select rep_id, open_slots from marts.rep_open_slots where target_book = 'SDR-MM-AMER'"
        )
    )
    assert room and max(room.values()) <= 0, f"SDR-MM-AMER should be full after the cycle: {room}"

    # A loader appends a demo request to the signals table, and a form fill to its lead-shaped table.
    form_fill = next(account for account, book, _ in pool if book == "SDR-SMB-AMER" and account != german)
    with duckdb.connect(str(workspace.warehouse)) as con:
        # A loader that stamps arrivals (the contract's optional received_at).
        con.execute("alter table signals.account_signal add column if not exists received_at timestamp")
        con.execute(
            "insert into signals.account_signal (account_id, signal_type, occurred_at, strength, received_at) "
            "values (?, 'demo_request', ?, 1.0, ?)",
            [german, SUNDAY_NOON_UTC, datetime.utcnow()],
        )
        con.execute(
            """
            create table signals.hand_raise as
            select 'form-1' as source_id, ? as account_id, 'jo@gmail.com' as email,
                null::varchar as company_name, 'US' as country, 'demo_request' as signal_type,
                ?::timestamp as occurred_at, ?::timestamp as received_at
            """,
            [form_fill, SUNDAY_NOON_UTC, datetime.utcnow()],
        )
    append_to_inbox(
        store, [HandRaise(account_id=account, signal_type="demo_request") for account in [*emea_mm, full_book]]
    )

    first = _route(workspace, SUNDAY_NOON_UTC)
    assert first.polled == 2
    outcomes = _outcomes(workspace)
    # The book the rules gave Germany, in the cycle and in routing alike.
    assert outcomes[german][0] == "routed" and books[outcomes[german][1]] == "SDR-SMB-AMER"
    assert outcomes[form_fill][0] == "routed" and books[outcomes[form_fill][1]] == "SDR-SMB-AMER"
    # A full book at work: the least loaded rep (the most open slots, none above zero) even so.
    outcome, rep = outcomes[full_book]
    assert outcome == "routed" and room[rep] == max(room.values())
    # Sunday: nobody of the EMEA mid-market book at work. The hand raises wait, with an alert,
    # whatever when_book_full says.
    assert [outcomes[account][0] for account in emea_mm] == ["queued", "queued"]
    assert len(first.routing.alerts) == 2 and "SDR-MM-EMEA" in first.routing.alerts[0]

    _route(workspace, TUESDAY_NOON_BERLIN)
    outcomes = _outcomes(workspace)
    # Tuesday noon in Berlin: only the weekday rep is at work (one is away, one works Saturdays).
    assert [outcomes[account] for account in emea_mm] == [("routed", "005Dn000000000EIAQ")] * 2
