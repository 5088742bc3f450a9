"""`bookflow sync` against the local HTTPS CRMs when things go wrong, as a user runs it.

One sync finishes under the fault mix real CRMs produce ("403 REQUEST_LIMIT_EXCEEDED on every 7th
call, 503 on every 5th, a dropped answer on every 4th") and says what it applied, conflicted,
failed and left; its exit code tells a scheduler whether anything is unsettled.
"""

import re
from collections import Counter

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.cli.sync import DEFAULT_CONCURRENCY as CLI_DEFAULT_CONCURRENCY
from bookflow.crm.salesforce.ids import to_18
from bookflow.local_crm import REQUEST_LIMIT, Account, HubSpotLimits
from reverse_etl import DEFAULT_CONCURRENCY
from tests.test_crm_destinations import GONE, JANE, JOE, make_warehouse

ACCOUNTS = [to_18(f"001{n:012d}") for n in range(1, 1001)]


@pytest.fixture
def hubspot_env(crm, certificate, monkeypatch):
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", crm.hubspot_token)
    monkeypatch.setenv("HUBSPOT_BASE_URL", crm.url)
    monkeypatch.setenv("BOOKFLOW_CA_BUNDLE", str(certificate[0]))
    return crm


def bookflow_sync(warehouse, destination, *args):
    return CliRunner().invoke(
        main, ["sync", "--destination", destination, "--warehouse", str(warehouse), *args], catch_exceptions=False
    )


def counts(output: str) -> dict[str, int]:
    return {
        name: int(value.replace(",", ""))
        for name, value in re.findall(r"^  (applied|conflicted|failed|left) +([\d,]+)", output, re.M)
    }


def ledger_statuses(warehouse) -> Counter:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return Counter(dict(con.execute("select status, count(*) from reverse_etl.sync_ledger group by 1").fetchall()))


def test_one_salesforce_sync_finishes_under_the_fault_mix_and_says_what_it_did(salesforce_env, tmp_path):
    crm = salesforce_env
    crm.accounts = {account: Account(JANE) for account in ACCOUNTS}
    hand_edited, inactive = ACCOUNTS[:5], ACCOUNTS[5:10]
    for account in hand_edited:
        crm.accounts[account].owner_id = GONE
    plan = [(a, JANE, GONE if a in inactive else JOE) for a in ACCOUNTS]
    warehouse = make_warehouse(tmp_path / "w.duckdb", plan)
    crm.fail_every(7, 403, path="/services/data/", body=REQUEST_LIMIT)
    crm.fail_every(5, 503, path="/services/data/")
    crm.drop_every(4, path="/services/data/")
    # Which requests the periodic faults hit depends on how reads and writes in flight interleave:
    # one write's answer is always lost, whatever the order.
    crm.drop_after_apply_next(path="/composite/sobjects", method="PATCH")

    result = bookflow_sync(warehouse, "salesforce")

    assert result.exit_code == 1, result.output  # conflicts and failures are left for a person
    assert counts(result.output) == {"applied": 990, "conflicted": 5, "failed": 5, "left": 0}
    assert "answers lost and read back" in result.output and "reverse_etl.sync_ledger" in result.output
    assert ledger_statuses(warehouse) == Counter(applied=990, conflict=5, failed=5)
    writes = Counter(account for account, _ in crm.owner_writes)
    assert set(writes) == set(ACCOUNTS[10:]) and max(writes.values()) == 1, "each owner written once"
    assert all(crm.accounts[a].owner_id == JOE for a in ACCOUNTS[10:])
    assert all(crm.accounts[a].owner_id == GONE for a in hand_edited)

    # Nothing is left to do: a second sync settles nothing new and still reports what needs a person.
    again = bookflow_sync(warehouse, "salesforce")
    assert again.exit_code == 1 and counts(again.output)["applied"] == 0


def test_a_clean_sync_exits_0_and_a_dry_run_shows_ledger_statuses(salesforce_env, tmp_path):
    crm = salesforce_env
    crm.accounts = {account: Account(JANE) for account in ACCOUNTS[:300]}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(a, JANE, JOE) for a in ACCOUNTS[:300]])
    crm.accounts[ACCOUNTS[0]].owner_id = GONE
    first = bookflow_sync(warehouse, "salesforce", "--concurrency", "3")
    assert first.exit_code == 1 and counts(first.output)["conflicted"] == 1

    dry = bookflow_sync(warehouse, "salesforce", "--dry-run")
    assert dry.exit_code == 0 and "by ledger status: conflict 1" in dry.output
    crm.accounts[ACCOUNTS[0]].owner_id = JANE  # the hand edit is undone: the change can go through
    settled = bookflow_sync(warehouse, "salesforce")
    assert settled.exit_code == 0, settled.output
    assert counts(settled.output) == {"applied": 1, "conflicted": 0, "failed": 0, "left": 0}


