"""kill -9 in the middle of a sync to Salesforce, at 20 points, then a rerun: every owner lands
exactly once.

The sync runs in a child process against the local HTTPS Salesforce server, which lives in the
test process and so survives the kill. The server's request hooks kill the child at precise
points: as a request arrives, after the CRM did the work but before it answered, after it
answered; at the login, the reads, the REST writes and every step of a Bulk API 2.0 job. The
rerun must finish what is pending and recognise, by reading owners back, what the killed process
wrote but never recorded. One plan is built once and copied for each kill point.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter

import duckdb
import pytest

from bookflow.crm.salesforce.ids import to_18
from bookflow.local_crm import ANSWERED, APPLIED, RECEIVED, Account, CrmServer
from reverse_etl import sync
from tests.conftest import CRM_USERS
from tests.test_crm_destinations import JANE, JOE, make_warehouse, salesforce

ACCOUNTS = [to_18(f"001{n:012d}") for n in range(1, 301)]
CHILD = """
import sys
from pathlib import Path
from reverse_etl import SalesforceDestination, sync
url, client_id, secret, cert, warehouse, bulk_threshold = sys.argv[1:]
destination = SalesforceDestination(
    url, client_id=client_id, client_secret=secret, verify=cert, timeout=10.0,
    bulk_threshold=int(bulk_threshold), bulk_poll_interval=0.01,
)
sync(Path(warehouse), destination, batch_size=50, concurrency=2, ledger_flush_s=0.05)
"""
REST, BULK = 10**9, 100  # bulk thresholds: never, or for the whole 300-change phase
READS = "/composite/sobjects/Account"  # sObject Collections retrieve; writes PATCH /composite/sobjects

# (sync mode, path fragment, method, n-th such request, phase at which the child dies)
KILL_POINTS = [
    (REST, "/oauth2/token", "POST", 1, ANSWERED),
    (REST, READS, "POST", 1, RECEIVED),
    (REST, READS, "POST", 2, ANSWERED),
    (REST, "/composite/sobjects", "PATCH", 1, RECEIVED),
    (REST, "/composite/sobjects", "PATCH", 1, APPLIED),
    (REST, "/composite/sobjects", "PATCH", 1, ANSWERED),
    (REST, "/composite/sobjects", "PATCH", 2, APPLIED),
    (REST, "/composite/sobjects", "PATCH", 3, RECEIVED),
    (REST, "/composite/sobjects", "PATCH", 3, ANSWERED),
    (REST, READS, "POST", 5, APPLIED),
    (REST, "/composite/sobjects", "PATCH", 5, APPLIED),
    (REST, "/composite/sobjects", "PATCH", 6, APPLIED),
    (REST, "/composite/sobjects", "PATCH", 6, ANSWERED),
    (BULK, READS, "POST", 1, ANSWERED),
    (BULK, "/jobs/ingest", "POST", 1, ANSWERED),
    (BULK, "/batches", "PUT", 1, APPLIED),
    (BULK, "/jobs/ingest/", "PATCH", 1, RECEIVED),
    (BULK, "/jobs/ingest/", "PATCH", 1, APPLIED),
    (BULK, "/jobs/ingest/", "GET", 1, ANSWERED),
    (BULK, "/failedResults", "GET", 1, ANSWERED),
]


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return make_warehouse(tmp_path_factory.mktemp("plan") / "warehouse.duckdb", [(a, JANE, JOE) for a in ACCOUNTS])


def test_twenty_kill_points_are_distinct():
    assert len(set(KILL_POINTS)) == 20


@pytest.mark.parametrize("mode, fragment, method, nth, phase", KILL_POINTS)
def test_a_sync_killed_there_reruns_to_exactly_the_intended_owners(
    mode, fragment, method, nth, phase, plan, certificate, tmp_path
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(plan, warehouse)
    with CrmServer(*certificate) as crm:
        crm.users = dict(CRM_USERS)
        crm.accounts = {account: Account(JANE) for account in ACCOUNTS}
        crm.bulk_polls_in_progress = 1
        child = _start_child(crm, certificate, warehouse, mode)
        killed = threading.Event()
        seen = Counter()

        def kill_at_the_point(number: int, at: str, request_method: str, path: str) -> None:
            if fragment not in path or request_method != method:
                return
            if at == RECEIVED:
                seen[number] = len(seen) + 1
            if seen.get(number) == nth and at == phase and not killed.is_set():
                os.kill(child.pid, signal.SIGKILL)
                killed.set()

        crm.on_request = kill_at_the_point
        child.wait(timeout=60)
        assert killed.is_set() and child.returncode == -signal.SIGKILL, "the kill point was not reached"
        crm.on_request = None

        report = sync(warehouse, salesforce(crm, certificate, bulk_threshold=mode), batch_size=50)

        assert report.counts["failed"] == report.counts["conflict"] == 0 and report.left == []
        assert {account: crm.accounts[account].owner_id for account in ACCOUNTS} == dict.fromkeys(ACCOUNTS, JOE)
        writes = Counter(account for account, _ in crm.owner_writes)
        assert set(writes) == set(ACCOUNTS) and max(writes.values()) == 1, "no record was written twice"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows, changes, applied = con.execute(
            "select count(*), count(distinct change_id), count(*) filter (status = 'applied') "
            "from reverse_etl.sync_ledger"
        ).fetchone()
    assert rows == changes == applied == len(ACCOUNTS), "each change applied once in the ledger"


def _start_child(crm: CrmServer, certificate, warehouse, mode: int) -> subprocess.Popen:
    arguments = [crm.url, crm.client_id, crm.client_secret, str(certificate[0]), str(warehouse), str(mode)]
    return subprocess.Popen([sys.executable, "-c", CHILD, *arguments], cwd=os.getcwd())
