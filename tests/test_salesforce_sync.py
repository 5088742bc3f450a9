"""Syncs to Salesforce: ids matched exactly, lost answers read back in the same sync, Bulk API 2.0."""

import pytest

from bookflow.crm.salesforce.ids import to_18
from reverse_etl import InvalidIds, OwnerUpdate, RecordResult, SyncStatus, sync
from tests.test_crm_destinations import (
    A1,
    A2,
    A3,
    GONE,
    JANE,
    JOE,
    READS,
    WRITES,
    _acc,
    ledger,
    make_warehouse,
    salesforce,
)


def test_salesforce_ids_match_exactly_through_the_checksum(crm, certificate):
    upper, lower = to_18("001ABC000000001"), to_18("001abc000000001")  # two records: ids are case-sensitive
    crm.accounts = {upper: _acc(JANE), lower: _acc(JOE)}
    destination = salesforce(crm, certificate)
    # 15 and 18 characters name the same record; each answer is under the id as asked.
    assert destination.read_owners([upper[:15], lower]) == {upper[:15]: JANE, lower: JOE}
    assert destination.read_owners([upper]) == {upper: JANE}
    # An 18-character id whose suffix does not match its first 15 is another id, not a near match.
    wrong = upper[:15] + "AAA"
    assert destination.read_owners([wrong]) == {}
    # Refused before a sync: account ids it could match to no record exactly. Owner ids are
    # Salesforce's to judge, record by record.
    assert destination.invalid_ids([wrong, upper], [JOE[:15], "005JOE000000000001"]) == [
        f"account id '{wrong}': wrong checksum suffix (expected {upper[15:]})"
    ]


def test_salesforce_sync_refuses_ids_with_a_wrong_checksum_and_compares_owners_15_or_18(crm, certificate, tmp_path):
    # Ids sharing their first 15 characters, with no valid checksum suffix: not Salesforce ids
    # (the demo CRM's ids were of this kind before they became valid 18-character ids).
    unchecked = ["001ACC000000000001", "001ACC000000000002"]
    crm.accounts = {A1: _acc(JANE)}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(a, JANE, JOE) for a in unchecked] + [(A1, JANE[:15], JOE)])
    with pytest.raises(InvalidIds, match="001ACC000000000001.*wrong checksum suffix \\(expected YBA\\)") as refused:
        sync(warehouse, salesforce(crm, certificate))
    assert "001ACC000000000002" in str(refused.value) and crm.requests_to("/services/data") == 0
    assert sync(warehouse, salesforce(crm, certificate), dry_run=True).invalid_ids == [
        f"account id '{account}': wrong checksum suffix (expected YBA)" for account in unchecked
    ]

    # A 15-character owner id in the warehouse is the same user as the CRM's 18-character one.
    warehouse = make_warehouse(tmp_path / "w2.duckdb", [(A1, JANE[:15], JOE[:15])])
    report = sync(warehouse, salesforce(crm, certificate))
    assert report.counts[SyncStatus.APPLIED] == 1 and crm.accounts[A1].owner_id == JOE


def test_salesforce_dropped_write_is_read_back_and_applied_once_in_the_same_sync(crm, certificate, tmp_path):
    crm.accounts = {A1: _acc(JANE), A2: _acc(JANE), A3: _acc(JANE)}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(A1, JANE, JOE), (A2, JANE, JOE), (A3, JANE, GONE)])
    destination = salesforce(crm, certificate)
    crm.drop_after_apply_next(path=WRITES, method="PATCH")

    report = sync(warehouse, destination)  # the lost answer does not end the sync

    assert crm.owner_writes == [(A1, JOE), (A2, JOE)]  # applied once, recognised by reading back
    assert (report.counts[SyncStatus.APPLIED], report.lost_answers, report.settle_rounds) == (2, 3, 1)
    status = ledger(warehouse)
    assert status[A1][0] == status[A2][0] == "applied"
    assert status[A3][0] == "failed" and status[A3][1].startswith("INACTIVE_OWNER_OR_USER")
    assert (report.left, report.exit_code) == ([], 1)  # the inactive owner is a failure left to fix
    assert "Salesforce API usage" in report.format_summary()


