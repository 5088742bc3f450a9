"""The extract from Salesforce and HubSpot, against the local HTTPS CRM (bookflow.local_crm)
serving a small demo org: incremental reruns counted in requests, faults, missing objects and
fields, the daily allocation, search windows, a kill -9 mid-pull, and that a new warehouse
extracted after a synced cycle plans nothing more for the day."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.crm.errors import CrmConfigurationError, CrmLimitReached
from bookflow.crm.sdr_field import sdr_field
from bookflow.local_crm import CrmServer, HubSpotLimits
from bookflow.local_crm.orgs import load_hubspot_portal, load_salesforce_org
from bookflow.sources.run import ExtractOptions, extract_crm
from tests.conftest import staged_who_ids

TODAY = date.today()  # the CRM stamps history with the real clock: cycles here run on today
OPTIONS = ExtractOptions(bulk_threshold=1000, bulk_page=700)


@pytest.fixture(scope="module")
def demo_org_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bookflow.demo_crm import generate_demo_crm

    path = tmp_path_factory.mktemp("org") / "demo_crm.duckdb"
    generate_demo_crm(path, accounts=500, seed=3, as_of=TODAY)
    return path


@pytest.fixture
def org(certificate, demo_org_file: Path, monkeypatch: pytest.MonkeyPatch):
    """A Salesforce org and a HubSpot portal made of the demo CRM, and the credentials to reach them."""
    with CrmServer(*certificate) as server:
        load_salesforce_org(server, demo_org_file)
        load_hubspot_portal(server, demo_org_file, pool_user=_pool_user())
        server.query_page_size = 500
        server.hubspot_limits = HubSpotLimits(max_requests=190)  # a Professional portal's private app
        for name, value in {
            "SALESFORCE_INSTANCE_URL": server.url,
            "SALESFORCE_CLIENT_ID": server.client_id,
            "SALESFORCE_CLIENT_SECRET": server.client_secret,
            "HUBSPOT_ACCESS_TOKEN": server.hubspot_token,
            "HUBSPOT_BASE_URL": server.url,
            "BOOKFLOW_CA_BUNDLE": str(certificate[0]),
        }.items():
            monkeypatch.setenv(name, value)
        yield server


def _pool_user() -> str:
    from bookflow import paths

    with duckdb.connect() as con:
        return con.execute(
            "select value from read_csv(?, header = true) where setting = 'pool_owner_id'",
            [str(paths.BUNDLED_RULES_DIR / "settings.csv")],
        ).fetchone()[0]


def _counts(warehouse: Path, tables: list[str]) -> dict[str, tuple[int, int]]:
    """Rows and distinct keys per raw table."""
    keys = {"deal": "deal_id", "owner": "owner_id", "deal_company": "deal_id || '-' || company_id",
            "engagement_company": "engagement_id || '-' || company_id",
            "company_property_history": "company_id || '-' || timestamp || coalesce(value, '')"}  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(
                f"select count(*), count(distinct {keys.get(table.split('.')[1], 'id')}) from {table}"
            ).fetchone()
            for table in tables
        }


def _org(crm: CrmServer, sql: str, params: list | None = None):
    with crm.lock:
        return crm.org.execute(sql, params or []).fetchall()


SALESFORCE_TABLES = [f"salesforce.{t}" for t in ("account", "user", "opportunity", "task", "event", "book_return_c")]
HUBSPOT_TABLES = [f"hubspot.{t}" for t in ("company", "owner", "deal", "engagement", "engagement_company")]


def _who(warehouse: Path, table: str) -> dict[str, str | None]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute(f"select id, who_id from salesforce.{table}").fetchall())


def _org_who(crm: CrmServer) -> dict[str, dict[str, str | None]]:
    return {
        table: dict(_org(crm, f'select "Id", "WhoId" from salesforce."{table.title()}"')) for table in ("task", "event")
    }


def test_a_salesforce_rerun_pulls_only_what_changed(org: CrmServer, tmp_path: Path):
    """Also who each activity was with: Task.WhoId and Event.WhoId (a contact 003..., a lead
    00Q..., or none) land as who_id through Bulk API 2.0 and REST alike, and reach staging. An org
    whose integration user cannot read WhoId still extracts, without the column, so the models
    leave the contact part of a threshold out instead of counting no contact anywhere; once it is
    granted, the landing that lacks it reads every record again, once."""
    warehouse = tmp_path / "warehouse.duckdb"
    hidden = {("task", "whoid"), ("event", "whoid")}
    org.hidden_fields.update(hidden)
    extract_crm("salesforce", warehouse, options=OPTIONS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from information_schema.columns where table_schema = 'salesforce' "
            "and table_name in ('task', 'event') and column_name = 'who_id'"
        ).fetchone() == (0,)

    org.hidden_fields.difference_update(hidden)
    jobs = org.requests_to("/jobs/query")
    granted = extract_crm("salesforce", warehouse, options=OPTIONS)
    counts = _counts(warehouse, SALESFORCE_TABLES)
    assert counts["salesforce.task"] == (_org(org, 'select count(*) from salesforce."Task"')[0][0],) * 2
    assert counts["salesforce.account"][0] == counts["salesforce.account"][1] > 400
    assert counts["salesforce.task"][0] > OPTIONS.bulk_threshold
    assert org.requests_to("/jobs/query") > jobs  # above the threshold, through Bulk API 2.0
    assert granted.pulled["task"] == counts["salesforce.task"][0]
    for table, who in _org_who(org).items():
        assert _who(warehouse, table) == who
        assert None in who.values() and any(value.startswith("003") for value in who.values() if value)

    # Three accounts renamed, one task deleted, a call logged against a lead instead, a meeting's
    # contact taken off: the CRM stamps them now.
    now = datetime.now(UTC).replace(tzinfo=None)
    renamed = [row[0] for row in _org(org, 'select "Id" from salesforce."Account" order by "Id" limit 3')]
    _org(
        org,
        'update salesforce."Account" set "Name" = \'Renamed\', "SystemModstamp" = ? where "Id" in (select unnest(?))',
        [now, renamed],
    )
    deleted = _org(org, 'select "Id" from salesforce."Task" order by "Id" limit 1')[0][0]
    _org(org, 'update salesforce."Task" set "IsDeleted" = true, "SystemModstamp" = ? where "Id" = ?', [now, deleted])
    task, event = (
        _org(org, f'select "Id" from salesforce."{table}" where "WhoId" is not null order by "Id" desc limit 1')[0][0]
        for table in ("Task", "Event")
    )
    lead = "00QDn0000000042AAA"
    _org(org, 'update salesforce."Task" set "WhoId" = ?, "SystemModstamp" = ? where "Id" = ?', [lead, now, task])
    _org(org, 'update salesforce."Event" set "WhoId" = null, "SystemModstamp" = ? where "Id" = ?', [now, event])

    before = len(org.log)
    second = extract_crm("salesforce", warehouse, options=OPTIONS)
    requests = org.log[before:]
    # A login, a describe and a count per object, and one REST page each: no Bulk API job.
    assert not [path for _, path in requests if "/jobs/query" in path]
    assert len(requests) <= 1 + 3 * 7
    assert second.pulled == {"account": 3, "task": 2, "event": 1}
    assert _counts(warehouse, SALESFORCE_TABLES) == counts  # replaced in place, nothing twice
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from salesforce.account where name = 'Renamed'").fetchone()[0] == 3
        assert con.execute("select is_deleted from salesforce.task where id = ?", [deleted]).fetchone()[0] is True
    for table, who in _org_who(org).items():
        assert _who(warehouse, table) == who
    assert _who(warehouse, "task")[task] == lead and _who(warehouse, "event")[event] is None

    assert staged_who_ids(warehouse, tmp_path, "salesforce", task, event) == {task: [lead], event: [None]}


def test_a_hubspot_rerun_pulls_only_what_changed(org: CrmServer, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    extract_crm("hubspot", warehouse, options=OPTIONS)
    counts = _counts(warehouse, HUBSPOT_TABLES)
    assert counts["hubspot.company"][0] == counts["hubspot.company"][1] > 400
    assert counts["hubspot.engagement"][0] == _org(org, "select count(*) from hubspot.engagements")[0][0]

    # Two companies change owner through the API; one call is archived.
    company, other = [
        str(row[0])
        for row in _org(org, "select id from hubspot.companies where hubspot_owner_id is not null order by id limit 2")
    ]
    owner = _org(org, "select cast(id as varchar) from hubspot.owners where not archived order by id limit 1")[0][0]
    with org.lock:
        org.record_company_owner(company, owner)
        org.record_company_owner(other, None)
    now = datetime.now(UTC).replace(tzinfo=None)
    call = _org(org, "select id from hubspot.engagements where object_type = 'calls' order by id limit 1")[0][0]
    _org(org, "update hubspot.engagements set archived = true, archived_at = ? where id = ?", [now, call])

    before = len(org.log)
    second = extract_crm("hubspot", warehouse, options=OPTIONS)
    assert len(org.log) - before < 45  # searches and batch reads of the few records that changed
    assert second.pulled["company"] == 2 and second.pulled["engagement"] == 1
    assert _counts(warehouse, ["hubspot.company", "hubspot.engagement"]) == {
        table: counts[table] for table in ("hubspot.company", "hubspot.engagement")
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        owners = dict(
            con.execute(
                "select cast(id as varchar), property_hubspot_owner_id from hubspot.company where id in (?, ?)",
                [company, other],
            ).fetchall()
        )
        assert owners == {company: owner, other: None}
        assert con.execute("select active from hubspot.engagement where id = ?", [call]).fetchone()[0] is False
        history = con.execute(
            "select value from hubspot.company_property_history where company_id = ? order by timestamp desc", [company]
        ).fetchall()
        assert history[0] == (owner,) and len(history) == 2  # set at creation, then changed


def test_rate_limits_outages_and_dropped_connections_land_every_row_once(org: CrmServer, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    org.fail_next(2, 429, path="/queryAll", retry_after="0")
    org.fail_next(1, 503, path="/jobs/query")
    org.drop_mid_body_next(2, path="/results")
    org.hubspot_limits = HubSpotLimits(max_requests=40, interval_ms=1000)  # HubSpot answers 429 beyond it
    org.fail_next(1, 429, path="/crm/v3/objects/calls", retry_after="0")
    org.drop_mid_body_next(1, path="/crm/v3/objects/meetings")
    extract_crm("salesforce", warehouse, options=OPTIONS)
    extract_crm("hubspot", warehouse, options=OPTIONS)
    assert all(fault.count == 0 for fault in org.faults)
    for table, (rows, distinct) in _counts(warehouse, SALESFORCE_TABLES + HUBSPOT_TABLES).items():
        assert rows == distinct, table
    assert (
        _counts(warehouse, ["salesforce.task"])["salesforce.task"][0]
        == _org(org, 'select count(*) from salesforce."Task"')[0][0]
    )
    assert (
        _counts(warehouse, ["hubspot.engagement"])["hubspot.engagement"][0]
        == _org(org, "select count(*) from hubspot.engagements")[0][0]
    )


def test_a_missing_object_or_field_names_what_to_grant_and_lands_nothing(org: CrmServer, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    extract_crm("salesforce", warehouse, options=OPTIONS)
    extract_crm("hubspot", warehouse, options=OPTIONS)
    counts = _counts(warehouse, SALESFORCE_TABLES + HUBSPOT_TABLES)

    _org(org, 'drop table salesforce."Book_Return__c"')
    with pytest.raises(
        CrmConfigurationError, match=r"Book_Return__c.*install the custom object.*Read on Book_Return__c"
    ):
        extract_crm("salesforce", warehouse, options=OPTIONS)
    org.hidden_fields.add(("account", "industry"))
    with pytest.raises(CrmConfigurationError, match=r"Account\.Industry.*Field-Level Security"):
        extract_crm("salesforce", warehouse, options=OPTIONS)
    org.hubspot_missing_scopes.add("crm.objects.deals.read")
    with pytest.raises(CrmConfigurationError, match=r"crm\.objects\.deals\.read scope"):
        extract_crm("hubspot", warehouse, options=OPTIONS)
    org.hubspot_missing_scopes.clear()
    org.hubspot_hidden_properties.add("industry")
    with pytest.raises(CrmConfigurationError, match=r"HubSpot companies: the portal has no property industry"):
        extract_crm("hubspot", warehouse, options=OPTIONS)
    assert _counts(warehouse, SALESFORCE_TABLES + HUBSPOT_TABLES) == counts  # the raw tables as they were

    # The command says the same, and that nothing was landed.
    result = CliRunner().invoke(main, ["extract", "--crm", "salesforce", "--warehouse", str(warehouse)])
    assert result.exit_code == 2
    assert "Field-Level Security" in result.output and "as they were before" in result.output


def test_the_extract_stops_before_the_daily_allocation_runs_out(org: CrmServer, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    org.api_daily_limit = org.api_calls + 15  # a nearly spent day; 10% of it kept for the org's other uses
    with pytest.raises(CrmLimitReached, match=r"daily API allocation.*kept for other uses.*stopped before"):
        extract_crm("salesforce", warehouse, options=ExtractOptions(bulk_threshold=100_000, reserve=0.1))
    assert org.api_calls < org.api_daily_limit
    assert not warehouse.exists() or not _tables(warehouse, "salesforce")


def _tables(warehouse: Path, schema: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        ]


def test_hubspot_searches_are_paced_by_a_budget_of_their_own(org: CrmServer):
    """Searches have HubSpot's per-second limit, apart from the ten-second window the session's
    other requests share: nine searches in a row take at least two of their windows."""
    from bookflow.crm.hubspot import HubSpotCredentials, HubSpotSession
    from bookflow.crm.hubspot.objects import HubSpotReader

    with HubSpotSession(HubSpotCredentials.from_env()) as session:
        reader = HubSpotReader(session)
        started = time.monotonic()
        pages = [page for _ in range(9) for page in reader.modified_since("deals", int(time.time() * 1000))]
        seconds = time.monotonic() - started
        assert pages == [] and session.search_budget.requests == 9 and session.budget.requests == 0
        assert seconds >= 2 * session.search_budget.window
    assert org.requests_to("/search") == 9 and org.hubspot_limits.used_today == 0


def test_hubspot_searches_go_past_the_10000_cap_in_windows(org: CrmServer, tmp_path: Path, monkeypatch):
    """With the cap at 60 results, 250 changed calls (90 of them in one millisecond) arrive whole."""
    import bookflow.crm.hubspot.objects as objects
    import bookflow.crm.hubspot.session as session
    import bookflow.local_crm.hubspot_search as server_side
    from bookflow.crm.budget import HubSpotBudget

    monkeypatch.setattr(server_side, "SEARCH_CAP", 60)
    monkeypatch.setattr(objects, "SEARCH_CAP", 60)
    monkeypatch.setattr(objects, "SEARCH_PAGE", 20)
    # The windows take dozens of searches; paced at four a second (the next test checks the pace)
    # they would spend most of the test asleep.
    monkeypatch.setattr(
        session, "hubspot_search_budget", lambda: HubSpotBudget(max_requests=100, interval=1.0, follow_headers=False)
    )
    warehouse = tmp_path / "warehouse.duckdb"
    extract_crm("hubspot", warehouse, options=OPTIONS)
    calls = [
        row[0]
        for row in _org(
            org, "select id from hubspot.engagements where object_type = 'calls' and not archived order by id limit 250"
        )
    ]
    assert len(calls) == 250
    base = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    for position, call in enumerate(calls):
        stamp = base + timedelta(milliseconds=0 if position < 90 else position)
        _org(org, "update hubspot.engagements set hs_lastmodifieddate = ? where id = ?", [stamp, call])
    extract_crm("hubspot", warehouse, options=OPTIONS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Re-read at the windows' edges, landed once: every one of the 250, no other, no row twice.
        landed_now = con.execute(
            "select count(*), count(distinct id) from hubspot.engagement "
            "where _fivetran_synced = (select max(_fivetran_synced) from hubspot.engagement)"
        ).fetchone()
        assert landed_now == (250, 250)
        assert con.execute("select count(*) = count(distinct id) from hubspot.engagement").fetchone()[0]


def test_a_pull_killed_mid_page_then_run_again_lands_every_row_once(org: CrmServer, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    org.slow_next(1000, 0.2, path="/results")  # Bulk result pages come slowly: time to kill it mid-pull
    child = subprocess.Popen(
        [sys.executable, "-m", "bookflow.cli", "extract", "--crm", "salesforce", "--warehouse", str(warehouse),
         "--bulk-threshold", "1000", "--bulk-page", "300"],
        env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while org.requests_to("/results") < 5 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, "the extract finished before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert not warehouse.exists() or not _tables(warehouse, "salesforce")  # nothing published
    org.faults.clear()

    extract_crm("salesforce", warehouse, options=OPTIONS)
    for table, (rows, distinct) in _counts(warehouse, SALESFORCE_TABLES).items():
        assert rows == distinct, table
    assert (
        _counts(warehouse, ["salesforce.task"])["salesforce.task"][0]
        == _org(org, 'select count(*) from salesforce."Task"')[0][0]
    )


def test_the_sdr_fields_history_is_pulled_with_its_own_cursor(org: CrmServer, tmp_path: Path):
    """AccountHistory of the SDR field besides Owner's: two rows a change, as Salesforce writes
    them for a lookup field (names, then ids; an empty side is null). The field's history has a
    cursor of its own: a rerun pulls only the rows written since."""
    sdr = sdr_field("salesforce", "sdr_owner_c", "SDR_Owner__c")
    first, second = [
        row[0]
        for row in _org(
            org,
            'select "Id" from salesforce."Account" where "SDR_Owner__c" is null and not "IsDeleted" order by "Id" limit 2',
        )
    ]
    bdr = _org(org, 'select "SDR_Owner__c" from salesforce."Account" where "SDR_Owner__c" is not null limit 1')[0][0]
    with org.lock:
        org.record_account_fields(first, {"SDR_Owner__c": bdr})
        org.record_account_fields(first, {"SDR_Owner__c": None})
    warehouse = tmp_path / "warehouse.duckdb"
    extract_crm("salesforce", warehouse, options=OPTIONS, sdr_field=sdr)

    with org.lock:
        org.record_account_fields(second, {"SDR_Owner__c": bdr})
        org.record_account_fields(second, {"Name": "Renamed"})  # a field without history tracking
    rerun = extract_crm("salesforce", warehouse, options=OPTIONS, sdr_field=sdr)
    assert rerun.pulled["account_history"] == 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = con.execute(
            "select account_id, old_value, new_value from salesforce.account_history "
            "where field = 'SDR_Owner__c' and (old_value = ? or new_value = ?) order by created_date",
            [bdr, bdr],
        ).fetchall()
        other_rows = con.execute(
            "select count(*), count(old_value) + count(new_value) from salesforce.account_history "
            "where field = 'SDR_Owner__c' and coalesce(old_value, '') <> ? and coalesce(new_value, '') <> ?",
            [bdr, bdr],
        ).fetchone()
    assert ids == [(first, None, bdr), (first, bdr, None), (second, None, bdr)]
    assert other_rows == (3, 3)  # the names rows: a name on one side, null on the other

    # Rules without the SDR field for a while: its history is not read, and its cursor waits.
    with org.lock:
        org.record_account_fields(second, {"SDR_Owner__c": None})
    extract_crm("salesforce", warehouse, options=OPTIONS)
    again = extract_crm("salesforce", warehouse, options=OPTIONS, sdr_field=sdr)
    assert again.pulled["account_history"] == 2  # what was written meanwhile, and only that
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*) from salesforce.account_history where account_id = ? and old_value = ? and new_value is null",
            [second, bdr],
        ).fetchone() == (1,)


def test_the_sdr_property_written_to_hubspot_comes_back_with_its_history(org: CrmServer, tmp_path: Path):
    """A portal whose companies have an SDR owner property: what the API writes there is kept in
    the property's history, and the extract lands it beside hubspot_owner_id's."""
    from bookflow.crm.hubspot import HubSpotCredentials, HubSpotSession

    _org(org, "alter table hubspot.companies add column sdr_owner varchar")
    warehouse = tmp_path / "warehouse.duckdb"
    sdr = sdr_field("hubspot", "property_sdr_owner", "sdr_owner")
    extract_crm("hubspot", warehouse, options=OPTIONS, sdr_field=sdr)
    company, other = [str(row[0]) for row in _org(org, "select id from hubspot.companies order by id limit 2")]
    owner = _org(org, "select cast(id as varchar) from hubspot.owners where not archived order by id limit 1")[0][0]
    with HubSpotSession(HubSpotCredentials.from_env()) as session:
        for properties in ({company: owner, other: owner}, {other: ""}):
            inputs = [{"id": key, "properties": {"sdr_owner": value}} for key, value in properties.items()]
            answer = session.post("/crm/v3/objects/companies/batch/update", {"inputs": inputs}, idempotent=True)
            assert answer.status_code == 200, answer.text

    second = extract_crm("hubspot", warehouse, options=OPTIONS, sdr_field=sdr)
    assert second.pulled["company"] == 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        history = con.execute(
            "select cast(company_id as varchar), coalesce(value, '') from hubspot.company_property_history "
            "where name = 'sdr_owner' order by company_id, timestamp"
        ).fetchall()
        landed = dict(
            con.execute(
                "select cast(id as varchar), property_sdr_owner from hubspot.company where id in (?, ?)",
                [company, other],
            ).fetchall()
        )
        owners = con.execute(
            "select count(*) from hubspot.company_property_history where name = 'hubspot_owner_id'"
        ).fetchone()[0]
    assert history == [(company, owner), (other, owner), (other, "")]
    assert landed == {company: owner, other: None}
    # The owner's history is all there still, each version once.
    assert (
        owners == _org(org, "select count(*) from hubspot.property_history where property = 'hubspot_owner_id'")[0][0]
    )


def test_a_pull_waits_its_turn_on_the_landing_and_says_so_when_another_keeps_it(
    org: CrmServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from bookflow.sources.landing import landing_path
    from reverse_etl.duckdb_files import turn

    warehouse = tmp_path / "warehouse.duckdb"
    landing = landing_path(warehouse)
    landing.parent.mkdir(parents=True)
    monkeypatch.setattr("bookflow.sources.landing.PULL_WAIT_S", 0.5)
    # Another pull of this warehouse (a cycle's, say) holds the landing: dlt must not open it meanwhile.
    with turn(landing, shared=False):
        result = CliRunner().invoke(main, ["extract", "--crm", "salesforce", "--warehouse", str(warehouse)])
    assert result.exit_code == 2, result.output
    assert "another pull from a CRM into" in result.output
    assert "raw tables in the warehouse are as they were" in result.output
    assert not landing.exists() and not warehouse.exists()
