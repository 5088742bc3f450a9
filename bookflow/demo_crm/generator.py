"""Writing a demo CRM file: firmographics and owners, activities, then opportunities, returns
and signals, each a temp table of the session, and finally the contract's tables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.crm.salesforce.ids import sql_macros
from bookflow.demo_crm import queries
from bookflow.demo_crm.parameters import (
    EMAIL_DOMAIN,
    FORMER_REP,
    MAX_ACTIVITY_RATIO,
    MIN_ACCOUNTS,
    POOL_USER_NAME,
    STATIC_USERS,
    set_parameters,
    set_variable,
)
from bookflow.rules import setting_value
from bookflow.validation import check_rules

TABLES = (
    ("salesforce", "user"),
    ("salesforce", "account"),
    ("salesforce", "opportunity"),
    ("salesforce", "task"),
    ("salesforce", "event"),
    ("salesforce", "book_return_c"),
    ("signals", "account_signal"),
)


@dataclass(frozen=True)
class DemoSummary:
    """What `generate_demo_crm` wrote: the file and the row count of each `schema.table`."""

    path: Path
    counts: dict[str, int]


def generate_demo_crm(
    path: Path,
    *,
    accounts: int = 5000,
    seed: int = 42,
    as_of: date | None = None,
    rules_dir: Path | None = None,
    activity_ratio: float = 4.0,
    dirty_rows: bool = True,
) -> DemoSummary:
    """Write a demo CRM with `accounts` accounts to `path` (replacing it) and return its row counts.

    With `dirty_rows`, six accounts at the end of the id range carry the data problems the models
    must quarantine: two null owners, two owners missing from `user`, two ids that appear twice.
    """
    if accounts < MIN_ACCOUNTS:
        raise ValueError(f"accounts must be at least {MIN_ACCOUNTS}, got {accounts}")
    if not 0 <= activity_ratio <= MAX_ACTIVITY_RATIO:
        raise ValueError(f"activity_ratio must be between 0 and {MAX_ACTIVITY_RATIO}, got {activity_ratio}")
    as_of = as_of or date.today()
    rules = Path(rules_dir) if rules_dir is not None else paths.rules_dir()
    check_rules(rules)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the target and moved over it at the end, so a crash never leaves a half-written
    # CRM where the pipeline reads it.
    tmp = path.with_suffix(".tmp")
    if tmp == path:
        tmp = path.with_name(path.name + ".tmp")
    _remove(tmp)

    try:
        with duckdb.connect(str(tmp)) as con:
            con.execute("set enable_progress_bar = false")
            con.execute(sql_macros())
            set_parameters(con, rules, accounts=accounts, seed=seed, as_of=as_of, dirty_rows=dirty_rows)
            build_accounts(con)
            build_activities(con, activity_ratio=activity_ratio)
            build_the_rest(con)
            counts = write_tables(con, sdr_owner_column=setting_value(rules, "sdr_owner_column"))
            con.execute("checkpoint")
    except BaseException:
        _remove(tmp)
        raise

    # A stale WAL next to the target would be replayed into the new file on the next open.
    Path(str(path) + ".wal").unlink(missing_ok=True)
    os.replace(tmp, path)
    return DemoSummary(path=path, counts=counts)


def _remove(database: Path) -> None:
    for file in (database, Path(str(database) + ".wal")):
        file.unlink(missing_ok=True)


def build_accounts(con) -> None:
    """Firmographics for every account, then owners: rep books, static AMs, a former rep, the pool."""
    queries.run(con, "accounts_base")
    queries.run(con, "rep_owned")
    former_count = min(30, round(0.005 * con.execute("select getvariable('n')").fetchone()[0]))
    queries.run(con, "former_owned", [former_count])
    queries.run(con, "accounts")
    con.execute("drop table acc_base")


def build_activities(con, *, activity_ratio: float) -> None:
    """Tasks and events: structured ones that set each rep-owned account's working status, then
    background touches on every other account up to `activity_ratio` per account."""
    # Rep-owned accounts are worked harder than the average account: a worked one averages
    # 1.25 x activity_ratio activities (at least the one touch that proves it is worked), a stale
    # one 0.75 x. Counts are uniform on 1..2 x mean - 1.
    working_spread = 2 * max(1.0, 1.25 * activity_ratio) - 1
    stale_spread = 2 * max(1.0, 0.75 * activity_ratio) - 1
    # Activity k of account i is numbered i * stride + k; background activities are numbered
    # after all of those, so ids are unique without a global sort.
    owned_stride = int(max(working_spread, stale_spread)) + 2
    set_variable(con, "owned_stride", owned_stride)
    queries.run(con, "activities_owned", {"working_spread": working_spread, "stale_spread": stale_spread})
    owned_rows, other_accounts, n = con.execute(
        "select (select count(*) from act_owned), (select count(*) from acc where owner_kind <> 'rep'), getvariable('n')"
    ).fetchone()
    # Every other account gets 0..2x the mean it needs for activity_ratio overall; a count per
    # account, expanded in place, avoids joining tens of millions of draws back to the accounts.
    mean = max(0, round(activity_ratio * n) - owned_rows) / max(1, other_accounts)
    spread = 2 * mean + 1
    stride = int(spread) + 1
    # The BDRs' touches on the accounts they hold, numbered after all the others.
    sdr_spread = 2 * max(1.0, activity_ratio) - 1
    sdr_stride = int(sdr_spread) + 2
    sdr_base = (n + 1) * (owned_stride + stride)
    if sdr_base + (n + 1) * sdr_stride >= 10**12:
        raise ValueError(f"activity_ratio {activity_ratio} is too large for 12-digit activity ids")
    queries.run(con, "activities_background", {"spread": spread, "stride": stride})
    queries.run(con, "activities_sdr", {"spread": sdr_spread, "stride": sdr_stride, "base": sdr_base})


def build_the_rest(con) -> None:
    """Opportunities, book returns and timing signals, each keyed by account."""
    queries.run(con, "opportunities")
    queries.run(con, "book_returns")
    queries.run(con, "account_signals")


def write_tables(con, sdr_owner_column: str | None = None) -> dict[str, int]:
    """The contract's tables with their final types; return their row counts.

    The BDRs' field is named as the rules name it (`sdr_owner_column`), or left out without one.
    """
    con.execute("create schema salesforce")
    con.execute("create schema signals")
    queries.run(
        con,
        "write_users",
        [
            POOL_USER_NAME,
            [u for u, _ in STATIC_USERS],
            [name for _, name in STATIC_USERS],
            FORMER_REP[1],
            EMAIL_DOMAIN,
        ],
    )
    queries.run(con, "write_accounts")
    if sdr_owner_column:
        # A plain identifier: bookflow.rules refuses any other name before this runs.
        con.execute(f"alter table salesforce.account rename column sdr_owner_id to {sdr_owner_column}")
    else:
        con.execute("alter table salesforce.account drop column sdr_owner_id")
    queries.run(con, "write_opportunities")
    queries.run(con, "write_activities")
    con.execute("create table salesforce.task as select * from activities_out('00T', true)")
    con.execute("create table salesforce.event as select * from activities_out('00U', false)")
    queries.run(con, "write_book_returns")
    queries.run(con, "write_account_signals")
    return {
        f"{schema}.{table}": con.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
        for schema, table in TABLES
    }