def test_salesforce_lost_write_then_an_outage(crm, certificate, tmp_path):
    crm.accounts = {A1: _acc(JANE), A2: _acc(JANE)}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(A1, JANE, JOE), (A2, JANE, JOE)])
    crm.drop_after_apply_next(path=WRITES, method="PATCH", count=1)
    crm.fail_next(100, 503, path=WRITES, method="PATCH")  # then the CRM is down for longer than the sync tries

    report = sync(warehouse, salesforce(crm, certificate))

    # The lost write landed: read back, it is applied; nothing was written a second time.
    assert crm.owner_writes == [(A1, JOE), (A2, JOE)] and report.counts[SyncStatus.APPLIED] == 2
    assert report.left == [] and report.exit_code == 0

    # An outage that outlasts the retries: nothing lands, nothing is recorded, the next sync retries.
    crm.accounts = {A1: _acc(JANE), A2: _acc(JANE)}
    warehouse = make_warehouse(tmp_path / "w2.duckdb", [(A1, JANE, JOE), (A2, JANE, JOE)])
    report = sync(warehouse, salesforce(crm, certificate))
    assert sorted(outcome.account_id for outcome in report.left) == [A1, A2]
    assert "SERVER_UNAVAILABLE" in report.left[0].error and report.settle_rounds == 2
    assert ledger(warehouse) == {} and report.exit_code == 1
    assert "left               2" in report.format_summary()
    crm.faults.clear()
    assert sync(warehouse, salesforce(crm, certificate)).exit_code == 0
    assert crm.accounts[A1].owner_id == crm.accounts[A2].owner_id == JOE


def test_salesforce_bulk_api_maps_each_record_back(crm, certificate):
    crm.accounts = {A1: _acc(JANE), A2: _acc(JANE), A3: _acc(JANE, deleted=True)}
    crm.bulk_polls_in_progress = 2
    destination = salesforce(crm, certificate, extra_fields={"Source__c": "bookflow"}, allowed_fields={"Source__c"})
    # UploadComplete's answer is lost: the job's state shows it started, so it is not sent again.
    crm.drop_after_apply_next(path="/jobs/ingest/", method="PATCH")
    results = destination.write_owners_bulk([OwnerUpdate(A1, JOE), OwnerUpdate(A2, GONE), OwnerUpdate(A3, JOE)])
    assert results[0] == RecordResult.success(A1)
    assert (results[1].error_code, results[1].error_message) == (
        "INACTIVE_OWNER_OR_USER",
        "operation performed with inactive user as owner of account",
    )
    assert results[2].error_code == "ENTITY_IS_DELETED"
    assert crm.requests_to("/composite") == 0 and len(crm.bulk_jobs) == 1
    assert crm.owner_writes == [(A1, JOE)]
    assert crm.accounts[A1].fields == {"Source__c": "bookflow"}


def test_the_engine_chooses_bulk_api_for_a_large_sync_and_ledgers_every_record(crm, certificate, tmp_path):
    accounts = [to_18(f"001{n:012d}") for n in range(1, 8)]
    crm.accounts = {account: _acc(JANE) for account in accounts}
    crm.accounts[accounts[0]].owner_id = GONE  # changed by hand: a conflict, not written
    warehouse = make_warehouse(
        tmp_path / "w.duckdb", [(a, JANE, JOE) for a in accounts[:6]] + [(accounts[6], JANE, GONE)]
    )
    report = sync(warehouse, salesforce(crm, certificate, bulk_threshold=5), batch_size=2)

    assert (crm.log.count(("PATCH", WRITES)), len(crm.bulk_jobs), crm.requests_to(READS)) == (0, 1, 1)
    status = ledger(warehouse)
    assert status[accounts[0]][0] == "conflict" and status[accounts[6]][0] == "failed"
    assert [status[a][0] for a in accounts[1:6]] == ["applied"] * 5
    assert sorted(crm.owner_writes) == sorted((a, JOE) for a in accounts[1:6])
    assert report.counts[SyncStatus.APPLIED] == 5 and report.exit_code == 1
