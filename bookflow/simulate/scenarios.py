"""Starting worlds for `bookflow simulate`: the seeded demo CRM, and the Jane/Joe example of docs/concepts.md.

A scenario writes a demo CRM file and a rules directory and says which behaviour settings it
needs; the simulator (bookflow.simulate) then replays days on it.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.crm.salesforce.ids import record_id
from bookflow.rules.contract import RULES_FILES, SETTINGS

SCENARIOS = ("demo", "jane-joe")
# The demo numbers its users by role (bookflow/demo_crm.py); hires replacing leavers are 601 on.
HIRE_NUMBERS = 600

POOL_ID, JANE_ID, JOE_ID = "005Dn00000000EXIAY", "005JANE00000000001", "005JOE000000000001"

# What makes the Jane/Joe example exact: good accounts convert at 10% and marginal ones never;
# nobody returns anything; retrieved accounts may be dealt again (the seed has no rest period);
# static territories are the CRM's; nothing arrives and nobody leaves. A rep touches a whole
# book a day and a sequence is two touches on consecutive days, so an account completes on its
# second day of work, after the first run has retrieved the unworked accounts and the second has
# dealt them: opportunities count the settled books (converted accounts leave a book and free a
# slot). A completed account may be worked again the next day, as the seed's reps keep working
# their 60 accounts. Day 3 is the first day both worlds have settled.
JANE_JOE_SETTINGS = {
    "days": 3,
    "weekends_off": False,
    "touches_per_day_per_slot": 1.0,
    "sequence_touches": 2,
    "touch_interval_days": 1,
    "conversion_rate": {1: 0.10, 2: 0.0, 3: 0.0},
    "return_share": 0.0,
    "cooldown_days": 0,
    "signals_per_1000_accounts_per_day": 0,
    "hand_raises_per_1000_accounts_per_day": 0,
    "new_accounts_per_1000_per_day": 0,
    "leavers_per_year": 0,
    "static_territories": "crm",
}


def prepare_rules(rules_source: Path | None, rules_dir: Path) -> None:
    """Copy the rules the simulation runs with, so a scenario may edit its copy."""
    if rules_dir.exists():
        shutil.rmtree(rules_dir)
    shutil.copytree(rules_source or paths.rules_dir(), rules_dir)


def set_rules_settings(rules_dir: Path, settings: dict) -> None:
    """Set values in the copy's settings.csv. An optional setting the file leaves out (e.g.
    distribution_per_rep, which fixed_per_rep needs) is added; a setting the input contract does
    not know is refused."""
    path = rules_dir / "settings.csv"
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames or [], list(reader)
    known = {row["setting"].strip() for row in rows}
    unknown = sorted(set(settings) - known - set(SETTINGS))
    if unknown:
        raise ValueError(
            f"rules_settings: {path} has no setting {', '.join(unknown)} and bookflow knows none of that name; "
            f"it has {', '.join(sorted(known))}"
        )
    rows += [{"setting": name, "value": ""} for name in settings if name not in known]
    for row in rows:
        name = row["setting"].strip()
        if name in settings:
            value = settings[name]
            row["value"] = str(value).lower() if isinstance(value, bool) else str(value)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def write_demo(crm_path: Path, rules_dir: Path, *, accounts: int, seed: int, start: date) -> None:
    """The seeded demo CRM as it stands the evening before the first simulated day."""
    from bookflow.demo_crm import generate_demo_crm

    generate_demo_crm(crm_path, accounts=accounts, seed=seed, as_of=start - timedelta(days=1), rules_dir=rules_dir)


def write_future_accounts(path: Path, rules_dir: Path, *, accounts: int, arriving: int, seed: int, start: date) -> None:
    """A demo CRM of the same seed with `arriving` more accounts: the simulation's new accounts
    are the ones it has beyond the demo's, so they look like the demo's own."""
    from bookflow.demo_crm import generate_demo_crm

    generate_demo_crm(
        path,
        accounts=accounts + arriving,
        seed=seed,
        as_of=start - timedelta(days=1),
        rules_dir=rules_dir,
        activity_ratio=0,
        dirty_rows=False,
    )


@dataclass(frozen=True)
class Succession:
    """A rep who leaves on `leaves_on` and the hire of the same target book who starts on `starts_on`."""

    leaver_id: str
    leaves_on: date
    hire_id: str
    starts_on: date


def plan_roster(
    rules_dir: Path, crm_path: Path, *, start: date, days: int, leavers_per_year: float, backfill_days: int, seed: int
) -> list[Succession]:
    """Pick the leavers (seeded) and write their hires into the rules copy's roster and the CRM's users.

    round(reps x leavers_per_year x days / 365) reps who have started by the first day leave on
    seeded days after it; each hire copies the leaver's roster row (book, capacity, ramp) with
    its own id, name and start date, so the pipeline ramps them as it ramps any new rep.
    """
    roster = rules_dir / "reps.csv"
    with roster.open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns, reps = reader.fieldnames or [], list(reader)
    count = round(len(reps) * leavers_per_year * days / 365)
    if count == 0 or days < 2:
        return []
    started = [
        rep
        for rep in reps
        if (date.fromisoformat(rep["start_date"].strip()) if rep["start_date"].strip() else start) <= start
    ]
    started.sort(key=lambda rep: _draw(seed, rep["rep_id"], "leaver"))
    plan, hires = [], []
    for number, rep in enumerate(started[:count], start=1):
        leaves_on = start + timedelta(days=1 + int(_draw(seed, rep["rep_id"], "leaves_on") * (days - 1)))
        # Valid user ids like the demo's, numbered apart from its reps, static owners and pool user.
        hire_id = record_id("005", HIRE_NUMBERS + number)
        starts_on = leaves_on + timedelta(days=backfill_days)
        hires.append(
            {
                **rep,
                "rep_id": hire_id,
                "rep_name": f"Hire {number} (after {rep['rep_name'].strip()})",
                "start_date": starts_on.isoformat(),
                "time_off_start": "",
                "time_off_end": "",
            }
        )
        plan.append(Succession(rep["rep_id"].strip(), leaves_on, hire_id, starts_on))
    with roster.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerows(hires)
    with duckdb.connect(str(crm_path)) as con:
        con.executemany(
            'insert into salesforce."user" (id, name, email, is_active) values (?, ?, ?, true)',
            [(hire["rep_id"], hire["rep_name"], f"{hire['rep_id'].lower()}@example.com") for hire in hires],
        )
    return plan


def _draw(seed: int, key: str, salt: str) -> float:
    """Uniform in [0, 1), fixed by seed, key and salt."""
    digest = hashlib.sha256(f"{seed}:{key}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


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
    # The seed's example has no rest period.
    set_rules_settings(rules, {"default_rest_days": 0})
    (rules / "account_overrides.csv").write_text("account_id,action,reason,effective_date\n")
    # The bundled availability names the bundled roster; with no rep listed, Jane and Joe take
    # hand raises at any hour routing asks.
    (rules / "rep_availability.csv").write_text(",".join(RULES_FILES["rep_availability.csv"]) + "\n")
