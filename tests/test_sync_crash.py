"""kill -9 in the middle of a sync to Salesforce, then a rerun: every owner lands exactly once.

The sync runs in a child process against the local HTTPS Salesforce server, which lives in the
test process and so survives the kill. The rerun must finish what is pending and recognise, by
reading owners back, what the killed process wrote but never recorded.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import duckdb

from reverse_etl import sync
from tests.test_crm_destinations import JANE, JOE, _acc, ledger, make_warehouse, salesforce

ACCOUNTS = [f"001{i:012d}AAA" for i in range(600)]
CHILD = """
import sys
from pathlib import Path
from reverse_etl import SalesforceDestination, sync
url, client_id, secret, cert, warehouse = sys.argv[1:]
destination = SalesforceDestination(url, client_id=client_id, client_secret=secret, verify=cert, timeout=10.0)
sync(Path(warehouse), destination, batch_size=200)
"""


def test_a_killed_sync_reruns_to_exactly_the_intended_owners(crm, certificate, tmp_path):
    crm.accounts = {account: _acc(JANE) for account in ACCOUNTS}
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb", [(a, JANE, JOE) for a in ACCOUNTS])
    # Every write takes a while, so the kill lands in the middle of the sync.
    crm.slow_next(3, 0.6, path="composite/sobjects")

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, crm.url, crm.client_id, crm.client_secret, str(certificate[0]), str(warehouse)],
        cwd=os.getcwd(),
    )
    deadline = time.monotonic() + 30
    while len(crm.owner_writes) < 400 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    written_before_rerun = len(crm.owner_writes)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        applied = con.execute("select count(*) from reverse_etl.sync_ledger where status = 'applied'").fetchone()[0]
    assert 200 <= written_before_rerun < len(ACCOUNTS), "the kill must land between two batches' writes"
    assert applied < len(ACCOUNTS)

    report = sync(warehouse, salesforce(crm, certificate), batch_size=200)
    assert report.counts["failed"] == report.counts["conflict"] == 0

    assert {account: crm.accounts[account].owner_id for account in ACCOUNTS} == dict.fromkeys(ACCOUNTS, JOE)
    writes = Counter(account for account, _ in crm.owner_writes)
    assert set(writes) == set(ACCOUNTS) and max(writes.values()) == 1, "no record was written twice"
    outcome = ledger(warehouse)
    assert len(outcome) == len(ACCOUNTS) and {status for status, _ in outcome.values()} == {"applied"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows, changes = con.execute(
            "select count(*), count(distinct change_id) from reverse_etl.sync_ledger"
        ).fetchone()
    assert rows == changes == len(ACCOUNTS)
