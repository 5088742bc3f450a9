"""the Jane/Joe example of docs/concepts.md through the real pipeline (CLI -> Dagster -> dbt -> sync).

Two reps with capacity 60. Static start: Jane holds 20 good accounts (worked) and 80 marginal
ones (untouched); Joe holds 100 good ones and works 60. Dynamic books retrieve what is not
worked and deal the good accounts to open capacity: each rep ends with 60 good accounts and the
marginal ones stay in the pool.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from bookflow.simulate.scenarios import JANE_ID as JANE
from bookflow.simulate.scenarios import JOE_ID as JOE
from bookflow.simulate.scenarios import POOL_ID as POOL
from bookflow.simulate.scenarios import write_jane_joe
from tests.conftest import run_day

AS_OF = date(2026, 6, 1)


@pytest.mark.cycle(seconds=55)
def test_dynamic_books_give_each_rep_sixty_good_accounts(empty_workspace):
    workspace = empty_workspace
    # The world `bookflow simulate --scenario jane-joe` starts from (tests/test_simulate.py).
    write_jane_joe(workspace.crm, workspace.rules, start=AS_OF)

    # Moving from static territories retrieves 80 of Jane's 100 accounts at once: exactly what the
    # blast-radius guard is there to stop unless a person confirms it.
    run_day(workspace, AS_OF, "--force")
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        retrieved = dict(
            con.execute(
                "select from_owner_id, count(*) from marts.ownership_changes where change_type = 'retrieve' group by 1"
            ).fetchall()
        )
        reasons = con.execute(
            "select distinct reason from marts.ownership_changes where change_type = 'retrieve'"
        ).fetchall()
    assert retrieved == {JANE: 80, JOE: 40}
    assert reasons == [("no meaningful activity by the owner in 30 days",)]

    run_day(workspace, AS_OF + timedelta(days=1))
    steady = run_day(workspace, AS_OF + timedelta(days=2))  # steady state: nothing left to move
    # Both slots have been built once: the third run parses only what changed (each warehouse and
    # slot keeps its own parse state; orchestration/dbt_project.py).
    dbt_log = Path(re.search(r"log: (\S+)", steady)[1]).read_text()
    assert "Running with dbt" in dbt_log and "Unable to do partial parsing" not in dbt_log

    with duckdb.connect(str(workspace.crm), read_only=True) as con:
        books = dict(
            con.execute(
                """select owner_id, count(*) filter (where industry = 'Software') || '/' || count(*)
               from salesforce.account group by owner_id"""
            ).fetchall()
        )
    assert books == {JANE: "60/60", JOE: "60/60", POOL: "0/80"}
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.ownership_changes").fetchone()[0] == 0
        marginal = con.execute(
            "select status, ready, count(*) from marts.account_status where owner_id is null group by 1, 2"
        ).fetchall()
    assert marginal == [("pool", False, 80)]
