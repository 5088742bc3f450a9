"""What the demo is drawn from: the rules CSVs, the size and seed, and fixed vocabularies, all
stored in the DuckDB session (temp tables, variables and macros) for the SQL that follows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from bookflow.crm.salesforce.ids import record_id
from bookflow.demo_crm import queries

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


def set_variable(con: duckdb.DuckDBPyConnection, name: str, value) -> None:
    con.execute(f"set variable {name} = ?", [value])


def set_list(con: duckdb.DuckDBPyConnection, name: str, query: str, params: list | None = None) -> None:
    """Store a list, its length (`_count`) and the modulus `pick` uses (`_n`) as variables.

    Lengths are separate variables because DuckDB evaluates `len(getvariable(...))` and
    `greatest(...)` per row, which triples the run time. `_n` is at least 1 so that a pick from
    an empty list is null instead of a division by zero.
    """
    values = [row[0] for row in con.execute(query, params or []).fetchall()]
    set_variable(con, name, values)
    set_variable(con, name + "_count", len(values))
    set_variable(con, name + "_n", max(1, len(values)))


def _set_vocabulary(con: duckdb.DuckDBPyConnection, name: str, values) -> None:
    set_list(con, name, "select unnest(?::varchar[])", [list(values)])


def set_parameters(con, rules: Path, *, accounts: int, seed: int, as_of: date, dirty_rows: bool) -> None:
    """Size, seed, rules and vocabularies as session state; the draw macros `u`, `pick`, `days_before`."""
    # One type whatever the size of the number: hash() of an INTEGER and of a BIGINT differ.
    con.execute("set variable seed = ?::bigint", [int(seed)])
    set_variable(con, "as_of", as_of)
    set_variable(con, "n", int(accounts))
    set_variable(con, "dirty", bool(dirty_rows))
    queries.run(con, "macros")

    def csv(name: str) -> list[str]:
        return [str(rules / name)]

    if (rules / "roles.csv").exists():
        queries.run(con, "rules_roles", csv("roles.csv"))
    else:
        con.execute("create temp table r_roles (role varchar, owner_field varchar)")
    # Rosters written before end_date existed have no such column: it is added empty.
    con.execute(
        "create temp table r_reps_raw as select * from read_csv(?, header = true, all_varchar = true)", csv("reps.csv")
    )
    con.execute("alter table r_reps_raw add column if not exists end_date varchar")
    queries.run(con, "rules_reps")
    for table, file in (
        ("rules_segments", "segments.csv"),
        ("rules_theaters", "theaters.csv"),
        ("rules_activity_types", "activity_types.csv"),
    ):
        queries.run(con, table, csv(file))
    pool = con.execute(
        "select trim(value) from read_csv(?, header = true, all_varchar = true) where trim(setting) = 'pool_owner_id'",
        csv("settings.csv"),
    ).fetchone()
    set_variable(con, "pool_id", pool[0])
    settings = dict(
        con.execute(
            "select trim(setting), trim(value) from read_csv(?, header = true, all_varchar = true)", csv("settings.csv")
        ).fetchall()
    )
    handoff_types = [part.strip() for part in (settings.get("handoff_activity_types") or "").split(",") if part.strip()]
    set_variable(con, "former_id", FORMER_REP[0])
    set_variable(con, "unknown_owner_id", UNKNOWN_OWNER_ID)

    queries.run(con, "rep_quota", [FULL_BOOKS_AT])
    anchor = queries.run(con, "anchor_account").fetchone() or (None, None)
    set_variable(con, "anchor_employees", anchor[0])
    set_variable(con, "anchor_country", anchor[1])

    countries, weights = _country_weights(con)
    set_list(con, "countries", queries.text("weighted_countries"), [countries, weights])

    fit = [
        row[0]
        for row in con.execute(
            "select distinct trim(industry) from read_csv(?, header = true, all_varchar = true) order by 1",
            csv("fit_industries.csv"),
        ).fetchall()
    ]
    _set_vocabulary(con, "industries", fit)
    _set_vocabulary(con, "unknown_industries", [i for i in UNKNOWN_INDUSTRIES if i not in fit])
    _set_vocabulary(con, "us_states", US_STATES)
    _set_vocabulary(con, "ca_provinces", CA_PROVINCES)
    _set_vocabulary(con, "open_stages", OPEN_STAGES)
    _set_vocabulary(con, "name_heads", NAME_HEADS)
    _set_vocabulary(con, "name_bodies", NAME_BODIES)
    _set_vocabulary(con, "name_tails", NAME_TAILS)
    _set_vocabulary(con, "static_users", [u for u, _ in STATIC_USERS])
    set_list(con, "rep_ids", "select rep_id from r_reps order by rep_id")
    # Whoever touched or returned a pool account before: any rep who owns accounts in the CRM
    # owner field, or the rep who left.
    set_list(
        con,
        "previous_owners",
        "select rep_id from r_reps where owner_field = 'owner' union all select getvariable('former_id') order by 1",
    )

    queries.run(con, "activity_weights")
    set_list(
        con, "activity_types", "select activity_type from activity_weights, range(slots) r(x) order by activity_type, x"
    )
    set_list(con, "meaningful_types", "select activity_type from activity_weights where is_meaningful order by 1")
    # A BDR's meeting hands the account to an AE: their everyday touches are of the other types.
    _set_vocabulary(con, "handoff_types", handoff_types)
    set_list(
        con,
        "prospecting_types",
        "select activity_type from activity_weights where is_meaningful and not list_contains(?, activity_type) order by 1",
        [handoff_types],
    )
    set_list(
        con,
        "idle_types",
        "select activity_type from activity_weights, range(w) r(x) where not is_meaningful order by activity_type, x",
    )
    set_list(con, "return_reasons", queries.text("return_reason_draws"), csv("return_reasons.csv"))
    signals = con.execute(
        "select trim(signal_type), lower(trim(is_hand_raise)) = 'true' "
        "from read_csv(?, header = true, all_varchar = true) order by 1",
        csv("signal_weights.csv"),
    ).fetchall()
    _set_vocabulary(con, "signal_types", [s for s, hand in signals if not hand])
    _set_vocabulary(con, "hand_raise_types", [s for s, hand in signals if hand])


def _country_weights(con) -> tuple[list[str], list[int]]:
    """~45% of mapped accounts in the US when the rules have it, the rest spread evenly, ~3% unmapped."""
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
    return [c for c, _ in weights], [int(w) for _, w in weights]
