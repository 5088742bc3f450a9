"""The reverse-ETL sync against tiny hand-made warehouse and demo CRM files.

Accounts and owners are named for what they are in each test; owner ids look like Salesforce's.
"""

import gc
import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from reverse_etl import (
    BlastRadiusExceeded,
    CsvExportDestination,
    DemoCrmDestination,
    OwnerUpdate,
    RecordResult,
    SyncStatus,
    sync,
)
from reverse_etl.ledger import LedgerEntry, ensure_ledger, record_entries
from reverse_etl.runner import YOUNG_THRESHOLD

AS_OF = date(2026, 6, 1)
POOL, JANE, JOE, GONE = "005Dn00000000EXIAY", "005JANE00000000001", "005JOE000000000001", "005GONE00000000001"
# bookflow's rep ids are the CRM user ids; None is the pool.
CRM_ID = {None: POOL, JANE: JANE, JOE: JOE, GONE: GONE}
USERS = [(POOL, "Account Pool", True), (JANE, "Jane", True), (JOE, "Joe", True), (GONE, "Gone", False)]


def _create_salesforce(con: duckdb.DuckDBPyConnection, owners: dict[str, str]) -> None:
    con.execute("create schema if not exists salesforce")
    con.execute('create table salesforce."user" (id varchar, name varchar, email varchar, is_active boolean)')
    con.executemany(
        'insert into salesforce."user" values (?, ?, ?, ?)',
        [(user_id, name, f"{name.lower()}@example.com", active) for user_id, name, active in USERS],
    )
    con.execute("create table salesforce.account (id varchar, name varchar, owner_id varchar, is_deleted boolean)")
    con.executemany(
        "insert into salesforce.account values (?, ?, ?, false)",
        [(account_id, f"Account {account_id}", owner) for account_id, owner in owners.items()],
    )


def make_crm(path: Path, owners: dict[str, str]) -> Path:
    """A demo CRM file whose accounts have the given owners."""
    with duckdb.connect(str(path)) as con:
        _create_salesforce(con, owners)
    return path


Change = tuple[str, str, str | None, str | None]  # account, change_type, from owner, to owner


