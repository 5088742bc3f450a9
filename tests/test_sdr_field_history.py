"""The SDR field's history in the extract: Salesforce's AccountHistory rows with a cursor of their
own, and a HubSpot property's history as the API writes it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bookflow.crm.sdr_field import sdr_field
from bookflow.local_crm import CrmServer
from bookflow.sources.run import extract_crm
from tests.extract_org import OPTIONS, org_rows


def test_the_sdr_fields_history_is_pulled_with_its_own_cursor(org: CrmServer, tmp_path: Path):
    """AccountHistory of the SDR field besides Owner's: two rows a change, as Salesforce writes
    them for a lookup field (names, then ids; an empty side is null). The field's history has a
    cursor of its own: a rerun pulls only the rows written since."""
    sdr = sdr_field("salesforce", "sdr_owner_c", "SDR_Owner__c")
    first, second = [
        row[0]
        for row in org_rows(
            org,
            'select "Id" from salesforce."Account" where "SDR_Owner__c" is null and not "IsDeleted" order by "Id" limit 2',
        )
    ]
    bdr = org_rows(org, 'select "SDR_Owner__c" from salesforce."Account" where "SDR_Owner__c" is not null limit 1')[0][
        0
    ]
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

    org_rows(org, "alter table hubspot.companies add column sdr_owner varchar")
    warehouse = tmp_path / "warehouse.duckdb"
    sdr = sdr_field("hubspot", "property_sdr_owner", "sdr_owner")
    extract_crm("hubspot", warehouse, options=OPTIONS, sdr_field=sdr)
    company, other = [str(row[0]) for row in org_rows(org, "select id from hubspot.companies order by id limit 2")]
    owner = org_rows(org, "select cast(id as varchar) from hubspot.owners where not archived order by id limit 1")[0][0]
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
        owners
        == org_rows(org, "select count(*) from hubspot.property_history where property = 'hubspot_owner_id'")[0][0]
    )
