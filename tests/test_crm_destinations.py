"""The Salesforce and HubSpot destinations over real HTTPS against bookflow/local_crm/."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from bookflow.crm.http import RetryPolicy
from bookflow.local_crm import API, REQUEST_LIMIT, Account, CrmServer
from reverse_etl import (
    ConfigurationError,
    DestinationError,
    HubSpotDestination,
    LimitReached,
    OwnerUpdate,
    RecordResult,
    SalesforceDestination,
    SyncStatus,
    sync,
)

FAST = RetryPolicy(attempts=4, initial_wait=0.01, max_wait=0.05, max_retry_after=2)
JANE, JOE, GONE = "005JANE00000000YDA", "005JOE000000000YBA", "005GONE00000000YDA"
A1, A2, A3 = "001000000000001AAA", "001000000000002AAA", "001000000000003AAA"
READS, WRITES = f"{API}/composite/sobjects/Account", f"{API}/composite/sobjects"  # POST retrieve, PATCH update


def salesforce(crm: CrmServer, certificate, **options) -> SalesforceDestination:
    defaults = {
        "client_id": crm.client_id,
        "client_secret": crm.client_secret,
        "verify": certificate[0],
        "retry": FAST,
        "timeout": 2.0,
        "bulk_poll_interval": 0.01,
    }
    return SalesforceDestination(crm.url, **(defaults | options))


def hubspot(crm: CrmServer, certificate, **options) -> HubSpotDestination:
    defaults = {"verify": certificate[0], "retry": FAST, "timeout": 2.0}
    return HubSpotDestination(crm.hubspot_token, base_url=crm.url, **(defaults | options))


def make_warehouse(path: Path, changes: list[tuple[str, str, str]]) -> Path:
    """`marts.ownership_changes` holding (account, from CRM owner, to CRM owner) reassignments."""
    with duckdb.connect(str(path)) as con:
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
        # One statement for the whole plan: executemany inserts row by row, slowly.
        accounts, old_owners, new_owners = (list(column) for column in zip(*changes, strict=True))
        con.execute(
            """
            insert into marts.ownership_changes
            select 'chg-' || account, ?, account, old, new, 'distribute', 'test', old, new
            from (select unnest(?::varchar[]) as account, unnest(?::varchar[]) as old, unnest(?::varchar[]) as new)
            """,
            [date(2026, 6, 1), accounts, old_owners, new_owners],
        )
    return path


def ledger(path: Path) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(path)) as con:
        rows = con.execute("select account_id, status, error from reverse_etl.sync_ledger").fetchall()
    return {account: (status, error) for account, status, error in rows}


# -- Salesforce ---------------------------------------------------------------------------------


def test_salesforce_reads_and_writes_owners(crm, certificate):
    crm.accounts = {A1: _acc(JANE), A2: _acc(JANE), A3: _acc(JANE, deleted=True)}
    destination = salesforce(crm, certificate)

    # 15-character ids are answered under the id as asked; deleted and malformed ids are absent.
    assert destination.read_owners([A1, A2[:15], A3, "x'; DELETE"]) == {A1: JANE, A2[:15]: JANE}
    assert crm.requests_to(READS) == 1  # one sObject Collections retrieve

    # An API without that retrieve answers 404: the same read by SOQL, following nextRecordsUrl.
    crm.collections_retrieve, crm.query_page_size = False, 1
    destination = salesforce(crm, certificate)
    assert destination.read_owners([A1, A2[:15], A3, "x'; DELETE"]) == {A1: JANE, A2[:15]: JANE}
    assert destination.read_owners([A1]) == {A1: JANE}
    assert (crm.requests_to(READS), crm.requests_to(f"{API}/query/")) == (2, 1)  # asked once per session

    results = destination.write_owners([OwnerUpdate(A1, JOE), OwnerUpdate(A2, GONE), OwnerUpdate(A3, JOE)])
    assert results[0] == RecordResult.success(A1)
    assert (results[1].ok, results[1].error_code) == (False, "INACTIVE_OWNER_OR_USER")
    assert (results[2].ok, results[2].error_code) == (False, "ENTITY_IS_DELETED")
    assert crm.owner_writes == [(A1, JOE)]
    assert crm.requests_to("/services/oauth2/token") == 2  # one login per destination, reused across calls


def test_salesforce_password_flow_and_session_refresh(crm, certificate):
    crm.accounts = {A1: _acc(JANE)}
    destination = SalesforceDestination(
        crm.url,
        grant_type="password",
        client_id=crm.client_id,
        username=crm.username,
        password=crm.password,
        verify=certificate[0],
        retry=FAST,
    )
    assert destination.read_owners([A1]) == {A1: JANE}
    crm.expire_sessions()
    assert destination.read_owners([A1]) == {A1: JANE}
    assert crm.requests_to("/services/oauth2/token") == 2


def test_salesforce_retries_rate_limits_and_outages(crm, certificate):
    crm.accounts = {A1: _acc(JANE), A2: _acc(JANE)}
    destination = salesforce(crm, certificate, timeout=0.5)
    crm.fail_next(2, 429, path=READS, retry_after="0")
    crm.fail_next(1, 403, path=READS, body=REQUEST_LIMIT)
    assert destination.read_owners([A1]) == {A1: JANE}
    assert crm.requests_to(READS) == 4

    crm.fail_next(2, 503, path=WRITES, method="PATCH")  # a refused write is safe to resend
    assert destination.write_owners([OwnerUpdate(A1, JOE)]) == [RecordResult.success(A1)]
    assert crm.owner_writes == [(A1, JOE)]

    crm.slow_next(1, 1.0, path=READS)  # a read that times out is read again
    assert destination.read_owners([A2]) == {A2: JANE}


def test_salesforce_retries_are_bounded(crm, certificate):
    crm.accounts = {A1: _acc(JANE)}
    crm.fail_next(10, 503, path=WRITES, method="PATCH")
    with pytest.raises(DestinationError, match="gave up after 4 attempts.*SERVER_UNAVAILABLE"):
        salesforce(crm, certificate).write_owners([OwnerUpdate(A1, JOE)])
    assert crm.requests_to("/composite") == 4
    assert crm.owner_writes == []

    crm.fail_next(1, 429, path=READS, retry_after="3600")  # longer than we are willing to wait
    with pytest.raises(DestinationError, match="asks to wait 3600s"):
        salesforce(crm, certificate).read_owners([A1])


def test_salesforce_manual_edit_is_a_conflict(crm, certificate, tmp_path):
    crm.accounts = {A1: _acc(JANE), A2: _acc(JANE)}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(A1, JANE, JOE), (A2, JANE, JOE)])
    crm.accounts[A1].owner_id = GONE  # someone reassigned it by hand after the plan was made
    report = sync(warehouse, salesforce(crm, certificate))
    assert report.counts[SyncStatus.CONFLICT] == 1
    assert ledger(warehouse)[A1][0] == "conflict"
    assert crm.accounts[A1].owner_id == GONE
    assert crm.owner_writes == [(A2, JOE)]


def test_salesforce_extra_fields_must_be_allowlisted(crm, certificate):
    with pytest.raises(ConfigurationError, match="Region__c"):
        salesforce(crm, certificate, extra_fields={"Region__c": "EMEA"})


def test_salesforce_from_env_names_missing_variables(crm):
    with pytest.raises(ConfigurationError, match="SALESFORCE_INSTANCE_URL"):
        SalesforceDestination.from_env({})
    with pytest.raises(ConfigurationError, match="SALESFORCE_CLIENT_SECRET"):
        SalesforceDestination.from_env({"SALESFORCE_INSTANCE_URL": crm.url, "SALESFORCE_CLIENT_ID": "x"})
    with pytest.raises(ConfigurationError, match="SALESFORCE_PASSWORD"):
        SalesforceDestination.from_env(
            {"SALESFORCE_LOGIN_URL": crm.url, "SALESFORCE_CLIENT_ID": "x", "SALESFORCE_USERNAME": "u"}
        )
    jwt_env = {"SALESFORCE_LOGIN_URL": crm.url, "SALESFORCE_CLIENT_ID": "x", "SALESFORCE_GRANT_TYPE": "jwt"}
    with pytest.raises(ConfigurationError, match="SALESFORCE_USERNAME"):
        SalesforceDestination.from_env(jwt_env)
    with pytest.raises(ConfigurationError, match="SALESFORCE_PRIVATE_KEY_FILE"):
        SalesforceDestination.from_env({**jwt_env, "SALESFORCE_USERNAME": "u"})


def test_salesforce_secrets_stay_out_of_repr_and_errors(crm, certificate):
    crm.accounts = {A1: _acc(JANE)}
    destination = SalesforceDestination.from_env(
        {
            "SALESFORCE_INSTANCE_URL": crm.url,
            "SALESFORCE_CLIENT_ID": crm.client_id,
            "SALESFORCE_CLIENT_SECRET": crm.client_secret,
        },
        verify=certificate[0],
        retry=FAST,
    )
    destination.read_owners([A1])
    crm.fail_next(10, 500, path=READS)
    with pytest.raises(DestinationError) as failure:
        destination.read_owners([A1])
    wrong = salesforce(crm, certificate, client_secret="wrong-secret-value")
    with pytest.raises(ConfigurationError, match="invalid_client") as refused:
        wrong.read_owners([A1])
    texts = [repr(destination), repr(vars(destination)), str(failure.value), repr(wrong), str(refused.value)]
    for secret in (crm.client_secret, "wrong-secret-value", *crm.issued_tokens):
        assert not any(secret in text for text in texts)


# -- HubSpot ------------------------------------------------------------------------------------


def test_hubspot_reads_and_writes_owners(crm, certificate):
    crm.companies = {"1": "101", "2": "101", "3": None}
    destination = hubspot(crm, certificate)
    ids = [str(n) for n in range(1, 4)] + ["999", "001000000000001AAA"]
    assert destination.read_owners(ids) == {"1": "101", "2": "101", "3": None}

    results = destination.write_owners(
        [OwnerUpdate("1", "102"), OwnerUpdate("2", "666"), OwnerUpdate("999", "102"), OwnerUpdate("3", "102")]
    )
    assert [result.ok for result in results] == [True, False, False, True]
    # The owners list (read once) shows 666 is no owner: failed without a request of its own.
    assert results[1].error_code == "INVALID_OWNER_ID" and "666" in results[1].error_message
    assert results[2].error_code == "OBJECT_NOT_FOUND"
    assert crm.companies == {"1": "102", "2": "101", "3": "102"}
    assert (crm.requests_to("/crm/v3/owners"), crm.requests_to("/batch/update")) == (1, 1)


def test_hubspot_retries_and_gives_up(crm, certificate):
    crm.companies = {"1": "101"}
    destination = hubspot(crm, certificate)
    crm.fail_next(2, 429, path="/batch/update", retry_after="0")
    crm.fail_next(1, 503, path="/batch/update")
    assert destination.write_owners([OwnerUpdate("1", "102")]) == [RecordResult.success("1")]
    assert crm.requests_to("/batch/update") == 4

    crm.fail_next(10, 429, path="/batch/read")  # no Retry-After: the 10-second window is waited out
    with pytest.raises(LimitReached, match="secondly limit.*asks to wait 10s"):
        destination.read_owners(["1"])


def test_hubspot_dropped_write_and_conflict_through_the_engine(crm, certificate, tmp_path):
    crm.companies = {"1": "101", "2": "101", "3": "101"}
    warehouse = make_warehouse(tmp_path / "w.duckdb", [("1", "101", "102"), ("2", "101", "102"), ("3", "101", "102")])
    crm.companies["3"] = "999"  # edited by hand after the plan
    destination = hubspot(crm, certificate)
    crm.drop_after_apply_next(path="/batch/update")
    report = sync(warehouse, destination)  # one sync: the lost answer is read back
    assert report.lost_answers == 2 and report.left == []
    assert crm.owner_writes == [("1", "102"), ("2", "102")]
    status = ledger(warehouse)
    assert (status["1"][0], status["2"][0], status["3"][0]) == ("applied", "applied", "conflict")
    assert crm.companies["3"] == "999"


def test_hubspot_from_env_and_secret(crm, certificate):
    with pytest.raises(ConfigurationError, match="HUBSPOT_ACCESS_TOKEN"):
        HubSpotDestination.from_env({})
    destination = HubSpotDestination.from_env(
        {"HUBSPOT_ACCESS_TOKEN": "pat-wrong-token", "HUBSPOT_BASE_URL": crm.url}, verify=certificate[0], retry=FAST
    )
    with pytest.raises(ConfigurationError, match="INVALID_AUTHENTICATION") as failure:
        destination.read_owners(["1"])
    for text in (repr(destination), repr(vars(destination)), str(failure.value)):
        assert "pat-wrong-token" not in text


def _acc(owner: str, *, deleted: bool = False) -> Account:
    return Account(owner, deleted)


def test_salesforce_jwt_bearer_login_from_env(crm, certificate, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "app.key"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    crm.jwt_public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    crm.accounts = {A1: _acc(JANE)}
    env = {
        "SALESFORCE_LOGIN_URL": crm.url,
        "SALESFORCE_CLIENT_ID": crm.client_id,
        "SALESFORCE_GRANT_TYPE": "jwt",
        "SALESFORCE_USERNAME": crm.username,
        "SALESFORCE_PRIVATE_KEY_FILE": str(key_file),
    }
    destination = SalesforceDestination.from_env(env, verify=certificate[0], retry=FAST)
    assert destination.read_owners([A1]) == {A1: JANE}
    assert "PRIVATE" not in repr(destination)

    # A key the app does not hold is refused, with Salesforce's words.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file.write_bytes(
        other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with pytest.raises(ConfigurationError, match="invalid_grant"):
        SalesforceDestination.from_env(env, verify=certificate[0], retry=FAST).read_owners([A1])