def test_a_spent_daily_allowance_stops_the_sync_at_once(salesforce_env, tmp_path):
    crm = salesforce_env
    crm.accounts = {account: Account(JANE) for account in ACCOUNTS[:1000]}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(a, JANE, JOE) for a in ACCOUNTS[:1000]])
    crm.api_daily_limit = 4  # the org's allowance, spent after 4 calls (Sforce-Limit-Info says so)
    result = bookflow_sync(warehouse, "salesforce", "--concurrency", "1")
    assert result.exit_code == 1 and counts(result.output)["applied"] == 400, result.output
    assert counts(result.output)["left"] == 600 and "daily API requests" in result.output
    assert crm.requests_to("/services/data/") == 5  # the refused call is not retried, nothing more starts


def test_one_hubspot_sync_finishes_under_the_fault_mix_paced_by_the_rate_headers(hubspot_env, tmp_path):
    crm = hubspot_env
    companies = [str(n) for n in range(1, 1001)]
    crm.companies = dict.fromkeys(companies, "101")
    crm.hubspot_owners = {"101", "102"}
    crm.hubspot_limits = HubSpotLimits(max_requests=30, interval_ms=1000)
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(c, "101", "102") for c in companies])
    # About three requests in ten fail, each kind several times a sync. Denser (every 4th, 5th and
    # 7th: half of all requests) a batch's five attempts could all land on faults, depending on
    # how the requests in flight interleaved after a pause: the sync then rightly leaves it.
    crm.fail_every(7, 429, path="/crm/v3/objects", body={"status": "error", "policyName": "TEN_SECONDLY_ROLLING"})
    crm.fail_every(9, 503, path="/crm/v3/objects")
    crm.drop_every(11, path="/crm/v3/objects")

    result = bookflow_sync(warehouse, "hubspot")

    assert result.exit_code == 0, result.output
    assert counts(result.output) == {"applied": 1000, "conflicted": 0, "failed": 0, "left": 0}
    writes = Counter(company for company, _ in crm.owner_writes)
    assert set(writes) == set(companies) and max(writes.values()) == 1
    # Each kind of fault fired at least twice.
    assert crm.requests_to("/crm/v3/objects") >= 2 * 11
    # Paced by the rate headers: the server's own window never had to refuse a request.
    assert crm.hubspot_limits.refused == 0


def test_hubspot_ids_that_are_not_numeric_are_listed_by_the_dry_run_and_stop_the_sync(hubspot_env, tmp_path):
    crm = hubspot_env
    crm.companies = {"1": "101"}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [("1", "101", "102"), ("001000000000001AAA", "101", "102")])
    dry = bookflow_sync(warehouse, "hubspot", "--dry-run")
    assert dry.exit_code == 0 and "invalid id: company id '001000000000001AAA': not numeric" in dry.output
    refused = bookflow_sync(warehouse, "hubspot")
    assert refused.exit_code == 2 and "cannot go to hubspot" in refused.output
    assert crm.log == [] and crm.companies == {"1": "101"}


def test_configuration_errors_exit_2_before_anything_is_written(salesforce_env, tmp_path, monkeypatch):
    crm = salesforce_env
    crm.accounts = {ACCOUNTS[0]: Account(JANE)}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(ACCOUNTS[0], JANE, JOE)])

    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", crm.url.replace("https://", "http://"))
    plain = bookflow_sync(warehouse, "salesforce")
    assert plain.exit_code == 2 and "HTTPS only" in plain.output

    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", crm.url)
    monkeypatch.delenv("BOOKFLOW_CA_BUNDLE")  # the local server's certificate is self-signed
    untrusted = bookflow_sync(warehouse, "salesforce")
    assert untrusted.exit_code == 2 and "BOOKFLOW_CA_BUNDLE" in untrusted.output
    assert "could not be verified" in untrusted.output and crm.log == []  # not retried: no request got through

    monkeypatch.setenv("BOOKFLOW_CA_BUNDLE", str(tmp_path / "missing.pem"))
    assert "not a file" in bookflow_sync(warehouse, "salesforce").output

    assert ledger_statuses(warehouse) == Counter() and crm.owner_writes == []


def test_the_cli_default_concurrency_is_the_engines():
    assert CLI_DEFAULT_CONCURRENCY == DEFAULT_CONCURRENCY
    assert f"[default: {DEFAULT_CONCURRENCY};" in CliRunner().invoke(main, ["sync", "--help"]).output
