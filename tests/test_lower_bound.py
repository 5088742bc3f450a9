"""The benchmark's lower bound is only a fair yardstick if it computes the same deal as the models."""

from __future__ import annotations

from datetime import timedelta

import duckdb
from click.testing import CliRunner

from bookflow.benchmark import lower_bound_query
from bookflow.cli import main
from bookflow.demo_crm import add_demo_day
from tests.conftest import AS_OF


def test_lower_bound_query_returns_exactly_the_ranked_assignments(cycled_workspace):
    # Day 1 synced, so day 2 reads a ledger of applied retrievals, returns and distributions.
    workspace = cycled_workspace
    day_two = AS_OF + timedelta(days=1)
    add_demo_day(workspace.crm, day=day_two, share=0.05, rules_dir=workspace.rules)
    result = CliRunner().invoke(
        main, ["run", "--as-of", day_two.isoformat(), "--warehouse", str(workspace.warehouse), "--destination", "none"]
    )
    assert result.exit_code == 0, result.output

    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        con.execute("set variable as_of = ?::date", [day_two])
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
