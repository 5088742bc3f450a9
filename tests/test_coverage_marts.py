"""The coverage marts, checked against counts computed here from the raw tables and rules files.

The session's two synced days (tests/conftest.py, two_days) are what the marts measure.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter, defaultdict

import duckdb
import pytest

from bookflow import paths
from tests.conftest import AS_OF, DAY_2, WINDOW_DAYS

PROSPECTING = ("new", "working", "unworked", "resting", "review")

CONTRACT = {
    "coverage_daily": [
        "as_of",
        "target_book",
        "tier",
        "nbtam_accounts",
        "owned_accounts",
        "worked_30d",
        "worked_60d",
        "worked_90d",
        "coverage_30d",
        "coverage_60d",
        "coverage_90d",
    ],
    "book_health": [
        "as_of",
        "rep_id",
        "target_book",
        "capacity",
        "book_size",
        "working",
        "new_in_grace",
        "unworked",
        "avg_priority",
        "open_opportunities",
        "returns_30d",
        "retrievals_30d",
    ],
    "capacity_gap": ["as_of", "target_book", "ready_pool", "open_slots", "gap", "weeks_of_pool_left"],
    "returns_by_reason": ["as_of", "target_book", "return_reason", "returns_30d"],
    "conversion_by_source": ["as_of", "source", "accounts", "converted_accounts", "conversion_rate"],
}


def _rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


@pytest.fixture
def con(two_days):
    with duckdb.connect(str(two_days["warehouse"]), read_only=True) as connection:
        yield connection


def _meaningful_types(rules):
    with (rules / "activity_types.csv").open() as handle:
        return [row["activity_type"] for row in csv.DictReader(handle) if row["is_meaningful"].lower() == "true"]


def _reps(rules):
    with (rules / "reps.csv").open() as handle:
        return {row["rep_id"]: f"{row['role']}-{row['segment']}-{row['theater']}" for row in csv.DictReader(handle)}


def test_marts_and_history_have_the_contract_columns(con):
    for table, columns in CONTRACT.items():
        found = [
            row[0]
            for row in _rows(
                con,
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [table],
            )
        ]
        assert set(columns) <= set(found), (table, set(columns) - set(found))
        history = [
            row[0]
            for row in _rows(
                con,
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [table + "_history"],
            )
        ]
        assert history == found


def test_coverage_daily_counts_nbtam_and_meaningful_activity_from_raw_tables(con, two_days):
    types = _meaningful_types(two_days["rules"])
    last_touch = dict(
        _rows(
            con,
            """
            select account_id, max(cast(activity_date as date))
            from (select * from salesforce.task union all select * from salesforce.event)
            where not coalesce(is_deleted, false) and list_contains(?, type) and cast(activity_date as date) <= ?
            group by account_id
            """,
            [types, DAY_2],
        )
    )
    expected = defaultdict(Counter)
    for account_id, target_book, tier, owner_id, status in _rows(
        con,
        "select s.account_id, s.target_book, sc.tier, s.owner_id, s.status from marts.account_status as s "
        "join marts.account_scores as sc using (account_id)",
    ):
        if status in ("excluded", "customer"):
            continue
        group = expected[(target_book, tier)]
        group["nbtam_accounts"] += 1
        group["owned_accounts"] += owner_id is not None
        touched = last_touch.get(account_id)
        for days in (30, 60, 90):
            group[f"worked_{days}d"] += touched is not None and 0 <= (DAY_2 - touched).days <= days
    found = {
        (book, tier): (nbtam, owned, w30, w60, w90, c30, c90)
        for book, tier, nbtam, owned, w30, w60, w90, c30, c90 in _rows(
            con,
            "select target_book, tier, nbtam_accounts, owned_accounts, worked_30d, worked_60d, worked_90d, "
            "coverage_30d, coverage_90d from marts.coverage_daily where as_of = ?",
            [DAY_2],
        )
    }
    assert set(found) == set(expected)
    for key, counts in expected.items():
        nbtam, owned, w30, w60, w90, c30, c90 = found[key]
        assert (nbtam, owned, w30, w60, w90) == tuple(
            counts[name] for name in ("nbtam_accounts", "owned_accounts", "worked_30d", "worked_60d", "worked_90d")
        ), key
        assert c30 == pytest.approx(w30 / nbtam) and c90 == pytest.approx(w90 / nbtam)
    assert sum(counts["worked_30d"] for counts in expected.values()) > 0


def test_book_health_matches_each_reps_book(con, two_days):
    statuses = defaultdict(Counter)
    for owner_id, status in _rows(con, "select owner_id, status from marts.account_status where owner_id is not null"):
        statuses[owner_id][status] += 1
    open_opportunities = dict(
        _rows(
            con,
            """
            select status.owner_id, count(*)
            from salesforce.opportunity as opp
            join marts.account_status as status on opp.account_id = status.account_id
            where not opp.is_closed and not coalesce(opp.is_deleted, false) and cast(opp.created_date as date) <= ?
            group by 1
            """,
            [DAY_2],
        )
    )
    reasons = [row[0] for row in _rows(con, "select reason from rules.return_reasons")]
    returns = dict(
        _rows(
            con,
            """
            select returned_by_c, count(*) from salesforce.book_return_c
            where not coalesce(is_deleted, false) and list_contains(?, lower(reason_c))
                and account_c in (select account_id from marts.account_status)
                and date_diff('day', cast(created_date as date), ?::date) between 0 and 30
            group by 1
            """,
            [reasons, DAY_2],
        )
    )
    retrievals = dict(
        _rows(
            con,
            """
            select from_owner_id, count(distinct change_id) from (
                select change_id, from_owner_id from reverse_etl.sync_ledger
                where status = 'applied' and change_type = 'retrieve' and date_diff('day', as_of, ?::date) between 0 and 30
                union all
                select change_id, from_owner_id from marts.ownership_changes where change_type = 'retrieve'
            ) group by 1
            """,
            [DAY_2],
        )
    )
    rows = _rows(
        con,
        "select rep_id, target_book, capacity, book_size, working, new_in_grace, unworked, open_opportunities, "
        "returns_30d, retrievals_30d from marts.book_health",
    )
    reps = _reps(two_days["rules"])
    assert {row[0] for row in rows} == set(reps)
    capacity = dict(_rows(con, "select rep_id, capacity from marts.rep_capacity"))
    for rep_id, book, cap, size, working, new, unworked, opps, returned, retrieved in rows:
        book_statuses = statuses[rep_id]
        assert book == reps[rep_id] and cap == capacity[rep_id]
        assert size == sum(book_statuses[status] for status in PROSPECTING), rep_id
        assert (working, new, unworked) == (book_statuses["working"], book_statuses["new"], book_statuses["unworked"])
        assert opps == open_opportunities.get(rep_id, 0), rep_id
        assert returned == returns.get(rep_id, 0), rep_id
        assert retrieved == retrievals.get(rep_id, 0), rep_id
    # Day 1's applied retrievals count on day 2, so the ledger really feeds the figure.
    assert sum(row[9] for row in rows) > len(
        _rows(con, "select 1 from marts.ownership_changes where change_type = 'retrieve'")
    )


def test_capacity_gap_weighs_ready_pool_against_open_slots(con, two_days):
    reps = _reps(two_days["rules"])
    ready = Counter(book for (book,) in _rows(con, "select target_book from marts.account_status where ready"))
    slots, dealt = Counter(), Counter()
    for rep_id, capacity, before, released, dealt_from_pool in _rows(
        con,
        "select rep_id, capacity, book_size_before, retrieved + returned + completed, distributed - handed_off "
        "from marts.rep_capacity",
    ):
        slots[reps[rep_id]] += max(0, capacity - (before - released))
        # Handoffs come from outside the ready pool: the gap counts what the pool dealt.
        dealt[reps[rep_id]] += dealt_from_pool
    ledger = _rows(
        con,
        "select to_owner_id, as_of from reverse_etl.sync_ledger where status = 'applied' and change_type = 'distribute'",
    )
    first_day = min(as_of for _, as_of in ledger)
    observed_days = min(28, (DAY_2 - first_day).days + 1)
    earlier = Counter(reps[owner] for owner, as_of in ledger if 0 < (DAY_2 - as_of).days <= 27)
    rows = _rows(
        con,
        "select target_book, ready_pool, open_slots, gap, distributed, distribution_rate_per_week, weeks_of_pool_left from marts.capacity_gap",
    )
    assert {row[0] for row in rows} == set(reps.values()) | set(ready)
    for book, ready_pool, open_slots, gap, distributed, rate, weeks in rows:
        assert (ready_pool, open_slots, gap, distributed) == (
            ready[book],
            slots[book],
            ready[book] - slots[book],
            dealt[book],
        )
        assert rate == pytest.approx((dealt[book] + earlier[book]) * 7 / observed_days)
        assert weeks == (None if rate == 0 else pytest.approx((ready_pool - distributed) / rate))
    assert sum(earlier.values()) > 0


def test_returns_by_reason_counts_returns_filed_by_reps(con, two_days):
    reps = _reps(two_days["rules"])
    counted = Counter()
    for returned_by, reason, created in _rows(
        con,
        "select returned_by_c, lower(reason_c), cast(created_date as date) from salesforce.book_return_c "
        "where not coalesce(is_deleted, false) and account_c in (select account_id from marts.account_status)",
    ):
        if returned_by in reps and 0 <= (DAY_2 - created).days <= 90:
            counted[(reps[returned_by], reason)] += 1
    rows = _rows(con, "select target_book, return_reason, returns_90d, returns_30d from marts.returns_by_reason")
    reasons = {row[0] for row in _rows(con, "select reason from rules.return_reasons")}
    assert len(rows) == len(set(reps.values())) * len(reasons)
    assert {(book, reason): n90 for book, reason, n90, _ in rows if n90} == {
        key: n for key, n in counted.items() if key[1] in reasons
    }
    assert all(n30 <= n90 for *_, n90, n30 in rows) and sum(counted.values()) > 0


def test_conversion_by_source_counts_opportunities_within_the_window(con, two_days):
    rows = {
        row[0]: row[1:]
        for row in _rows(
            con,
            "select source, conversion_window_days, accounts, converted_accounts, opportunities, matured_accounts, matured_converted_accounts from marts.conversion_by_source",
        )
    }
    assert set(rows) == {"distributed", "inbound", "owned_before"}
    # The distributions applied before day 2's marts were built (day 2's own sync came after).
    entries = _rows(
        con,
        "select account_id, as_of from reverse_etl.sync_ledger "
        "where status = 'applied' and change_type = 'distribute' and crm_field = 'owner_id' and as_of < ?",
        [DAY_2],
    )
    opened = defaultdict(list)
    for account_id, created in _rows(
        con,
        "select account_id, cast(created_date as date) from salesforce.opportunity where not coalesce(is_deleted, false) and cast(created_date as date) <= ?",
        [DAY_2],
    ):
        opened[account_id].append(created)
    converted = [
        account
        for account, entered in entries
        if any(0 <= (day - entered).days <= WINDOW_DAYS for day in opened[account])
    ]
    window, accounts, converted_accounts, _, matured, matured_converted = rows["distributed"]
    assert window == WINDOW_DAYS
    assert (accounts, converted_accounts) == (len(entries), len(converted)) and accounts == len(two_days["distributed"])
    # Three opportunities fell inside the one-day window; the fourth, a day later, does not count.
    assert set(converted) == set(two_days["distributed"][:3])
    assert (matured, matured_converted) == (accounts, converted_accounts)
    assert rows["inbound"][1:3] == (0, 0)


def test_history_keeps_each_day_once(con, two_days):
    for table in CONTRACT:
        days = dict(_rows(con, f"select as_of, count(*) from marts.{table}_history group by 1"))
        assert set(days) == {AS_OF, DAY_2}, table
        assert days[DAY_2] == _rows(con, f"select count(*) from marts.{table}")[0][0]
    day_1 = _rows(con, "select * from marts.coverage_daily_history where as_of = ? order by target_book, tier", [AS_OF])
    assert day_1 == two_days["day_1_coverage"]


def test_conversion_window_setting_is_optional(tmp_path):
    from bookflow.validation import check_rules

    shutil.copytree(paths.BUNDLED_RULES_DIR, tmp_path / "rules")
    settings = tmp_path / "rules" / "settings.csv"
    settings.write_text(
        "".join(
            line
            for line in settings.read_text().splitlines(keepends=True)
            if not line.startswith("conversion_window_days")
        )
    )
    check_rules(tmp_path / "rules")
