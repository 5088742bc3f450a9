"""Starting worlds for `bookflow simulate`: the seeded demo CRM, and the Jane/Joe example of docs/concepts.md.

A scenario writes a demo CRM file and a rules directory and says which behaviour settings it
needs; the simulator (bookflow.simulate) then replays days on it.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.contract import RULES_FILES

SCENARIOS = ("demo", "jane-joe")

POOL_ID, JANE_ID, JOE_ID = "005Dn00000000EXIAY", "005JANE00000000001", "005JOE000000000001"

# What makes the Jane/Joe example exact: good accounts convert at 10% and marginal ones never;
# nobody returns anything; retrieved accounts may be dealt again (the seed has no rest period);
# static territories are the CRM's. An account converts on its second day of work, after the
# first run has retrieved the unworked accounts and the second has dealt them, so opportunities
# count the settled books (converted accounts leave a book and free a slot). Day 3 is the first
# day both worlds have settled; later days add nothing.
JANE_JOE_SETTINGS = {
    "days": 3,
    "conversion_rate": {1: 0.10, 2: 0.0, 3: 0.0},
    "return_rate": {1: 0.0, 2: 0.0, 3: 0.0},
    "days_to_convert": 2,
    "work_rate": 1.0,
    "static_territories": "crm",
}


def prepare_rules(rules_source: Path | None, rules_dir: Path) -> None:
    """Copy the rules the simulation runs with, so a scenario may edit its copy."""
    if rules_dir.exists():
        shutil.rmtree(rules_dir)
    shutil.copytree(rules_source or paths.rules_dir(), rules_dir)


def write_demo(crm_path: Path, rules_dir: Path, *, accounts: int, seed: int, start: date) -> None:
    """The seeded demo CRM as it stands the evening before the first simulated day."""
    from bookflow.demo_crm import generate_demo_crm

    generate_demo_crm(crm_path, accounts=accounts, seed=seed, as_of=start - timedelta(days=1), rules_dir=rules_dir)


def write_jane_joe(crm_path: Path, rules_dir: Path, *, start: date) -> None:
    """Two reps of capacity 60. Jane owns 20 good and 80 marginal accounts, Joe 100 good ones.

    Good accounts are high-fit and in market (an intent surge the day before the start, which
    makes them tier 1); marginal ones are low-fit with no signal (tier 3, never ready). Before the
    start Jane has worked her 20 good accounts and Joe 60 of his 100.
    """
    _write_jane_joe_rules(rules_dir)
    crm_path.unlink(missing_ok=True)
    before = start - timedelta(days=7)
    with duckdb.connect(str(crm_path)) as con:
        con.execute("create schema salesforce; create schema signals")
        con.execute(
            """create table salesforce."user" as select * from (values
               (?, 'Account Pool', 'pool@example.com', true),
               (?, 'Jane', 'jane@example.com', true),
               (?, 'Joe', 'joe@example.com', true)) as users(id, name, email, is_active)""",
            [POOL_ID, JANE_ID, JOE_ID],
        )
        # 1-20 good with Jane, 21-100 marginal with Jane, 101-200 good with Joe.
        con.execute(
            """
            create table salesforce.account as
            select
                'ACC' || lpad(cast(i as varchar), 4, '0') as id,
                'Account ' || i as name,
                case when i <= 100 then $jane else $joe end as owner_id,
                'Prospect' as type,
                case when i between 21 and 100 then 'Government' else 'Software' end as industry,
                case when i between 21 and 100 then 20 else 120 end as number_of_employees,
                case when i between 21 and 100 then 500000.0 else 50000000.0 end as annual_revenue,
                'US' as billing_country, 'TX' as billing_state,
                timestamp '2025-01-01 00:00:00' as created_date, false as is_deleted
            from range(1, 201) as accounts(i)
            """,
            {"jane": JANE_ID, "joe": JOE_ID},
        )
        con.execute(
            """
            create table salesforce.task as
            select 'TSK' || i as id, 'ACC' || lpad(cast(i as varchar), 4, '0') as account_id,
                   case when i <= 20 then $jane else $joe end as owner_id, 'Call' as type,
                   cast($before as timestamp) + interval 10 hour as activity_date, false as is_deleted
            from range(1, 201) as tasks(i)
            where i <= 20 or i between 101 and 160
            """,
            {"jane": JANE_ID, "joe": JOE_ID, "before": before},
        )
        con.execute("create table salesforce.event as select * from salesforce.task where false")
        con.execute(
            """create table salesforce.opportunity (id varchar, account_id varchar, owner_id varchar,
               stage_name varchar, is_closed boolean, is_won boolean, created_date timestamp, close_date date,
               is_deleted boolean)"""
        )
        con.execute(
            """create table salesforce.book_return_c (id varchar, account_c varchar, returned_by_c varchar,
               reason_c varchar, created_date timestamp, is_deleted boolean)"""
        )
        con.execute(
            """
            create table signals.account_signal as
            select 'ACC' || lpad(cast(i as varchar), 4, '0') as account_id, 'intent_surge' as signal_type,
                   cast($day as timestamp) + interval 9 hour as occurred_at, 0.9 as strength
            from range(1, 201) as signals(i)
            where i <= 20 or i > 100
            """,
            {"day": start - timedelta(days=1)},
        )


def _write_jane_joe_rules(rules: Path) -> None:
    columns = [
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
    with (rules / "reps.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerow([JANE_ID, "Jane", "SDR", "SMB", "AMER", 60, "2020-01-01", 0, "", ""])
        writer.writerow([JOE_ID, "Joe", "SDR", "SMB", "AMER", 60, "2020-01-01", 0, "", ""])
    settings = (rules / "settings.csv").read_text().splitlines()
    settings = [
        "default_rest_days,0,The seed's example has no rest period" if line.startswith("default_rest_days,") else line
        for line in settings
    ]
    (rules / "settings.csv").write_text("\n".join(settings) + "\n")
    (rules / "account_overrides.csv").write_text("account_id,action,reason,effective_date\n")
    # The bundled availability names the bundled roster; Jane and Joe work every hour routing asks.
    (rules / "rep_availability.csv").write_text(",".join(RULES_FILES["rep_availability.csv"]) + "\n")
