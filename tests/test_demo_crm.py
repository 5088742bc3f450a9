"""The demo CRM generator: shape, determinism, rep books and dirty rows."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from bookflow import demo_crm, paths
from bookflow.contract import RAW_TABLES
from bookflow.crm.salesforce.ids import is_valid, record_id
from bookflow.demo_crm import MIN_ACCOUNTS, UNKNOWN_OWNER_ID, generate_demo_crm

AS_OF = date(2026, 6, 1)
POOL_ID = "005Dn00000000EXIAY"
# The demo numbers its users by role (bookflow.demo_crm): reps 1-99, static owners 501-503.
REP_IDS = [record_id("005", number) for number in range(1, 100)]
STATIC_IDS = [record_id("005", number) for number in range(501, 504)]

V, INT, D, B, T, DT = "VARCHAR", "INTEGER", "DOUBLE", "BOOLEAN", "TIMESTAMP", "DATE"
EXPECTED_TYPES = {
    ("salesforce", "user"): {"id": V, "name": V, "email": V, "is_active": B},
    ("salesforce", "account"): {
        "id": V,
        "name": V,
        "owner_id": V,
        "type": V,
        "industry": V,
        "number_of_employees": INT,
        "annual_revenue": D,
        "billing_country": V,
        "billing_state": V,
        "created_date": T,
        "is_deleted": B,
    },
    ("salesforce", "opportunity"): {
        "id": V,
        "account_id": V,
        "owner_id": V,
        "stage_name": V,
        "is_closed": B,
        "is_won": B,
        "created_date": T,
        "close_date": DT,
        "is_deleted": B,
    },
    ("salesforce", "task"): {"id": V, "account_id": V, "owner_id": V, "type": V, "activity_date": T, "is_deleted": B},
    ("salesforce", "event"): {"id": V, "account_id": V, "owner_id": V, "type": V, "activity_date": T, "is_deleted": B},
    ("salesforce", "book_return_c"): {
        "id": V,
        "account_c": V,
        "returned_by_c": V,
        "reason_c": V,
        "created_date": T,
        "is_deleted": B,
    },
    ("signals", "account_signal"): {"account_id": V, "signal_type": V, "occurred_at": T, "strength": D},
}
# Optional raw columns the demo fills, after the contract's: the BDRs' SDR field (named by the
# bundled settings.csv) and the contact each activity was with.
OPTIONAL_TYPES = {
    ("salesforce", "account"): {"sdr_owner_c": V},
    ("salesforce", "task"): {"who_id": V},
    ("salesforce", "event"): {"who_id": V},
}


def _fingerprints(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and a hash of the sorted rows of every table."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            f"{schema}.{table}": con.execute(
                f"select count(*), md5(string_agg(row_text, chr(10) order by row_text)) "
                f'from (select cast(t as varchar) as row_text from {schema}."{table}" t)'
            ).fetchone()
            for schema, table in EXPECTED_TYPES
        }


def _book_checks(con: duckdb.DuckDBPyConnection, rules: Path) -> list[tuple]:
    """Rep-held accounts (the CRM owner, or the SDR field) outside the rep's segment or theater (should be none)."""
    return con.execute(
        """
        with reps as (select * from read_csv(?, header = true, all_varchar = true)),
        segments as (select * from read_csv(?, header = true, all_varchar = true)),
        theaters as (select * from read_csv(?, header = true, all_varchar = true))
        select a.id, a.owner_id, a.number_of_employees, a.billing_country
        from salesforce.account a
        join reps r on r.rep_id = a.owner_id or r.rep_id = a.sdr_owner_c
        join segments s on s.segment = r.segment and s.role = r.role
        left join theaters t on upper(t.billing_country) = upper(a.billing_country) and t.theater = r.theater
        where t.theater is null
            or a.number_of_employees < cast(s.min_employees as integer)
            or a.number_of_employees > coalesce(cast(nullif(s.max_employees, '') as integer), 2147483647)
        """,
        [str(rules / "reps.csv"), str(rules / "segments.csv"), str(rules / "theaters.csv")],
    ).fetchall()


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crm") / "demo_crm.duckdb"
    summary = generate_demo_crm(path, accounts=5000, seed=11, as_of=AS_OF)
    assert summary.path == path
    return path


@pytest.fixture
def con(crm: Path):
    with duckdb.connect(str(crm), read_only=True) as connection:
        yield connection


def test_tables_have_exactly_the_contract_columns_and_types(con):
    for (schema, table), expected in EXPECTED_TYPES.items():
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        optional = OPTIONAL_TYPES.get((schema, table), {})
        assert dict(columns) == expected | optional, f"{schema}.{table}"
        assert tuple(name for name, _ in columns) == (*RAW_TABLES[schema][table], *optional)


