"""HubSpot's search endpoint in the extract: a rate of its own, and changes past its 10,000-result
cap read in windows, each landed once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from bookflow.local_crm import CrmServer
from bookflow.sources.run import extract_crm
from tests.extract_org import OPTIONS, org_rows


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
        for row in org_rows(
            org, "select id from hubspot.engagements where object_type = 'calls' and not archived order by id limit 250"
        )
    ]
    assert len(calls) == 250
    base = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    for position, call in enumerate(calls):
        stamp = base + timedelta(milliseconds=0 if position < 90 else position)
        org_rows(org, "update hubspot.engagements set hs_lastmodifieddate = ? where id = ?", [stamp, call])
    extract_crm("hubspot", warehouse, options=OPTIONS)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Re-read at the windows' edges, landed once: every one of the 250, no other, no row twice.
        landed_now = con.execute(
            "select count(*), count(distinct id) from hubspot.engagement "
            "where _fivetran_synced = (select max(_fivetran_synced) from hubspot.engagement)"
        ).fetchone()
        assert landed_now == (250, 250)
        assert con.execute("select count(*) = count(distinct id) from hubspot.engagement").fetchone()[0]
