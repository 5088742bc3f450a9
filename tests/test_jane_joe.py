"""DOMAIN.md's worked example through the real pipeline (CLI -> Dagster -> dbt -> sync).

Two reps with capacity 60. Static start: Jane holds 20 good accounts (worked) and 80 marginal
ones (untouched); Joe holds 100 good ones and works 60. Dynamic books retrieve what is not
worked and deal the good accounts to open capacity: each rep ends with 60 good accounts and the
marginal ones stay in the pool.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import duckdb
from click.testing import CliRunner

from bookflow.cli import main

AS_OF = date(2026, 6, 1)
POOL, JANE, JOE = "005POOL00000000001", "005JANE00000000001", "005JOE000000000001"


def _write_crm(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema salesforce; create schema signals")
    con.execute(
        """create table salesforce."user" as select * from (values
           (?, 'Account Pool', 'pool@example.com', true),
           (?, 'Jane', 'jane@example.com', true),
           (?, 'Joe', 'joe@example.com', true)) as users(id, name, email, is_active)""",
        [POOL, JANE, JOE],
    )
    # 1-20 good with Jane, 21-100 marginal with Jane, 101-200 good with Joe.
    con.execute(
        """
        create table salesforce.account as
        select
            'ACC' || lpad(cast(i as varchar), 4, '0') as id,
            'Account ' || i as name,
            case when i <= 100 then ? else ? end as owner_id,
            'Prospect' as type,
            case when i between 21 and 100 then 'Government' else 'Software' end as industry,
            case when i between 21 and 100 then 20 else 120 end as number_of_employees,
            case when i between 21 and 100 then 500000.0 else 50000000.0 end as annual_revenue,
            'US' as billing_country, 'TX' as billing_state,
            timestamp '2025-01-01 00:00:00' as created_date, false as is_deleted
        from range(1, 201) as accounts(i)
        """,
        [JANE, JOE],
    )
    # Jane works her 20 good accounts; Joe works 60 of his 100.
    con.execute(
        """
        create table salesforce.task as
        select 'TSK' || i as id, 'ACC' || lpad(cast(i as varchar), 4, '0') as account_id,
               case when i <= 20 then ? else ? end as owner_id, 'Call' as type,
               timestamp '2026-05-25 10:00:00' as activity_date, false as is_deleted
        from range(1, 201) as tasks(i)
        where i <= 20 or i between 101 and 160
        """,
        [JANE, JOE],
    )
    con.execute("create table salesforce.event as select * from salesforce.task where false")
    con.execute(
        """create table salesforce.opportunity (id varchar, account_id varchar, owner_id varchar, stage_name varchar,
           is_closed boolean, is_won boolean, created_date timestamp, close_date date, is_deleted boolean)"""
    )
    con.execute(
        """create table salesforce.book_return_c (id varchar, account_c varchar, returned_by_c varchar,
           reason_c varchar, created_date timestamp, is_deleted boolean)"""
    )
    con.execute(
        "create table signals.account_signal (account_id varchar, signal_type varchar, occurred_at timestamp, strength double)"
    )
    con.close()


def _write_rules(rules: Path) -> None:
    with (rules / "reps.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "rep_id",
                "rep_name",
                "role",
                "segment",
                "theater",
                "capacity",
                "start_date",
                "ramp_days",
                "time_off_start",
                "time_off_end",
            ]
        )
        writer.writerow([JANE, "Jane", "SDR", "SMB", "AMER", 60, "2020-01-01", 0, "", ""])
        writer.writerow([JOE, "Joe", "SDR", "SMB", "AMER", 60, "2020-01-01", 0, "", ""])
    settings = (rules / "settings.csv").read_text().splitlines()
    # Retrieved accounts may be dealt again the next day: the example has no rest period.
    settings = [
        line if not line.startswith("default_rest_days,") else "default_rest_days,0,No rest" for line in settings
    ]
    (rules / "settings.csv").write_text("\n".join(settings) + "\n")
    (rules / "account_overrides.csv").write_text("account_id,action,reason,effective_date\n")


def _run(workspace, day: date, *extra: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--as-of",
            day.isoformat(),
            "--warehouse",
            str(workspace.warehouse),
            "--crm",
            str(workspace.crm),
            "--rules",
            str(workspace.rules),
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output


def test_dynamic_books_give_each_rep_sixty_good_accounts(empty_workspace):
    workspace = empty_workspace
    _write_crm(workspace.crm)
    _write_rules(workspace.rules)

    # Moving from static territories retrieves 80 of Jane's 100 accounts at once: exactly what the
    # blast-radius guard is there to stop unless a person confirms it.
    _run(workspace, AS_OF, "--force")
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

    _run(workspace, AS_OF + timedelta(days=1))
    _run(workspace, AS_OF + timedelta(days=2))  # steady state: nothing left to move

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