def test_every_id_is_a_valid_salesforce_id(con):
    """18 characters whose case-safe suffix Salesforce would compute, and unique across objects."""
    ids = con.execute(
        """
        select id from salesforce.account union all select id from salesforce."user"
        union all select id from salesforce.opportunity union all select id from salesforce.task
        union all select id from salesforce.event union all select id from salesforce.book_return_c
        union all select owner_id from salesforce.account
        """
    ).fetchall()
    invalid = [row[0] for row in ids if row[0] is not None and not (len(row[0]) == 18 and is_valid(row[0]))]
    assert ids and not invalid, invalid[:5]
    # 15 characters identify a record: no two records may share them.
    assert con.execute(
        "select count(*) = count(distinct substr(id, 1, 15)) from "
        "(select id from salesforce.task union all select id from salesforce.event union all "
        "select distinct id from salesforce.account)"
    ).fetchone()[0]


def test_same_inputs_give_the_same_tables_and_another_seed_does_not(tmp_path: Path):
    first, second, other = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "c.duckdb"
    generate_demo_crm(first, accounts=1500, seed=5, as_of=AS_OF)
    generate_demo_crm(second, accounts=1500, seed=5, as_of=AS_OF)
    generate_demo_crm(other, accounts=1500, seed=6, as_of=AS_OF)
    assert _fingerprints(first) == _fingerprints(second)
    differing = {name for name, (_, digest) in _fingerprints(other).items() if digest != _fingerprints(first)[name][1]}
    # The user table is the roster, which no seed changes.
    assert differing == set(_fingerprints(first)) - {"salesforce.user"}


def test_sizes_follow_the_arguments(tmp_path: Path):
    for accounts, ratio in ((200, 4.0), (2000, 1.5)):
        path = tmp_path / f"crm_{accounts}.duckdb"
        summary = generate_demo_crm(path, accounts=accounts, as_of=AS_OF, activity_ratio=ratio)
        with duckdb.connect(str(path), read_only=True) as con:
            distinct, low, high = con.execute(
                "select count(distinct id), min(id), max(id) from salesforce.account"
            ).fetchone()
            activities = con.execute(
                "select (select count(*) from salesforce.task) + (select count(*) from salesforce.event)"
            ).fetchone()[0]
            # Small demos get proportionally smaller books: the pool still holds the majority.
            pool_share = con.execute(
                "select avg(case when owner_id = ? then 1 else 0 end) from salesforce.account", [POOL_ID]
            ).fetchone()[0]
        assert distinct == accounts
        # Valid 18-character Salesforce ids; base-62 digits sort as their numbers do.
        assert (low, high) == (record_id("001", 1), record_id("001", accounts))
        assert summary.counts["salesforce.account"] == accounts + 2  # two duplicated ids
        assert abs(activities - ratio * accounts) <= 0.1 * ratio * accounts
        assert summary.counts["salesforce.task"] + summary.counts["salesforce.event"] == activities
        assert pool_share > 0.5


def test_every_rep_account_is_in_the_reps_target_book(con):
    assert _book_checks(con, paths.BUNDLED_RULES_DIR) == []
    # A BDR's book is the accounts whose SDR field they hold.
    per_rep = dict(
        con.execute(
            "select holder, count(*) from (select owner_id as holder from salesforce.account "
            "union all select sdr_owner_c from salesforce.account) where holder in (select unnest(?)) group by 1",
            [REP_IDS],
        ).fetchall()
    )
    with (paths.BUNDLED_RULES_DIR / "reps.csv").open() as handle:
        reps = {row["rep_id"]: row for row in csv.DictReader(handle)}
    for rep_id, rep in reps.items():
        started = date.fromisoformat(rep["start_date"])
        if started > AS_OF or started + timedelta(days=int(rep["ramp_days"])) > AS_OF:
            continue  # not started or ramping: a smaller book
        assert 0.6 * int(rep["capacity"]) - 1 <= per_rep.get(rep_id, 0) <= 1.1 * int(rep["capacity"]) + 1, rep_id


def test_the_generator_follows_the_roster_it_is_given(tmp_path: Path):
    rules = tmp_path / "rules"
    shutil.copytree(paths.BUNDLED_RULES_DIR, rules)
    (rules / "reps.csv").write_text(
        "rep_id,rep_name,role,segment,theater,capacity,start_date,ramp_days,time_off_start,time_off_end\n"
        "005REP0000000000AA,Zed One,AE,ENT,EMEA,40,2020-01-01,0,,\n"
        "005REP0000000000BB,Zed Two,SDR,SMB,AMER,80,2020-01-01,0,,\n"
    )
    # The bundled working hours name the bundled reps: this roster keeps none (the file is optional).
    (rules / "rep_availability.csv").unlink()
    path = tmp_path / "crm.duckdb"
    generate_demo_crm(path, accounts=5000, as_of=AS_OF, rules_dir=rules)
    with duckdb.connect(str(path), read_only=True) as con:
        owners = dict(
            con.execute(
                "select owner_id, count(*) from salesforce.account where owner_id like '005REP%' group by 1"
            ).fetchall()
        )
        users = {row[0] for row in con.execute("select id from salesforce.user").fetchall()}
        assert _book_checks(con, rules) == []
        seventh = con.execute("select owner_id from salesforce.account where id = '001Dn0000000007IAA'").fetchone()[0]
    assert set(owners) == {"005REP0000000000AA", "005REP0000000000BB"}
    assert 24 <= owners["005REP0000000000AA"] <= 44 and 48 <= owners["005REP0000000000BB"] <= 88
    assert {"005REP0000000000AA", "005REP0000000000BB", POOL_ID} <= users
    assert "005Dn0000000001IAA" not in users
    assert seventh == "005REP0000000000AA"


