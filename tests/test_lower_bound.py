"""The benchmark's lower bound is only a fair yardstick if it computes the same deal as the models."""

from __future__ import annotations

import duckdb

from bookflow.benchmark import lower_bound_query
from tests.conftest import DAY_2


def test_lower_bound_query_returns_exactly_the_ranked_assignments(two_days):
    # Day 1 synced, so day 2 read a ledger of applied retrievals, returns and distributions.
    with duckdb.connect(str(two_days["warehouse"]), read_only=True) as con:
        con.execute("set variable as_of = ?::date", [DAY_2])
        con.execute(f"create temp table lower_bound as {lower_bound_query()}")
        dealt = con.execute("select count(*) from marts.ranked_assignments").fetchone()[0]
        assert dealt > 0
        assert con.execute("select count(*) from lower_bound").fetchone()[0] == dealt
        differences = con.execute(
            """
            select count(*) from (
                (select * from marts.ranked_assignments except all select * from lower_bound)
                union all
                (select * from lower_bound except all select * from marts.ranked_assignments)
            )
            """
        ).fetchone()[0]
    assert differences == 0
