"""A Salesforce org and a HubSpot portal made of a small demo CRM, served by the local HTTPS CRM
(bookflow.local_crm), for the tests of the extract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from bookflow.local_crm import CrmServer, HubSpotLimits
from bookflow.local_crm.orgs import load_hubspot_portal, load_salesforce_org
from bookflow.sources.run import ExtractOptions

TODAY = date.today()  # the CRM stamps history with the real clock: cycles here run on today
OPTIONS = ExtractOptions(bulk_threshold=1000, bulk_page=700)


@pytest.fixture(scope="session")
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


def row_counts(warehouse: Path, tables: list[str]) -> dict[str, tuple[int, int]]:
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


def org_rows(crm: CrmServer, sql: str, params: list | None = None):
    with crm.lock:
        return crm.org.execute(sql, params or []).fetchall()