def test_dirty_rows_only_when_asked(tmp_path: Path, con):
    def dirt(connection):
        return connection.execute(
            """
            select
                count(*) filter (where owner_id is null),
                count(*) filter (where owner_id = ?),
                (select count(*) from (select id from salesforce.account group by id having count(*) > 1)),
                count(*) filter (where (owner_id is null or owner_id = ?) and id <= '001Dn000000000KIAQ')
            from salesforce.account
            """,
            [UNKNOWN_OWNER_ID, UNKNOWN_OWNER_ID],
        ).fetchone()

    assert dirt(con) == (2, 2, 2, 0)
    assert con.execute("select count(*) from salesforce.user where id = ?", [UNKNOWN_OWNER_ID]).fetchone()[0] == 0
    duplicated_names = con.execute(
        "select count(distinct name) from salesforce.account "
        "where id in (select id from salesforce.account group by id having count(*) > 1)"
    ).fetchone()[0]
    assert duplicated_names == 4

    clean = tmp_path / "clean.duckdb"
    summary = generate_demo_crm(clean, accounts=5000, seed=11, as_of=AS_OF, dirty_rows=False)
    assert summary.counts["salesforce.account"] == 5000
    with duckdb.connect(str(clean), read_only=True) as connection:
        assert dirt(connection) == (0, 0, 0, 0)


def test_ownership_mix(con):
    shares = dict(
        con.execute(
            """
        select
            case
                when owner_id = ? then 'pool'
                when owner_id in (select unnest(?)) then 'rep'
                when owner_id in (select unnest(?)) then 'static'
                when owner_id = '005Dn00000000CvIAI' then 'former'
                else 'other'
            end,
            count(*) / sum(count(*)) over ()
        from salesforce.account
        group by 1
        """,
            [POOL_ID, REP_IDS, STATIC_IDS],
        ).fetchall()
    )
    assert shares["pool"] > 0.5
    assert 0.03 < shares["static"] < 0.08
    assert 0 < shares["former"] <= 0.01
    assert shares["rep"] > 0.2
    fixed = dict(
        con.execute(
            "select id, owner_id from salesforce.account where id in ('001Dn0000000007IAA', '001Dn000000000BIAQ')"
        ).fetchall()
    )
    assert fixed["001Dn0000000007IAA"] in REP_IDS
    assert fixed["001Dn000000000BIAQ"] == POOL_ID
    inactive = con.execute("select id from salesforce.user where not is_active").fetchall()
    assert inactive == [("005Dn00000000CvIAI",)]


def test_rep_books_are_mostly_worked(con):
    """~70% of rep-owned accounts touched meaningfully by the owner in the last 25 days."""
    worked, rep_owned = con.execute(
        """
        with meaningful as (
            select account_id, owner_id, activity_date from salesforce.task
            where type in ('Call', 'Email', 'Meeting', 'LinkedIn') and not is_deleted
            union all
            select account_id, owner_id, activity_date from salesforce.event
            where type in ('Call', 'Email', 'Meeting', 'LinkedIn') and not is_deleted
        )
        select
            count(distinct a.id) filter (where m.activity_date >= ?::date - 25),
            count(distinct a.id)
        from salesforce.account a
        left join meaningful m on m.account_id = a.id and m.owner_id = a.owner_id
        where a.owner_id in (select unnest(?))
        """,
        [AS_OF, REP_IDS],
    ).fetchone()
    assert 0.6 < worked / rep_owned < 0.8
    latest = con.execute(
        "select max(activity_date) from (select activity_date from salesforce.task "
        "union all select activity_date from salesforce.event)"
    ).fetchone()[0]
    assert latest.date() < AS_OF


def test_generation_replaces_the_file_atomically(tmp_path: Path):
    path = tmp_path / "crm.duckdb"
    path.write_bytes(b"not a database")
    generate_demo_crm(path, accounts=MIN_ACCOUNTS, as_of=AS_OF)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(distinct id) from salesforce.account").fetchone()[0] == MIN_ACCOUNTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.duckdb"]
    with pytest.raises(ValueError):
        generate_demo_crm(path, accounts=MIN_ACCOUNTS - 1, as_of=AS_OF)


def test_a_failed_generation_leaves_the_previous_crm_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "crm.duckdb"
    generate_demo_crm(path, accounts=MIN_ACCOUNTS, seed=1, as_of=AS_OF)
    before = _fingerprints(path)

    def crash(con):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_crm.generator, "build_the_rest", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        generate_demo_crm(path, accounts=MIN_ACCOUNTS, seed=2, as_of=AS_OF)
    assert _fingerprints(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.duckdb"]