def make_warehouse(path: Path, changes: Sequence[Change], owners: dict[str, str]) -> Path:
    """A warehouse with `marts.ownership_changes` from (account, change_type, from, to) and a raw CRM copy."""
    with duckdb.connect(str(path)) as con:
        _create_salesforce(con, owners)
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.ownership_changes (
                change_id varchar, as_of date, account_id varchar, from_owner_id varchar,
                to_owner_id varchar, change_type varchar, reason varchar,
                from_crm_owner_id varchar, to_crm_owner_id varchar
            )
            """
        )
        con.executemany(
            "insert into marts.ownership_changes values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f"chg-{account}-{kind}",
                    AS_OF,
                    account,
                    from_owner,
                    to_owner,
                    kind,
                    f"test {kind}",
                    CRM_ID[from_owner],
                    CRM_ID[to_owner],
                )
                for account, kind, from_owner, to_owner in changes
            ],
        )
    return path


def crm_owners(path: Path) -> dict[str, str]:
    with duckdb.connect(str(path)) as con:
        return dict(con.execute("select id, owner_id from salesforce.account order by id").fetchall())


def ledger(path: Path) -> dict[str, tuple]:
    """change_id -> (status, attempts, error) for every ledger row."""
    with duckdb.connect(str(path)) as con:
        rows = con.execute("select change_id, status, attempts, error from reverse_etl.sync_ledger").fetchall()
    return {change_id: (status, attempts, error) for change_id, status, attempts, error in rows}


def full_ledger(path: Path) -> list[tuple]:
    with duckdb.connect(str(path)) as con:
        return con.execute("select * from reverse_etl.sync_ledger order by change_id").fetchall()


class CountingDestination:
    """Wraps a destination and keeps every update it was asked to write."""

    def __init__(self, inner: DemoCrmDestination) -> None:
        self.inner = inner
        self.name = inner.name
        self.written: list[OwnerUpdate] = []

    def read_owners(self, account_ids: Sequence[str]) -> dict[str, str | None]:
        return self.inner.read_owners(account_ids)

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        self.written.extend(updates)
        return self.inner.write_owners(updates)


class CollectorWatchingDestination(CountingDestination):
    """Notes, at each write, how many objects the collector has set aside and its thresholds."""

    def __init__(self, inner: DemoCrmDestination) -> None:
        super().__init__(inner)
        self.frozen: list[int] = []
        self.thresholds: list[tuple[int, ...]] = []

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        self.frozen.append(gc.get_freeze_count())
        self.thresholds.append(gc.get_threshold())
        return super().write_owners(updates)


class CrashingDestination(CountingDestination):
    """Writes its second batch, then dies before the engine can record it."""

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        results = super().write_owners(updates)
        if len(self.written) > len(updates):
            raise RuntimeError("power cut")
        return results


# Jane holds a1 (unworked) and a2 (returned); a3 and a4 sit in the pool.
OWNERS = {"a1": JANE, "a2": JANE, "a3": POOL, "a4": POOL}
CHANGES = [
    ("a3", "distribute", None, JOE),
    ("a1", "retrieve", JANE, None),
    ("a4", "inbound", None, JANE),
    ("a2", "return", JANE, None),
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return make_warehouse(tmp_path / "warehouse.duckdb", CHANGES, OWNERS), make_crm(tmp_path / "crm.duckdb", OWNERS)


def test_sync_applies_changes_and_records_them_in_the_ledger(files):
    warehouse, crm = files
    destination, before = CollectorWatchingDestination(DemoCrmDestination(crm)), gc.get_threshold()
    assert gc.get_freeze_count() == 0
    report = sync(warehouse, destination)

    assert crm_owners(crm) == {"a1": POOL, "a2": POOL, "a3": JOE, "a4": JANE}
    assert report.planned == 4
    assert report.counts == {"applied": 4, "failed": 0, "conflict": 0, "skipped": 0}
    assert {status for status, _, _ in ledger(warehouse).values()} == {"applied"}
    with duckdb.connect(str(warehouse)) as con:
        row = con.execute(
            """select destination, attempts, applied_at is not null, as_of, account_id, change_type,
                      from_owner_id, to_owner_id
               from reverse_etl.sync_ledger where change_id = 'chg-a1-retrieve'"""
        ).fetchone()
    # The ledger keeps bookflow's ids (None = pool): dbt reads it as ownership history.
    assert row == ("demo_crm", 1, True, AS_OF, "a1", "retrieve", JANE, None)
    assert re.search(r"applied +4\n", report.format_summary())
    assert report.exit_code == 0
    # While it ran, the collector left the plan alone and collected the young less often; not after.
    assert destination.frozen and min(destination.frozen) > 0
    assert {thresholds[0] for thresholds in destination.thresholds} == {max(before[0], YOUNG_THRESHOLD)}
    assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)


def test_releases_are_planned_before_assignments(files):
    warehouse, crm = files
    report = sync(warehouse, DemoCrmDestination(crm), dry_run=True)
    assert [change.change_type for change in report.changes] == ["retrieve", "return", "distribute", "inbound"]


def test_second_sync_writes_nothing_and_leaves_the_ledger_alone(files):
    warehouse, crm = files
    sync(warehouse, DemoCrmDestination(crm))
    before = full_ledger(warehouse)

    destination = CountingDestination(DemoCrmDestination(crm))
    report = sync(warehouse, destination)

    assert report.planned == 0
    assert destination.written == []
    assert full_ledger(warehouse) == before
    assert "nothing to sync" in report.format_summary()


def test_an_owner_changed_by_hand_is_a_conflict_and_is_not_overwritten(files):
    warehouse, crm = files
    with duckdb.connect(str(crm)) as con:
        con.execute("update salesforce.account set owner_id = ? where id = 'a1'", [JOE])

    report = sync(warehouse, DemoCrmDestination(crm))

    assert crm_owners(crm)["a1"] == JOE
    status, attempts, error = ledger(warehouse)["chg-a1-retrieve"]
    assert (status, attempts) == ("conflict", 0)
    assert JOE in error
    assert report.counts["conflict"] == 1 and report.counts["applied"] == 3
    # A conflict is looked at again on the next sync, and still not forced.
    assert sync(warehouse, DemoCrmDestination(crm)).counts["conflict"] == 1
    assert crm_owners(crm)["a1"] == JOE


def test_changes_written_before_a_crash_are_recognised_not_written_again(files):
    warehouse, crm = files
    crashing = CrashingDestination(DemoCrmDestination(crm))
    with pytest.raises(RuntimeError, match="power cut"):
        sync(warehouse, crashing, batch_size=2)
    # The second batch reached the CRM but not the ledger.
    assert len(ledger(warehouse)) == 2
    assert crm_owners(crm) == {"a1": POOL, "a2": POOL, "a3": JOE, "a4": JANE}

    destination = CountingDestination(DemoCrmDestination(crm))
    report = sync(warehouse, destination, batch_size=2)

    assert destination.written == []
    assert report.counts["applied"] == 2
    assert {status for status, _, _ in ledger(warehouse).values()} == {"applied"}
    written = [update.account_id for update in crashing.written]
    assert sorted(written) == ["a1", "a2", "a3", "a4"]  # each account written exactly once


def test_an_inactive_owner_fails_with_the_crm_message_and_the_rest_of_the_batch_applies(tmp_path):
    owners = {"a1": JANE, "a2": POOL}
    changes = [("a1", "retrieve", JANE, None), ("a2", "distribute", None, GONE)]
    warehouse = make_warehouse(tmp_path / "w.duckdb", changes, owners)
    crm = make_crm(tmp_path / "crm.duckdb", owners)

    report = sync(warehouse, DemoCrmDestination(crm))

    assert crm_owners(crm) == {"a1": POOL, "a2": POOL}
    status, attempts, error = ledger(warehouse)["chg-a2-distribute"]
    assert (status, attempts) == ("failed", 1)
    assert error.startswith("INACTIVE_OWNER:") and GONE in error
    assert ledger(warehouse)["chg-a1-retrieve"][0] == "applied"
    assert "INACTIVE_OWNER" in report.format_summary()

    # Retried on later syncs until max_attempts, then left failed and no longer planned.
    sync(warehouse, DemoCrmDestination(crm), max_attempts=2)
    assert ledger(warehouse)["chg-a2-distribute"][:2] == ("failed", 2)
    last = sync(warehouse, DemoCrmDestination(crm), max_attempts=2)
    assert (last.planned, last.exhausted) == (0, 1)
    assert ledger(warehouse)["chg-a2-distribute"][:2] == ("failed", 2)


def test_unknown_and_duplicated_accounts_fail_per_record(tmp_path):
    owners = {"a1": POOL, "a2": POOL}
    warehouse = make_warehouse(
        tmp_path / "w.duckdb",
        [("a1", "distribute", None, JOE), ("a2", "distribute", None, JOE), ("a9", "distribute", None, JOE)],
        owners,
    )
    crm = make_crm(tmp_path / "crm.duckdb", owners)
    with duckdb.connect(str(crm)) as con:
        con.execute("insert into salesforce.account values ('a2', 'Account a2 (copy)', ?, false)", [POOL])

    sync(warehouse, DemoCrmDestination(crm))

    rows = ledger(warehouse)
    assert rows["chg-a1-distribute"][0] == "applied"
    assert rows["chg-a2-distribute"][0] == "failed" and rows["chg-a2-distribute"][2].startswith("DUPLICATE_ID:")
    assert rows["chg-a9-distribute"][0] == "failed" and rows["chg-a9-distribute"][2].startswith("NOT_FOUND:")
    with duckdb.connect(str(crm)) as con:
        assert con.execute("select owner_id from salesforce.account where id = 'a2'").fetchall() == [(POOL,), (POOL,)]


def test_an_account_released_and_dealt_in_one_plan_ends_with_its_new_owner(tmp_path):
    owners = {"a1": JANE}
    changes = [("a1", "distribute", None, JOE), ("a1", "retrieve", JANE, None)]
    warehouse = make_warehouse(tmp_path / "w.duckdb", changes, owners)
    crm = make_crm(tmp_path / "crm.duckdb", owners)

    report = sync(warehouse, DemoCrmDestination(crm))

    assert report.counts["applied"] == 2
    assert crm_owners(crm) == {"a1": JOE}


def test_dry_run_returns_the_plan_and_writes_nothing(files):
    warehouse, crm = files
    report = sync(warehouse, DemoCrmDestination(crm), dry_run=True)

    assert report.planned == 4 and len(report.changes) == 4
    assert report.changes[0].account_id == "a1" and report.changes[0].to_crm_owner_id == POOL
    assert crm_owners(crm) == OWNERS
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select count(*) from duckdb_schemas() where schema_name = 'reverse_etl'").fetchone() == (0,)
    assert "dry run" in report.format_summary()


def test_a_plan_larger_than_max_changes_is_refused_before_writing(files):
    warehouse, crm = files
    with pytest.raises(BlastRadiusExceeded, match="4 changes planned, more than the limit of 3"):
        sync(warehouse, DemoCrmDestination(crm), max_changes=3)
    assert crm_owners(crm) == OWNERS
    assert ledger(warehouse) == {}


def test_csv_export_writes_data_loader_rows_and_appends_across_runs(tmp_path):
    owners = {"a1": JANE, "a2": POOL, "a3": JOE}
    # a3's change expects the pool, but the last extract shows Joe: a conflict, not exported.
    changes = [("a1", "retrieve", JANE, None), ("a2", "distribute", None, JOE), ("a3", "distribute", None, JANE)]
    warehouse = make_warehouse(tmp_path / "w.duckdb", changes, owners)
    export = tmp_path / "out" / "owner_updates.csv"
    destination = CsvExportDestination(export, warehouse_path=warehouse)

    report = sync(warehouse, destination)

    assert export.read_text() == f"Id,OwnerId\na1,{POOL}\na2,{JOE}\n"
    assert report.counts["applied"] == 2 and report.counts["conflict"] == 1
    assert ledger(warehouse)["chg-a1-retrieve"][0] == "applied"
    assert sync(warehouse, destination).counts["applied"] == 0
    assert export.read_text().count("\n") == 3

    # A later run's changes are appended under the same header; nothing exported is lost.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into marts.ownership_changes values ('chg-late', ?, 'a3', ?, null, 'retrieve', 'late', ?, ?)",
            [AS_OF, JOE, JOE, POOL],
        )
    sync(warehouse, destination)
    assert export.read_text() == f"Id,OwnerId\na1,{POOL}\na2,{JOE}\na3,{POOL}\n"
    assert not [path for path in export.parent.iterdir() if path.name.endswith(".tmp")]


def test_the_ledger_never_overwrites_an_applied_change(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_ledger(con)
        ensure_ledger(con)  # idempotent
        entry = LedgerEntry("chg-1", SyncStatus.APPLIED, 1, None, None, AS_OF, "a1", "retrieve", JANE, None)
        record_entries(con, "demo_crm", [entry])
        record_entries(con, "demo_crm", [entry._replace(status=SyncStatus.FAILED, attempts=2)])
        assert con.execute("select status, attempts from reverse_etl.sync_ledger").fetchall() == [("applied", 1)]


def test_the_ledger_keeps_every_value_as_given(tmp_path):
    """Nulls stay null, an empty message stays empty, and quotes, commas and line breaks in a CRM's
    message arrive as sent; a later entry of the same change in one flush wins."""
    applied_at = datetime(2026, 6, 1, 12, 30, 15, 123456)
    message = 'INVALID_CROSS_REFERENCE_KEY: owner "005X", id,\nnot found \\N'
    rows = [
        LedgerEntry("chg-1", SyncStatus.APPLIED, 1, None, applied_at, AS_OF, "a1", "retrieve", JANE, None),
        LedgerEntry("chg-2", SyncStatus.FAILED, 1, message, None, AS_OF, "a2", "distribute", None, JOE, "sdr_c"),
        LedgerEntry("chg-3", SyncStatus.CONFLICT, 2, "", None, AS_OF, "a3", "distribute", JANE, JOE),
        LedgerEntry("chg-4", SyncStatus.CONFLICT, 1, "first", None, AS_OF, "a4", "distribute", JANE, JOE),
        LedgerEntry("chg-4", SyncStatus.FAILED, 2, "later", None, AS_OF, "a4", "distribute", JANE, JOE),
    ]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_ledger(con)
        record_entries(con, "salesforce", rows)
        found = con.execute(
            """select change_id, destination, status, attempts, error, applied_at, as_of, account_id, change_type,
                      from_owner_id, to_owner_id, crm_field
               from reverse_etl.sync_ledger order by change_id"""
        ).fetchall()
    assert found == [
        ("chg-1", "salesforce", "applied", 1, None, applied_at, AS_OF, "a1", "retrieve", JANE, None, "owner_id"),
        ("chg-2", "salesforce", "failed", 1, message, None, AS_OF, "a2", "distribute", None, JOE, "sdr_c"),
        ("chg-3", "salesforce", "conflict", 2, "", None, AS_OF, "a3", "distribute", JANE, JOE, "owner_id"),
        ("chg-4", "salesforce", "failed", 2, "later", None, AS_OF, "a4", "distribute", JANE, JOE, "owner_id"),
    ]
