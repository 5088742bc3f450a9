"""A seeded demo CRM: one DuckDB file shaped like the Fivetran Salesforce connector's output.

The file holds `salesforce.{user, account, opportunity, task, event, book_return_c}` and
`signals.account_signal`, lowercase snake_case, with exactly the columns of
`bookflow.contract.RAW_TABLES`. It is the embedded default CRM: the pipeline extracts from it and
writes account owners back into it.

The roster and rules are read from the rules CSVs, so reps own accounts that fit their target
book (segment by employees, theater by billing country) whatever roster they are given.

Determinism: every random-looking value is `hash(key, seed, salt)` of a row key, never
`random()`, and every date is an offset from `as_of`; the same (seed, accounts, as_of, rules)
therefore gives the same table contents, row for row. Everything is set-based SQL over
`range(n)`, so ten million accounts take minutes, not hours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.crm.salesforce.ids import record_id, sql_macros
from bookflow.validation import check_rules

# Every id is a valid 18-character Salesforce id (bookflow.crm.salesforce.ids): users 005, accounts
# 001, opportunities 006, tasks 00T, events 00U, returns a00 (the custom object's key prefix).
# Users are numbered by role: reps 1-99 (reps.csv), static owners 500+, former reps 800+, the pool
# user 901 (settings.csv), an owner id no user has 999.
STATIC_USERS = (
    (record_id("005", 501), "Victor Hale"),
    (record_id("005", 502), "Wendy Moss"),
    (record_id("005", 503), "Xavier Ruiz"),
)
FORMER_REP = (record_id("005", 801), "Yara Quinn")
UNKNOWN_OWNER_ID = record_id("005", 999)
POOL_USER_NAME = "Account Pool"
EMAIL_DOMAIN = "demo.example.com"

# Below this the fixed ids (7 and 11, named by the bundled overrides) and the dirty rows at the
# end of the range would collide.
MIN_ACCOUNTS = 30
# The demo size at which reps hold full books; smaller demos get proportionally smaller books.
FULL_BOOKS_AT = 5000
MAX_ACTIVITY_RATIO = 1000

# Countries outside every theater, to exercise accounts with no target book; dropped if the
# rules map them.
UNMAPPED_COUNTRIES = ("JP", "AU", "SG")
UNKNOWN_INDUSTRIES = ("Hospitality", "Media", "Non-Profit")
US_STATES = ("CA", "NY", "TX", "WA", "MA", "IL", "FL", "CO", "GA", "NC")
CA_PROVINCES = ("ON", "QC", "BC", "AB")
OPEN_STAGES = ("Discovery", "Qualification", "Proposal", "Negotiation")
NAME_HEADS = (
    "Acme",
    "Apex",
    "Aurora",
    "Beacon",
    "Blue",
    "Bright",
    "Cedar",
    "Cobalt",
    "Copper",
    "Delta",
    "Echo",
    "Evergreen",
    "Falcon",
    "Granite",
    "Harbor",
    "Horizon",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Maple",
    "Meridian",
    "Nimbus",
    "Northwind",
    "Oak",
    "Orbit",
    "Pioneer",
    "Quantum",
    "Redwood",
    "River",
    "Sable",
    "Silver",
    "Summit",
    "Terra",
    "Tidal",
    "Union",
    "Vertex",
    "Willow",
    "Yellowstone",
    "Zenith",
)
NAME_BODIES = (
    "Analytics",
    "Bank",
    "Logistics",
    "Health",
    "Labs",
    "Systems",
    "Foods",
    "Energy",
    "Capital",
    "Networks",
    "Robotics",
    "Software",
    "Media",
    "Motors",
    "Pharma",
    "Retail",
    "Works",
    "Partners",
    "Dynamics",
    "Solutions",
)
NAME_TAILS = ("Inc", "LLC", "Ltd", "GmbH", "SA", "Corp", "Group", "Co")

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
            _set_parameters(con, rules, accounts=accounts, seed=seed, as_of=as_of, dirty_rows=dirty_rows)
            _build_accounts(con)
            _build_activities(con, activity_ratio=activity_ratio)
            _build_the_rest(con)
            counts = _write_tables(con)
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


def _set_variable(con: duckdb.DuckDBPyConnection, name: str, value) -> None:
    con.execute(f"set variable {name} = ?", [value])


def _set_list(con: duckdb.DuckDBPyConnection, name: str, query: str, params: list | None = None) -> None:
    """Store a list, its length (`_count`) and the modulus `pick` uses (`_n`) as variables.

    Lengths are separate variables because DuckDB evaluates `len(getvariable(...))` and
    `greatest(...)` per row, which triples the run time. `_n` is at least 1 so that a pick from
    an empty list is null instead of a division by zero.
    """
    values = [row[0] for row in con.execute(query, params or []).fetchall()]
    _set_variable(con, name, values)
    _set_variable(con, name + "_count", len(values))
    _set_variable(con, name + "_n", max(1, len(values)))


def _weighted(items: list[tuple[str, int]]) -> str:
    """A VALUES list of (value, weight) rows for `_set_list` queries."""
    return ", ".join("(" + repr(value) + ", " + str(int(weight)) + ")" for value, weight in items)


def _set_parameters(con, rules: Path, *, accounts: int, seed: int, as_of: date, dirty_rows: bool) -> None:
    # One type whatever the size of the number: hash() of an INTEGER and of a BIGINT differ.
    con.execute("set variable seed = ?::bigint", [int(seed)])
    _set_variable(con, "as_of", as_of)
    _set_variable(con, "n", int(accounts))
    _set_variable(con, "dirty", bool(dirty_rows))

    # Uniform in [0, 1) and a uniform pick from a list variable, both keyed by a row and a salt:
    # a new salt per attribute keeps attributes independent of each other. A pick from an empty
    # list is null (see `_set_list`).
    con.execute("create temp macro u(k, salt) as (hash(k, getvariable('seed'), salt) % 1000000) / 1000000.0")
    con.execute(
        "create temp macro pick(lst, k, salt) as "
        "getvariable(lst)[1 + (hash(k, getvariable('seed'), salt) % getvariable(lst || '_n'))::bigint]"
    )
    # Whole days before as_of, at a working-hours time of day.
    con.execute(
        "create temp macro days_before(d, k, salt) as "
        "getvariable('as_of')::timestamp - to_days(d::integer) "
        "+ to_seconds((25200 + hash(k, getvariable('seed'), salt) % 43200)::bigint)"
    )

    def csv(name: str) -> str:
        return str(rules / name)

    con.execute(
        """
        create temp table r_reps as
        select
            trim(rep_id) as rep_id, trim(rep_name) as rep_name, trim(segment) as segment,
            trim(theater) as theater, cast(capacity as integer) as capacity,
            cast(nullif(trim(start_date), '') as date) as start_date,
            cast(nullif(trim(ramp_days), '') as integer) as ramp_days
        from read_csv(?, header = true, all_varchar = true)
        """,
        [csv("reps.csv")],
    )
    con.execute(
        """
        create temp table r_segments as
        select
            trim(segment) as segment,
            cast(min_employees as integer) as min_employees,
            cast(nullif(trim(max_employees), '') as integer) as max_employees
        from read_csv(?, header = true, all_varchar = true)
        """,
        [csv("segments.csv")],
    )
    con.execute(
        """
        create temp table r_theaters as
        select upper(trim(billing_country)) as billing_country, trim(theater) as theater
        from read_csv(?, header = true, all_varchar = true)
        """,
        [csv("theaters.csv")],
    )
    con.execute(
        """
        create temp table r_activity_types as
        select trim(activity_type) as activity_type, lower(trim(is_meaningful)) = 'true' as is_meaningful
        from read_csv(?, header = true, all_varchar = true)
        """,
        [csv("activity_types.csv")],
    )
    pool = con.execute(
        "select trim(value) from read_csv(?, header = true, all_varchar = true) where trim(setting) = 'pool_owner_id'",
        [csv("settings.csv")],
    ).fetchone()
    _set_variable(con, "pool_id", pool[0])
    _set_variable(con, "former_id", FORMER_REP[0])
    _set_variable(con, "unknown_owner_id", UNKNOWN_OWNER_ID)

    # At 5,000 accounts and more, reps fill 60-110% of today's capacity (so the rep-owned share
    # shrinks as demos grow); smaller demos scale the books down with the account count, so the
    # pool keeps its majority and the first run has accounts to deal. A rep who has not started
    # owns nothing and a ramping rep a ramp-sized share, the way the capacity model measures them.
    con.execute(
        """
        create temp table rep_quota as
        with effective as (
            select
                *,
                case
                    when start_date > getvariable('as_of') then 0
                    when coalesce(ramp_days, 0) > 0 and getvariable('as_of') - start_date < ramp_days
                        then floor(capacity * (getvariable('as_of') - start_date) / ramp_days)
                    else greatest(capacity, 0)
                end as effective_capacity
            from r_reps
        )
        select
            rep_id, segment, theater,
            cast(round(
                effective_capacity * (0.6 + 0.5 * u(rep_id, 'fill')) * least(1.0, getvariable('n') / ?)
            ) as integer) as quota
        from effective
        """,
        [FULL_BOOKS_AT],
    )

    # Account 7 is pinned by the bundled overrides, so it must sit in a rep's book: give it the
    # firmographics of the first rep (by id) who owns anything.
    anchor = con.execute(
        """
        select
            s.min_employees + floor(u(7, 'anchor_emp')
                * (coalesce(s.max_employees, s.min_employees * 5) - s.min_employees + 1))::integer,
            t.billing_country
        from rep_quota q
        join r_segments s on s.segment = q.segment
        join r_theaters t on t.theater = q.theater
        where q.quota > 0
        order by q.rep_id, t.billing_country <> 'US', t.billing_country
        limit 1
        """
    ).fetchone() or (None, None)
    _set_variable(con, "anchor_employees", anchor[0])
    _set_variable(con, "anchor_country", anchor[1])

    # ~45% of mapped accounts in the US when the rules have it, the rest spread evenly, ~3% unmapped.
    mapped = [row[0] for row in con.execute("select distinct billing_country from r_theaters order by 1").fetchall()]
    unmapped = [c for c in UNMAPPED_COUNTRIES if c not in mapped]
    others = [c for c in mapped if c != "US"]
    weights: list[tuple[str, int]] = [(c, 10) for c in unmapped]
    mapped_slots = 1000 - sum(w for _, w in weights)
    if "US" in mapped:
        us_slots = round(mapped_slots * 0.45) if others else mapped_slots
        weights.append(("US", us_slots))
        mapped_slots -= us_slots
    weights += [(c, max(1, round(mapped_slots / len(others)))) for c in others]
    _set_list(
        con,
        "countries",
        f"select v from (values {_weighted(weights)}) t(v, w), range(w) r(x) order by v, x",
    )

    fit = [
        row[0]
        for row in con.execute(
            "select distinct trim(industry) from read_csv(?, header = true, all_varchar = true) order by 1",
            [csv("fit_industries.csv")],
        ).fetchall()
    ]
    _set_list(con, "industries", "select unnest(?::varchar[])", [fit])
    _set_list(
        con, "unknown_industries", "select unnest(?::varchar[])", [[i for i in UNKNOWN_INDUSTRIES if i not in fit]]
    )
    _set_list(con, "us_states", "select unnest(?::varchar[])", [list(US_STATES)])
    _set_list(con, "ca_provinces", "select unnest(?::varchar[])", [list(CA_PROVINCES)])
    _set_list(con, "open_stages", "select unnest(?::varchar[])", [list(OPEN_STAGES)])
    _set_list(con, "name_heads", "select unnest(?::varchar[])", [list(NAME_HEADS)])
    _set_list(con, "name_bodies", "select unnest(?::varchar[])", [list(NAME_BODIES)])
    _set_list(con, "name_tails", "select unnest(?::varchar[])", [list(NAME_TAILS)])
    _set_list(con, "static_users", "select unnest(?::varchar[])", [[u for u, _ in STATIC_USERS]])
    _set_list(con, "rep_ids", "select rep_id from r_reps order by rep_id")
    # Whoever touched or returned a pool account before: any rep, or the rep who left.
    _set_list(
        con,
        "previous_owners",
        "select rep_id from r_reps union all select getvariable('former_id') order by 1",
    )

    # Meaningful types share 88% of the activities drawn from this list; the non-meaningful 12%
    # lean to automated emails (weight 5 against 1). With the sequences of stale accounts and of
    # the pool user on top, 'Email - Automated' ends near 15% of all activities.
    con.execute(
        """
        create temp table activity_weights as
        with typed as (
            select
                activity_type, is_meaningful,
                case when not is_meaningful and activity_type ilike '%automated%' then 5 else 1 end as w
            from r_activity_types
        ),
        shares as (
            select
                *,
                sum(w) over (partition by is_meaningful) as group_w,
                case
                    when not is_meaningful then 12
                    when bool_or(not is_meaningful) over () then 88
                    else 100
                end as group_share
            from typed
        )
        select activity_type, is_meaningful, w, cast(round(group_share * w / group_w) as integer) as slots
        from shares
        """
    )
    _set_list(
        con,
        "activity_types",
        "select activity_type from activity_weights, range(slots) r(x) order by activity_type, x",
    )
    _set_list(con, "meaningful_types", "select activity_type from activity_weights where is_meaningful order by 1")
    _set_list(
        con,
        "idle_types",
        "select activity_type from activity_weights, range(w) r(x) where not is_meaningful order by activity_type, x",
    )

    # Returns for bad data are rare: weight 1 against 10 for every other reason.
    _set_list(
        con,
        "return_reasons",
        """
        select trim(reason)
        from read_csv(?, header = true, all_varchar = true), range(
            case when lower(trim(goes_to_review)) = 'true' then 1 else 10 end) r(x)
        order by 1, x
        """,
        [csv("return_reasons.csv")],
    )
    signals = con.execute(
        "select trim(signal_type), lower(trim(is_hand_raise)) = 'true' "
        "from read_csv(?, header = true, all_varchar = true) order by 1",
        [csv("signal_weights.csv")],
    ).fetchall()
    _set_list(con, "signal_types", "select unnest(?::varchar[])", [[s for s, hand in signals if not hand]])
    _set_list(con, "hand_raise_types", "select unnest(?::varchar[])", [[s for s, hand in signals if hand]])


def _build_accounts(con) -> None:
    """Firmographics for every account, then owners: rep books, static AMs, a former rep, the pool."""
    con.execute(
        """
        create temp table acc_base as
        with drawn as (
            select
                i,
                -- Dirty rows live at the end of the range so the low ids stay clean.
                case
                    when not getvariable('dirty') then null
                    when i > getvariable('n') - 2 then 'duplicate_id'
                    when i > getvariable('n') - 4 then 'unknown_owner'
                    when i > getvariable('n') - 6 then 'null_owner'
                end as dirty_kind,
                u(i, 'size_band') as size_band,
                u(i, 'size') as size,
                u(i, 'revenue') as revenue_draw,
                u(i, 'industry_kind') as industry_kind,
                u(i, 'type') as type_draw,
                u(i, 'recent') as recent_draw,
                u(i, 'age') as age_draw,
                u(i, 'deleted') as deleted_draw,
                pick('countries', i, 'country') as drawn_country
            from range(1, getvariable('n') + 1) t(i)
        ),
        shaped as (
            select
                i, dirty_kind,
                -- Skewed sizes: 60% small (1-199), 28% mid (200-999), 12% large (1000+), each
                -- band log-shaped so small companies dominate inside it too.
                case
                    when i = 7 and getvariable('anchor_employees') is not null then getvariable('anchor_employees')
                    when size_band < 0.60 then least(199, floor(exp(size * ln(200))))
                    when size_band < 0.88 then 200 + floor(800 * pow(size, 1.6))
                    else floor(1000 * exp(pow(size, 1.5) * ln(200)))
                end::integer as employees,
                revenue_draw,
                case
                    when industry_kind < 0.90 then pick('industries', i, 'industry')
                    when industry_kind < 0.96 then pick('unknown_industries', i, 'industry')
                end as industry,
                case
                    when i in (7, 11) and getvariable('anchor_country') is not null then getvariable('anchor_country')
                    else drawn_country
                end as country,
                case
                    when i in (7, 11) then 'Prospect'
                    when type_draw < 0.08 then 'Customer - Direct'
                    when type_draw < 0.09 then null
                    else 'Prospect'
                end as type,
                case
                    when recent_draw < 0.03 then 1 + floor(age_draw * 14)
                    else 15 + floor(age_draw * (3 * 365 - 15))
                end::integer as age_days,
                deleted_draw < 0.01 and i > 20 and dirty_kind is null as is_deleted
            from drawn
        )
        select
            shaped.*,
            case when shaped.revenue_draw >= 0.02 then
                -- Revenue per employee between 40k and 400k keeps revenue tied to size.
                round(shaped.employees * exp(ln(40000) + u(i, 'revenue_per_head') * ln(10)), -3)
            end as annual_revenue,
            case shaped.country
                when 'US' then pick('us_states', i, 'state')
                when 'CA' then pick('ca_provinces', i, 'state')
            end as billing_state,
            pick('name_heads', i, 'name_head') || ' ' || pick('name_bodies', i, 'name_body') || ' '
                || pick('name_tails', i, 'name_tail') as name,
            coalesce(shaped.type = 'Customer - Direct', false) as is_customer,
            s.segment,
            t.theater
        from shaped
        left join r_segments s
            on shaped.employees >= s.min_employees
            and (s.max_employees is null or shaped.employees <= s.max_employees)
        left join r_theaters t
            on shaped.country = t.billing_country
        """
    )

    # Each book's candidates are ranked once (account 7 first, then the customers reps keep, then
    # hash order), and each rep in the book takes the next `quota` of them, so books never overlap
    # and a book with too few accounts caps its reps. Only the front of each queue can be dealt,
    # so the rest is cut by its hash before the sort: ranking ten million rows in a handful of
    # partitions is single-threaded and slow.
    con.execute(
        """
        create temp table rep_owned as
        with eligible as (
            select i, segment, theater, is_customer, u(i, 'rank') as rank_draw
            from acc_base
            where segment is not null and theater is not null
                and not is_deleted and dirty_kind is null and i <> 11
                and (not is_customer or u(i, 'static') >= 0.6)
        ),
        wanted as (
            select segment, theater, sum(quota) as wanted
            from rep_quota
            group by segment, theater
        ),
        queue_front as (
            select e.segment, e.theater, least(1.0, (2 * any_value(w.wanted) + 200) / count(*)) as cutoff
            from eligible e
            join wanted w on w.segment = e.segment and w.theater = e.theater
            group by e.segment, e.theater
        ),
        candidates as (
            select
                e.i, e.segment, e.theater,
                row_number() over (
                    partition by e.segment, e.theater
                    order by e.i = 7 desc, e.is_customer desc, e.rank_draw, e.i
                ) as rank_in_book
            from eligible e
            join queue_front f on f.segment = e.segment and f.theater = e.theater
            where e.i = 7 or e.is_customer or e.rank_draw < f.cutoff
        ),
        ranges as (
            select
                rep_id, segment, theater, quota,
                sum(quota) over (partition by segment, theater order by rep_id) as upto
            from rep_quota
        )
        select c.i, r.rep_id
        from candidates c
        join ranges r
            on c.segment = r.segment and c.theater = r.theater
            and c.rank_in_book > r.upto - r.quota and c.rank_in_book <= r.upto
        """
    )
    former_count = min(30, round(0.005 * con.execute("select getvariable('n')").fetchone()[0]))
    con.execute(
        """
        create temp table former_owned as
        select a.i
        from acc_base a
        anti join rep_owned r on a.i = r.i
        where not a.is_customer and not a.is_deleted and a.dirty_kind is null and a.i > 20
        order by u(a.i, 'former'), a.i
        limit ?
        """,
        [former_count],
    )
    con.execute(
        """
        create temp table acc as
        with owned as (
            select
                a.*,
                case
                    when a.dirty_kind = 'null_owner' then 'dirty'
                    when a.dirty_kind = 'unknown_owner' then 'dirty'
                    when r.rep_id is not null then 'rep'
                    when a.is_customer then 'static'
                    when f.i is not null then 'former'
                    else 'pool'
                end as owner_kind,
                case
                    when a.dirty_kind = 'null_owner' then null
                    when a.dirty_kind = 'unknown_owner' then getvariable('unknown_owner_id')
                    when r.rep_id is not null then r.rep_id
                    when a.is_customer then pick('static_users', a.i, 'static_owner')
                    when f.i is not null then getvariable('former_id')
                    else getvariable('pool_id')
                end as owner_id
            from acc_base a
            left join rep_owned r on a.i = r.i
            left join former_owned f on a.i = f.i
        ),
        worked as (
            -- How the owner works a rep-owned account: ~70% working, ~25% stale, the rest new
            -- and untouched. Stale needs an account old enough to have gone stale.
            select
                *,
                case
                    when owner_kind <> 'rep' then null
                    when age_days <= 14 then case when u(i, 'status') < 0.6 then 'new' else 'working' end
                    when u(i, 'status') < 0.70 then 'working'
                    when u(i, 'status') < 0.95 then
                        case when age_days >= 90 and u(i, 'stale_kind') < 0.5 then 'stale_old' else 'stale_auto' end
                    else 'new'
                end as status
            from owned
        )
        select
            * exclude (age_days),
            -- An untouched account is a recently created one, still inside its grace period.
            case when status = 'new' and age_days > 13 then 1 + floor(u(i, 'new_age') * 13)::integer
                 else age_days end as age_days,
            salesforce_id('001', i) as id
        from worked
        """
    )
    con.execute("drop table acc_base")


def _build_activities(con, *, activity_ratio: float) -> None:
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
    _set_variable(con, "owned_stride", owned_stride)
    con.execute(
        """
        create temp table act_owned as
        with counted as (
            select
                i, owner_id, status, age_days,
                case
                    when status = 'working' then 1 + floor(u(i, 'act_count') * $working_spread)
                    when getvariable('idle_types_count') = 0 then case when status = 'stale_old' then 1 else 0 end
                    when status in ('stale_old', 'stale_auto') then 1 + floor(u(i, 'act_count') * $stale_spread)
                    else 0
                end::integer as activity_count
            from acc
            where owner_kind = 'rep'
        ),
        expanded as (
            select *, unnest(range(activity_count)) as k from counted where activity_count > 0
        ),
        keyed as (
            select *, i * getvariable('owned_stride') + k as num from expanded
        )
        select
            num,
            i,
            case
                when status = 'working' and k > 0 and u(num, 'act_other') < 0.2
                    then pick('previous_owners', num, 'act_owner')
                else owner_id
            end as owner_id,
            case
                when k = 0 and status in ('working', 'stale_old') then pick('meaningful_types', num, 'act_type')
                when status = 'working' then pick('activity_types', num, 'act_type')
                else pick('idle_types', num, 'act_type')
            end as type,
            case
                -- The touch that proves the account is worked: inside the last 25 days.
                when k = 0 and status = 'working' then 1 + floor(u(num, 'act_day') * least(24, age_days))
                -- The last real touch of a stale account: 35-89 days ago.
                when k = 0 and status = 'stale_old' then 35 + floor(u(num, 'act_day') * 55)
                else 1 + floor(u(num, 'act_day') * least(89, age_days))
            end::integer as days_ago,
            false as is_deleted
        from keyed
        """,
        {"working_spread": working_spread, "stale_spread": stale_spread},
    )
    owned_rows, other_accounts, n = con.execute(
        "select (select count(*) from act_owned), (select count(*) from acc where owner_kind <> 'rep'), getvariable('n')"
    ).fetchone()
    # Every other account gets 0..2x the mean it needs for activity_ratio overall; a count per
    # account, expanded in place, avoids joining tens of millions of draws back to the accounts.
    mean = max(0, round(activity_ratio * n) - owned_rows) / max(1, other_accounts)
    spread = 2 * mean + 1
    stride = int(spread) + 1
    if (n + 1) * (owned_stride + stride) >= 10**12:
        raise ValueError(f"activity_ratio {activity_ratio} is too large for 12-digit activity ids")
    con.execute(
        """
        create temp table act_background as
        with counted as (
            select
                i, owner_id, owner_kind, age_days,
                floor(u(i, 'bg_count') * $spread)::integer as activity_count
            from acc
            where owner_kind <> 'rep'
        ),
        expanded as (
            select *, unnest(range(activity_count)) as k from counted where activity_count > 0
        ),
        keyed as (
            select *, (getvariable('n') + 1) * getvariable('owned_stride') + i * $stride + k as num from expanded
        ),
        attributed as (
            select
                *,
                case
                    when owner_kind = 'static' and u(num, 'bg_who') < 0.9 then owner_id
                    when owner_kind = 'former' then owner_id
                    when owner_kind in ('pool', 'dirty') and u(num, 'bg_who') >= 0.95 then getvariable('pool_id')
                    else pick('previous_owners', num, 'bg_owner')
                end as actor
            from keyed
        )
        select
            num,
            i,
            actor as owner_id,
            -- The pool user is an integration: it only sends sequences.
            case when actor = getvariable('pool_id') then pick('idle_types', num, 'bg_type')
                 else pick('activity_types', num, 'bg_type') end as type,
            case
                -- The former rep left about 40 days ago.
                when owner_kind = 'former' then least(age_days, 40 + floor(u(num, 'bg_day') * 50))
                else 1 + floor(u(num, 'bg_day') * least(89, age_days))
            end::integer as days_ago,
            u(num, 'bg_deleted') < 0.005 as is_deleted
        from attributed
        """,
        {"spread": spread, "stride": stride},
    )


def _build_the_rest(con) -> None:
    """Opportunities, book returns and timing signals, each keyed by account."""
    con.execute(
        """
        create temp table opps as
        with open_opps as (
            -- A rep converted ~6% of their book: an open opportunity keeps the account with them.
            select
                i, 1 as kind, id, owner_id, pick('open_stages', i, 'stage') as stage_name,
                false as is_closed, false as is_won,
                1 + floor(u(i, 'opp_created') * least(60, age_days))::integer as created_days_ago,
                getvariable('as_of') + (10 + floor(u(i, 'opp_close') * 80))::integer as close_date,
                false as is_deleted
            from acc
            where owner_kind = 'rep' and u(i, 'opp_open') < 0.06
        ),
        closed as (
            select
                i, kind, id, owner_id, stage_name, true as is_closed, is_won, created_days_ago,
                least(
                    getvariable('as_of') - 1,
                    getvariable('as_of') - created_days_ago + (7 + floor(u(i, 'opp_cycle') * 113))::integer
                ) as close_date,
                is_deleted
            from (
                select
                    i, 2 as kind, id, owner_id, 'Closed Won' as stage_name, true as is_won,
                    1 + floor(u(i, 'opp_created') * age_days)::integer as created_days_ago,
                    false as is_deleted
                from acc
                where is_customer and owner_kind in ('rep', 'static')
                union all
                select
                    i, 3, id, pick('previous_owners', i, 'opp_owner'), 'Closed Lost', false,
                    1 + floor(u(i, 'opp_created') * age_days)::integer,
                    u(i, 'opp_deleted') < 0.02
                from acc
                where owner_kind = 'pool' and not is_deleted and u(i, 'opp_lost') < 0.04
            )
        )
        select
            salesforce_id('006', row_number() over (order by i, kind)) as id,
            id as account_id, owner_id, stage_name, is_closed, is_won,
            days_before(created_days_ago, i * 4 + kind, 'opp_time') as created_date,
            close_date, is_deleted
        from (select * from open_opps union all select * from closed)
        """
    )
    con.execute(
        """
        create temp table book_returns as
        with returns as (
            -- Pending: the current owner handed the account back in the last 5 days.
            select
                i, 1 as kind, id, owner_id as returned_by,
                1 + floor(u(i, 'ret_day') * least(5, age_days))::integer as days_ago,
                false as is_deleted
            from acc
            where owner_kind = 'rep' and u(i, 'ret_pending') < 0.03
            union all
            -- History: a rep returned a pool account 10-400 days ago.
            select
                i, 2, id, pick('previous_owners', i, 'ret_by'),
                10 + floor(u(i, 'ret_day') * least(391, age_days - 9))::integer,
                u(i, 'ret_deleted') < 0.02
            from acc
            where owner_kind = 'pool' and not is_deleted and age_days >= 10 and u(i, 'ret_old') < 0.05
        )
        select
            salesforce_id('a00', row_number() over (order by i, kind)) as id,
            id as account_c, returned_by as returned_by_c,
            pick('return_reasons', i * 2 + kind, 'ret_reason') as reason_c,
            days_before(days_ago, i * 2 + kind, 'ret_time') as created_date,
            is_deleted
        from returns
        """
    )
    con.execute(
        """
        create temp table account_signals as
        with counted as (
            select i, id, 1 + hash(i, getvariable('seed'), 'sig_count') % 3 as signal_count
            from acc
            where u(i, 'sig') < 0.25 and getvariable('signal_types_count') > 0
        ),
        expanded as (
            select i, id, i * 4 + unnest(range(signal_count::integer)) as num from counted
        )
        select
            id as account_id,
            pick('signal_types', num, 'sig_type') as signal_type,
            days_before(1 + floor(u(num, 'sig_day') * 180), num, 'sig_time') as occurred_at,
            round(0.05 + 0.95 * u(num, 'sig_strength'), 3) as strength
        from expanded
        union all
        -- Hand raises are recent and strong; account 11 (excluded by the bundled overrides) gets
        -- one so that the exclusion visibly wins over the signal.
        select
            id,
            pick('hand_raise_types', i, 'hand_type'),
            days_before(1 + floor(u(i, 'hand_day') * 7), i, 'hand_time'),
            round(0.8 + 0.2 * u(i, 'hand_strength'), 3)
        from acc
        where getvariable('hand_raise_types_count') > 0
            and not is_deleted and (u(i, 'hand') < 0.005 or i = 11)
        """
    )


def _write_tables(con) -> dict[str, int]:
    """The contract's tables with their final types; return their row counts."""
    con.execute("create schema salesforce")
    con.execute("create schema signals")
    con.execute(
        """
        create table salesforce."user" as
        with users as (
            select getvariable('pool_id') as id, ? as name, true as is_active
            union all
            select rep_id, rep_name, true from r_reps
            union all
            select unnest(?::varchar[]), unnest(?::varchar[]), true
            union all
            select getvariable('former_id'), ?, false
        )
        select
            id::varchar as id,
            name::varchar as name,
            (lower(regexp_replace(strip_accents(name), '[^A-Za-z]+', '.', 'g')) || '@' || ?)::varchar as email,
            is_active::boolean as is_active
        from users
        order by id
        """,
        [
            POOL_USER_NAME,
            [u for u, _ in STATIC_USERS],
            [name for _, name in STATIC_USERS],
            FORMER_REP[1],
            EMAIL_DOMAIN,
        ],
    )
    con.execute(
        """
        create table salesforce.account as
        with rows as (
            select i, 0 as copy, id, name, owner_id, type, industry, employees, annual_revenue,
                   country, billing_state, age_days, is_deleted
            from acc
            union all
            -- The same id loaded twice with a different name, as a broken sync would.
            select i, 1, id, name || ' (Duplicate)', owner_id, type, industry, employees, annual_revenue,
                   country, billing_state, age_days, is_deleted
            from acc
            where dirty_kind = 'duplicate_id'
        )
        select
            id::varchar as id,
            name::varchar as name,
            owner_id::varchar as owner_id,
            type::varchar as type,
            industry::varchar as industry,
            employees::integer as number_of_employees,
            annual_revenue::double as annual_revenue,
            country::varchar as billing_country,
            billing_state::varchar as billing_state,
            days_before(age_days, i, 'created_time')::timestamp as created_date,
            is_deleted::boolean as is_deleted
        from rows
        order by i, copy
        """
    )
    con.execute(
        """
        create table salesforce.opportunity as
        select
            id::varchar as id, account_id::varchar as account_id, owner_id::varchar as owner_id,
            stage_name::varchar as stage_name, is_closed::boolean as is_closed, is_won::boolean as is_won,
            created_date::timestamp as created_date, close_date::date as close_date,
            is_deleted::boolean as is_deleted
        from opps
        order by id
        """
    )
    # Unsorted on purpose: sorting tens of millions of activities costs more than the rest of the
    # write, and the rows are the same either way.
    for table, prefix, is_task in (("task", "00T", True), ("event", "00U", False)):
        con.execute(
            f"""
            create table salesforce.{table} as
            select
                salesforce_id($prefix, num)::varchar as id,
                salesforce_id('001', i)::varchar as account_id,
                owner_id::varchar as owner_id,
                type::varchar as type,
                days_before(days_ago, num, 'act_time')::timestamp as activity_date,
                is_deleted::boolean as is_deleted
            from (select * from act_owned union all select * from act_background)
            where type is not null and (u(num, 'act_source') < 0.7) = $is_task
            """,
            {"prefix": prefix, "is_task": is_task},
        )
    con.execute(
        """
        create table salesforce.book_return_c as
        select
            id::varchar as id, account_c::varchar as account_c, returned_by_c::varchar as returned_by_c,
            reason_c::varchar as reason_c, created_date::timestamp as created_date,
            is_deleted::boolean as is_deleted
        from book_returns
        order by id
        """
    )
    con.execute(
        """
        create table signals.account_signal as
        select
            account_id::varchar as account_id, signal_type::varchar as signal_type,
            occurred_at::timestamp as occurred_at, strength::double as strength
        from account_signals
        order by account_id, occurred_at, signal_type, strength
        """
    )
    return {
        f"{schema}.{table}": con.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
        for schema, table in TABLES
    }


