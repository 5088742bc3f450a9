"""The sync writes each change's owner field, and only the allowlisted ones: the CRM owner, and the
SDR field the run's rules name. Tiny hand-made warehouse and demo CRM files.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from reverse_etl import DemoCrmDestination, SyncStatus, sync

AS_OF = date(2026, 6, 1)
POOL, AE, BDR, BDR_2 = "005POOL00000000001", "005AE0000000000001", "005BDR000000000001", "005BDR000000000002"

# account, crm_field, change_type, from (CRM spelling), to (CRM spelling)
CHANGES = [
    ("001A", "owner_id", "handoff", POOL, AE),
    ("001A", "sdr_owner_c", "distribute", None, BDR),
    ("001B", "sdr_owner_c", "retrieve", BDR, None),
    ("001C", "sdr_owner_c", "distribute", None, BDR),  # someone set another SDR by hand: conflict
    ("001D", "billing_state", "distribute", None, BDR),  # not an owner field: refused
]


def _crm(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema salesforce")
        con.execute('create table salesforce."user" (id varchar, name varchar, email varchar, is_active boolean)')
        con.executemany(
            'insert into salesforce."user" values (?, ?, ?, true)',
            [(user, user, f"{user}@example.com") for user in (POOL, AE, BDR, BDR_2)],
        )
        con.execute(
            "create table salesforce.account (id varchar, owner_id varchar, sdr_owner_c varchar, "
            "billing_state varchar, is_deleted boolean)"
        )
        con.executemany(
            "insert into salesforce.account values (?, ?, ?, 'TX', false)",
            [("001A", POOL, None), ("001B", AE, BDR), ("001C", AE, BDR_2), ("001D", AE, None)],
        )
    return path


def _warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema rules")
        con.execute("create table rules.settings (setting varchar, value varchar, description varchar)")
        con.execute("insert into rules.settings values ('sdr_owner_column', 'sdr_owner_c', 'the BDR')")
        con.execute(
            """
            create table marts.ownership_changes (
                change_id varchar, as_of date, account_id varchar, role varchar, crm_field varchar,
                from_owner_id varchar, to_owner_id varchar, change_type varchar, reason varchar,
                from_crm_owner_id varchar, to_crm_owner_id varchar
            )
            """
        )
        con.executemany(
            "insert into marts.ownership_changes values (?, ?, ?, 'x', ?, ?, ?, ?, 'test', ?, ?)",
            [
                (
                    f"{account}-{field}",
                    AS_OF,
                    account,
                    field,
                    None if old == POOL else old,
                    None if new == POOL else new,
                    kind,
                    old,
                    new,
                )
                for account, field, kind, old, new in CHANGES
            ],
        )
    return path


def test_each_change_writes_its_owner_field_and_only_allowlisted_ones(tmp_path):
    crm, warehouse = _crm(tmp_path / "crm.duckdb"), _warehouse(tmp_path / "warehouse.duckdb")
    report = sync(warehouse, DemoCrmDestination(crm), force=True)

    with duckdb.connect(str(crm), read_only=True) as con:
        accounts = {row[0]: row[1:] for row in con.execute("select * from salesforce.account").fetchall()}
    # The AE takes the CRM owner and the BDR the SDR field of the same account, in two writes.
    assert accounts["001A"][:2] == (AE, BDR)
    # A retrieval empties the SDR field (its pool), leaving the CRM owner alone.
    assert accounts["001B"][:2] == (AE, None)
    # Another SDR set by hand is a conflict, never overwritten; a non-owner field is never written.
    assert accounts["001C"][:2] == (AE, BDR_2)
    assert accounts["001D"] == (AE, None, "TX", False)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        ledger = {
            change_id: (status, field, error)
            for change_id, status, field, error in con.execute(
                "select change_id, status, crm_field, error from reverse_etl.sync_ledger"
            ).fetchall()
        }
    assert ledger["001A-owner_id"][:2] == (SyncStatus.APPLIED, "owner_id")
    assert ledger["001A-sdr_owner_c"][:2] == (SyncStatus.APPLIED, "sdr_owner_c")
    assert ledger["001B-sdr_owner_c"][:2] == (SyncStatus.APPLIED, "sdr_owner_c")
    assert ledger["001C-sdr_owner_c"][0] == SyncStatus.CONFLICT
    assert "CRM sdr_owner_c is now" in ledger["001C-sdr_owner_c"][2]
    assert ledger["001D-billing_state"][0] == SyncStatus.FAILED
    assert ledger["001D-billing_state"][2].startswith("INVALID_FIELD: billing_state is not an owner field")
    assert report.counts == {"applied": 3, "failed": 1, "conflict": 1, "skipped": 0}


class OwnerOnly:
    """A destination that writes the CRM owner only (no `writes_field`)."""

    name = "owner_only"

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def read_owners(self, account_ids):
        self.asked.append(("read", tuple(account_ids)))
        return {account_id: POOL for account_id in account_ids}

    def write_owners(self, updates):
        from reverse_etl import RecordResult

        self.asked.append(("write", tuple((u.account_id, u.field) for u in updates)))
        return [RecordResult.success(update.account_id) for update in updates]


def test_a_destination_without_other_fields_is_never_sent_them(tmp_path):
    warehouse = _warehouse(tmp_path / "warehouse.duckdb")
    destination = OwnerOnly()
    report = sync(warehouse, destination, force=True)
    # Only the CRM-owner change reached the destination (field None: the owner); the SDR ones
    # failed before any call.
    assert destination.asked == [("read", ("001A",)), ("write", (("001A", None),))]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        errors = dict(
            con.execute("select change_id, error from reverse_etl.sync_ledger where status = 'failed'").fetchall()
        )
    assert (
        errors["001B-sdr_owner_c"]
        == "INVALID_FIELD: destination owner_only does not write sdr_owner_c (see docs/write-back.md)"
    )
    assert report.counts["failed"] == 4
