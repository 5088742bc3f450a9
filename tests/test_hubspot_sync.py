"""Syncs to HubSpot at volume: paced by its rate headers, owners checked first, few extra requests.

Against the local server's HubSpot (bookflow/local_crm/hubspot.py), which enforces a rolling
window and a daily limit as HubSpot does and says so in the X-HubSpot-RateLimit-* headers.
"""

import time

import pytest

from bookflow.local_crm import HubSpotLimits
from reverse_etl import LimitReached, OwnerUpdate, SyncStatus, sync
from tests.test_crm_destinations import hubspot, make_warehouse

COMPANIES = [str(n) for n in range(1, 1501)]
TEN_SECONDLY = {
    "status": "error",
    "message": "You have reached your ten_secondly_rolling limit.",
    "errorType": "RATE_LIMIT",
    "policyName": "TEN_SECONDLY_ROLLING",
}


@pytest.fixture
def portal(crm):
    crm.companies = dict.fromkeys(COMPANIES, "101")
    crm.hubspot_owners = {"101", "102"}
    return crm


def test_a_sync_slows_down_before_the_window_closes_instead_of_meeting_429s(portal, certificate, tmp_path):
    portal.hubspot_limits = HubSpotLimits(max_requests=10, interval_ms=1000)
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(c, "101", "102") for c in COMPANIES])

    started = time.monotonic()
    report = sync(warehouse, hubspot(portal, certificate))
    seconds = time.monotonic() - started

    assert report.counts[SyncStatus.APPLIED] == len(COMPANIES) and report.exit_code == 0
    assert portal.hubspot_limits.refused == 0, "paced by the headers: HubSpot never had to refuse"
    # 31 requests (the owners list, 15 reads, 15 writes) at 9 of every 10 allowed per second.
    assert portal.hubspot_limits.used_today == 31 and seconds >= 2.5


def test_a_429_waits_the_whole_window_out_then_goes_on(portal, certificate):
    portal.hubspot_limits = HubSpotLimits(max_requests=100, interval_ms=1500)
    destination = hubspot(portal, certificate)
    assert destination.read_owners(["1"]) == {"1": "101"}  # learns the window from the headers
    portal.fail_next(1, 429, path="/batch/update", body=TEN_SECONDLY)

    started = time.monotonic()
    assert destination.write_owners([OwnerUpdate("1", "102")])[0].ok
    assert time.monotonic() - started >= 1.5
    assert portal.requests_to("/batch/update") == 2


def test_the_daily_limit_stops_the_sync_and_leaves_the_rest(portal, certificate, tmp_path):
    portal.hubspot_limits = HubSpotLimits(daily=5)
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(c, "101", "102") for c in COMPANIES])
    report = sync(warehouse, hubspot(portal, certificate), concurrency=1)
    # The owners list and two batches (a read and a write each) fit in the day; then HubSpot says DAILY.
    assert report.counts[SyncStatus.APPLIED] == 200 and len(report.left) == 1300
    assert "daily" in report.left[0].error and report.exit_code == 1
    assert portal.hubspot_limits.refused == 1, "no request after the first refusal"
    with pytest.raises(LimitReached, match="daily"):
        hubspot(portal, certificate).read_owners(["1"])


def test_a_dozen_unknown_owners_cost_no_extra_request(portal, certificate, tmp_path):
    bad = {COMPANIES[n * 100]: f"9{n:03d}" for n in range(12)}  # one in each of 12 batches
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(c, "101", bad.get(c, "102")) for c in COMPANIES])

    report = sync(warehouse, hubspot(portal, certificate))

    assert report.counts[SyncStatus.FAILED] == 12 and report.counts[SyncStatus.APPLIED] == len(COMPANIES) - 12
    assert {outcome.error.split(":")[0] for outcome in report.outcomes} == {"INVALID_OWNER_ID"}
    # The owners list once, then one read and one write per batch of 100: nothing more.
    assert len(portal.log) == 1 + 15 + 15


def test_a_whole_batch_refusal_is_isolated_sparingly(portal, certificate):
    updates = [OwnerUpdate(c, "102") for c in COMPANIES[:100]]
    refused = {"status": "error", "category": "VALIDATION_ERROR", "message": "Property values were not valid"}
    portal.fail_next(1, 400, path="/batch/update", body=refused)  # nothing in it names the culprit

    results = hubspot(portal, certificate).write_owners(updates)
    assert all(result.ok for result in results) and portal.requests_to("/batch/update") == 3  # halves, once

    portal.fail_next(10, 400, path="/batch/update", body=refused)
    results = hubspot(portal, certificate, split_requests=2).write_owners(updates)
    # Two halves refused again: the split stops there, the batch fails with HubSpot's words.
    assert portal.requests_to("/batch/update") == 3 + 3
    assert {result.error_code for result in results} == {"VALIDATION_ERROR"}
    assert "not isolated, to spare requests" in results[0].error_message


def test_an_error_that_names_the_bad_value_fails_only_its_records(portal, certificate):
    portal.hubspot_owners = {"101", "102", "103"}
    destination = hubspot(portal, certificate)
    destination.write_owners([OwnerUpdate("1", "101")])  # reads the owners list while 103 exists
    portal.hubspot_owners = {"101", "102"}  # then 103 leaves the portal
    updates = [OwnerUpdate(c, "103" if int(c) % 10 == 0 else "102") for c in COMPANIES[:100]]

    results = destination.write_owners(updates)

    assert [result.ok for result in results] == [int(c) % 10 != 0 for c in COMPANIES[:100]]
    assert portal.requests_to("/batch/update") == 1 + 2  # refused once, then the rest in one request
