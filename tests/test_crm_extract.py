"""The extract from Salesforce and HubSpot, against the local HTTPS CRM (bookflow.local_crm)
serving a small demo org: incremental reruns counted in requests, faults, missing objects and
fields, the daily allocation, a kill -9 mid-pull, and a pull waiting its turn on the landing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.crm.errors import CrmConfigurationError, CrmLimitReached
from bookflow.local_crm import CrmServer, HubSpotLimits
from bookflow.sources.run import ExtractOptions, extract_crm
from tests.conftest import staged_who_ids
from tests.extract_org import OPTIONS, org_rows, row_counts

SALESFORCE_TABLES = [f"salesforce.{t}" for t in ("account", "user", "opportunity", "task", "event", "book_return_c")]
HUBSPOT_TABLES = [f"hubspot.{t}" for t in ("company", "owner", "deal", "engagement", "engagement_company")]


def _who(warehouse: Path, table: str) -> dict[str, str | None]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute(f"select id, who_id from salesforce.{table}").fetchall())


def _org_who(crm: CrmServer) -> dict[str, dict[str, str | None]]:
    return {
        table: dict(org_rows(crm, f'select "Id", "WhoId" from salesforce."{table.title()}"'))
        for table in ("task", "event")
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
    counts = row_counts(warehouse, SALESFORCE_TABLES)
    assert counts["salesforce.task"] == (org_rows(org, 'select count(*) from salesforce."Task"')[0][0],) * 2
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
    renamed = [row[0] for row in org_rows(org, 'select "Id" from salesforce."Account" order by "Id" limit 3')]
    org_rows(
        org,
        'update salesforce."Account" set "Name" = \'Renamed\', "SystemModstamp" = ? where "Id" in (select unnest(?))',
        [now, renamed],
    )
    deleted = org_rows(org, 'select "Id" from salesforce."Task" order by "Id" limit 1')[0][0]
    org_rows(
        org, 'update salesforce."Task" set "IsDeleted" = true, "SystemModstamp" = ? where "Id" = ?', [now, deleted]
    )
    task, event = (
        org_rows(org, f'select "Id" from salesforce."{table}" where "WhoId" is not null order by "Id" desc limit 1')[0][
            0
        ]
        for table in ("Task", "Event")
    )
    lead = "00QDn0000000042AAA"
    org_rows(org, 'update salesforce."Task" set "WhoId" = ?, "SystemModstamp" = ? where "Id" = ?', [lead, now, task])
    org_rows(org, 'update salesforce."Event" set "WhoId" = null, "SystemModstamp" = ? where "Id" = ?', [now, event])

    before = len(org.log)
    second = extract_crm("salesforce", warehouse, options=OPTIONS)
    requests = org.log[before:]
    # A login, a describe and a count per object, and one REST page each: no Bulk API job.
    assert not [path for _, path in requests if "/jobs/query" in path]
    assert len(requests) <= 1 + 3 * 7
    assert second.pulled == {"account": 3, "task": 2, "event": 1}
    assert row_counts(warehouse, SALESFORCE_TABLES) == counts  # replaced in place, nothing twice
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
    counts = row_counts(warehouse, HUBSPOT_TABLES)
    assert counts["hubspot.company"][0] == counts["hubspot.company"][1] > 400
    assert counts["hubspot.engagement"][0] == org_rows(org, "select count(*) from hubspot.engagements")[0][0]

    # Two companies change owner through the API; one call is archived.
    company, other = [
        str(row[0])
        for row in org_rows(
            org, "select id from hubspot.companies where hubspot_owner_id is not null order by id limit 2"
        )
    ]
    owner = org_rows(org, "select cast(id as varchar) from hubspot.owners where not archived order by id limit 1")[0][0]
    with org.lock:
        org.record_company_owner(company, owner)
        org.record_company_owner(other, None)
    now = datetime.now(UTC).replace(tzinfo=None)
    call = org_rows(org, "select id from hubspot.engagements where object_type = 'calls' order by id limit 1")[0][0]
    org_rows(org, "update hubspot.engagements set archived = true, archived_at = ? where id = ?", [now, call])

    before = len(org.log)
    second = extract_crm("hubspot", warehouse, options=OPTIONS)
    assert len(org.log) - before < 45  # searches and batch reads of the few records that changed
    assert second.pulled["company"] == 2 and second.pulled["engagement"] == 1
    assert row_counts(warehouse, ["hubspot.company", "hubspot.engagement"]) == {
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
    for table, (rows, distinct) in row_counts(warehouse, SALESFORCE_TABLES + HUBSPOT_TABLES).items():
        assert rows == distinct, table
    assert (
        row_counts(warehouse, ["salesforce.task"])["salesforce.task"][0]
        == org_rows(org, 'select count(*) from salesforce."Task"')[0][0]
    )
    assert (
        row_counts(warehouse, ["hubspot.engagement"])["hubspot.engagement"][0]
        == org_rows(org, "select count(*) from hubspot.engagements")[0][0]
    )


def test_a_missing_object_or_field_names_what_to_grant_and_lands_nothing(org: CrmServer, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    extract_crm("salesforce", warehouse, options=OPTIONS)
    extract_crm("hubspot", warehouse, options=OPTIONS)
    counts = row_counts(warehouse, SALESFORCE_TABLES + HUBSPOT_TABLES)

    org_rows(org, 'drop table salesforce."Book_Return__c"')
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
    assert row_counts(warehouse, SALESFORCE_TABLES + HUBSPOT_TABLES) == counts  # the raw tables as they were

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
    for table, (rows, distinct) in row_counts(warehouse, SALESFORCE_TABLES).items():
        assert rows == distinct, table
    assert (
        row_counts(warehouse, ["salesforce.task"])["salesforce.task"][0]
        == org_rows(org, 'select count(*) from salesforce."Task"')[0][0]
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