def add_demo_day(
    path: Path, *, day: date, share: float = 0.01, seed: int = 42, rules_dir: Path | None = None
) -> dict[str, int]:
    """Write one more day of CRM life into an existing demo CRM: a `share` of the accounts get a
    meaningful activity by their owner on `day`, and about a third of those also a timing signal.

    This is what a daily incremental run sees; the picks are hashes of (account id, day, seed), so
    the same day gives the same rows. Returns the rows added per table.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    rules = Path(rules_dir) if rules_dir is not None else paths.rules_dir()
    check_rules(rules)
    stamp = day.strftime("%Y%m%d")
    with duckdb.connect(str(path)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(sql_macros())
        con.execute(
            """
            create temp table picked as
            select
                id as account_id,
                owner_id,
                row_number() over (order by id) as k,
                hash(id, $seed, $stamp, 'sig') % 3 = 0 as with_signal
            from salesforce.account
            where not coalesce(is_deleted, false) and owner_id is not null
                and (hash(id, $seed, $stamp, 'day') % 1000000) / 1000000.0 < $share
            """,
            {"seed": seed, "stamp": stamp, "share": share},
        )
        meaningful = [
            row[0]
            for row in con.execute(
                "select trim(activity_type) from read_csv(?, header = true, all_varchar = true) "
                "where lower(trim(is_meaningful)) = 'true' order by 1",
                [str(rules / "activity_types.csv")],
            ).fetchall()
        ]
        signal_types = [
            row[0]
            for row in con.execute(
                "select trim(signal_type) from read_csv(?, header = true, all_varchar = true) "
                "where lower(trim(is_hand_raise)) <> 'true' order by 1",
                [str(rules / "signal_weights.csv")],
            ).fetchall()
        ]
        con.execute("begin transaction")
        if meaningful:
            # Ids carry the day, so days never collide: record number yyyymmdd * 10^6 + k.
            con.execute(
                """
                insert into salesforce.task
                select
                    salesforce_id('00T', cast($stamp as bigint) * 1000000 + k),
                    account_id,
                    owner_id,
                    $types[1 + (hash(account_id, $seed, $stamp, 'type') % len($types))::bigint],
                    $day::timestamp + to_seconds((25200 + hash(account_id, $seed, $stamp, 'time') % 43200)::bigint),
                    false
                from picked
                """,
                {"stamp": stamp, "types": meaningful, "seed": seed, "day": day},
            )
        if signal_types:
            con.execute(
                """
                insert into signals.account_signal
                select
                    account_id,
                    $types[1 + (hash(account_id, $seed, $stamp, 'stype') % len($types))::bigint],
                    $day::timestamp + to_seconds((hash(account_id, $seed, $stamp, 'stime') % 86400)::bigint),
                    round(0.05 + 0.95 * (hash(account_id, $seed, $stamp, 'strength') % 1000) / 1000.0, 3)
                from picked
                where with_signal
                """,
                {"stamp": stamp, "types": signal_types, "seed": seed, "day": day},
            )
        con.execute("commit")
        added = con.execute("select count(*), count(*) filter (where with_signal) from picked").fetchone()
    return {
        "salesforce.task": added[0] if meaningful else 0,
        "signals.account_signal": added[1] if signal_types else 0,
    }
