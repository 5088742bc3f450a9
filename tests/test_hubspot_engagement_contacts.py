"""Who each HubSpot engagement was with: the extract reads the engagements' contact associations
from the local HTTPS HubSpot (embedded in the list on the first pull, through the v4 batch read
on later ones, paged either way), lands them in hubspot.engagement_contact, and the HubSpot
staging activities carry them as who_id, as Salesforce's WhoId."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from bookflow.local_crm import CrmServer
from bookflow.local_crm.orgs import load_hubspot_portal
from bookflow.sources.run import extract_crm
from tests.conftest import staged_who_ids


@pytest.fixture
def portal(certificate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A small demo as a HubSpot portal whose records give one association a page, so that an
    engagement with several contacts spans pages in both the list and the v4 batch read."""
    from bookflow.demo_crm import generate_demo_crm

    demo = tmp_path / "demo_crm.duckdb"
    generate_demo_crm(demo, accounts=120, seed=11, as_of=date.today())
    with CrmServer(*certificate) as server:
        load_hubspot_portal(server, demo, pool_user=None)
        server.embedded_associations = server.association_page = 1
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", server.hubspot_token)
        monkeypatch.setenv("HUBSPOT_BASE_URL", server.url)
        monkeypatch.setenv("BOOKFLOW_CA_BUNDLE", str(certificate[0]))
        yield server


def _in_portal(crm: CrmServer, sql: str, params: list | None = None) -> list[tuple]:
    with crm.lock:
        return crm.org.execute(sql, params or []).fetchall()


def _meet(crm: CrmServer, engagement: int, contacts: list[int]) -> None:
    """More contacts on an engagement, as a rep adding attendees to a meeting: HubSpot moves its
    modification stamp."""
    kind = _in_portal(crm, "select object_type from hubspot.engagements where id = ?", [engagement])[0][0]
    for contact in contacts:
        _in_portal(crm, "insert into hubspot.associations values (?, ?, 'contacts', ?)", [kind, engagement, contact])
    now = datetime.now(UTC).replace(tzinfo=None)
    _in_portal(crm, "update hubspot.engagements set hs_lastmodifieddate = ? where id = ?", [now, engagement])


def _two_engagements_with_contacts(crm: CrmServer) -> list[int]:
    """The first two live engagements of the portal that were with a contact."""
    sql = (
        "select id from hubspot.engagements where not archived and id in "
        "(select from_id from hubspot.associations where to_type = 'contacts') order by id limit 2"
    )
    return [row[0] for row in _in_portal(crm, sql)]


def _landed(warehouse: Path) -> set[tuple[int, int]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(con.execute("select engagement_id, contact_id from hubspot.engagement_contact").fetchall())


def test_engagement_contacts_land_over_pages_and_reach_the_staging_activities(portal: CrmServer, tmp_path: Path):
    # Archived engagements land without associations: they are no touch.
    portal_contacts = (
        "select from_id, to_id from hubspot.associations where to_type = 'contacts' "
        "and from_id in (select id from hubspot.engagements where not archived)"
    )
    first, later = _two_engagements_with_contacts(portal)
    _meet(portal, first, [49000000001, 49000000002])  # three contacts: three pages of one each
    warehouse = tmp_path / "warehouse.duckdb"

    extract_crm("hubspot", warehouse)  # the first pull lists every engagement
    assert portal.requests_to("/crm/v4/associations/") > 0  # the list embedded the first contact only
    assert _landed(warehouse) == set(_in_portal(portal, portal_contacts))
    assert len([pair for pair in _landed(warehouse) if pair[0] == first]) == 3

    _meet(portal, later, [49000000003, 49000000004])
    second = extract_crm("hubspot", warehouse)  # a search for what changed, then the v4 batch read
    assert second.pulled.get("engagement") == 1
    landed = _landed(warehouse)
    assert landed == set(_in_portal(portal, portal_contacts))
    assert {contact for engagement, contact in landed if engagement == later} >= {49000000003, 49000000004}

    staged = staged_who_ids(warehouse, tmp_path, "hubspot", str(later))[str(later)]
    expected = sorted(str(contact) for engagement, contact in landed if engagement == later)
    assert len(expected) == 3 and staged == expected


def test_an_input_the_association_read_could_not_read_stops_the_pull(portal: CrmServer, tmp_path: Path):
    """HubSpot answers a batch read 207 with an error per input it did not read. "No contact is
    associated" is an answer (engagements without contacts or companies get one here); any other
    error would land an engagement without its contacts, so the pull stops and lands nothing."""
    from bookflow.crm.errors import CrmRequestError

    first, later = _two_engagements_with_contacts(portal)
    _meet(portal, first, [49000000001])  # two contacts: the second is read through the v4 batch read
    failure = ("INTERNAL_ERROR", "Something went wrong on our side")
    portal.association_errors = {first: failure}
    warehouse = tmp_path / "warehouse.duckdb"
    with pytest.raises(CrmRequestError, match=r"1 error.*INTERNAL_ERROR: Something went wrong on our side"):
        extract_crm("hubspot", warehouse)  # the first pull
    assert not warehouse.exists()
    portal.association_errors = {}
    extract_crm("hubspot", warehouse)
    before = _landed(warehouse)
    assert {contact for engagement, contact in before if engagement == first} >= {49000000001}

    # A later pull searches for what changed and reads each changed engagement's associations.
    _meet(portal, later, [49000000002])
    portal.association_errors = {later: failure}
    with pytest.raises(CrmRequestError, match="INTERNAL_ERROR"):
        extract_crm("hubspot", warehouse)
    assert _landed(warehouse) == before
    portal.association_errors = {}
    extract_crm("hubspot", warehouse)
    assert {contact for engagement, contact in _landed(warehouse) if engagement == later} >= {49000000002}
