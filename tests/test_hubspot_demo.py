"""`bookflow demo --crm hubspot`: a whole cycle on a HubSpot portal over HTTPS, the AEs in the
company owner and the BDRs in the portal's SDR owner property, then a new warehouse extracted
from the same portal agrees that nothing is left to do that day in either field."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.hubspot_demo import run_hubspot_demo
from tests.cycles import made_once, world_environment

# The making of `round_trip`: the demo's cycle on the portal and a new warehouse's build.
pytestmark = pytest.mark.world("hubspot_round_trip", seconds=40)


def _round_trip(root: Path) -> None:
    portal, warehouse = root / "portal.duckdb", root / "warehouse.duckdb"
    args = ["demo", "--crm", "hubspot", "--accounts", "400", "--portal", str(portal), "--warehouse", str(warehouse)]
    with world_environment(root):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        (root / "demo_output.txt").write_text(result.output)
        # A new warehouse of the same file name, in its own folder: dbt parses it from the first's state.
        (root / "new").mkdir()
        fresh = run_hubspot_demo(portal, warehouse_path=root / "new" / "warehouse.duckdb", destination="none")
    assert fresh.success, fresh.errors


@pytest.fixture(scope="session")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(tmp_path_factory, "hubspot_round_trip", _round_trip)


def _sdr_written(warehouse: Path) -> dict[str, str]:
    """The SDR property's changes the demo's sync applied: company id -> owner written."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                "select c.account_id, c.to_crm_owner_id from marts.ownership_changes as c "
                "inner join reverse_etl.sync_ledger as l using (change_id) "
                "where c.crm_field = 'property_sdr_owner' and l.status = 'applied'"
            ).fetchall()
        )


def test_the_hubspot_demo_writes_back_both_owner_fields(round_trip):
    assert "source: hubspot, destination: hubspot" in (round_trip / "demo_output.txt").read_text()
    with duckdb.connect(str(round_trip / "warehouse.duckdb"), read_only=True) as con:
        statuses = dict(con.execute("select status, count(*) from reverse_etl.sync_ledger group by 1").fetchall())
        ids = con.execute(
            "select bool_and(regexp_full_match(account_id, '[0-9]+')) from marts.ownership_changes"
        ).fetchone()[0]
        to_pool = con.execute(
            "select count(*), count(to_crm_owner_id) from marts.ownership_changes where to_owner_id is null"
        ).fetchone()
        sdr_kinds = dict(
            con.execute(
                "select change_type, count(*) from marts.ownership_changes where crm_field = 'property_sdr_owner' "
                "group by 1"
            ).fetchall()
        )
        # The engagements' contacts reach the working grades: the BDRs' threshold asks for contacts.
        graded_contacts = con.execute(
            "select count(contacts_in_period) from marts.account_status where crm_field = 'property_sdr_owner'"
        ).fetchone()[0]
    sdr_written = _sdr_written(round_trip / "warehouse.duckdb")
    assert statuses.get("applied", 0) > 50 and set(statuses) == {"applied"}
    assert ids  # numeric HubSpot company ids throughout
    assert to_pool[0] > 0 and to_pool[1] == 0  # retrievals unassign the company: HubSpot's pool
    # The BDRs are dealt and retrieved through the SDR property, and the portal holds what was written.
    assert sdr_kinds.get("distribute") and sdr_kinds.get("retrieve"), sdr_kinds
    assert graded_contacts > 0
    assert len(sdr_written) == sum(sdr_kinds.values())
    with duckdb.connect(str(round_trip / "portal.duckdb"), read_only=True) as con:
        in_portal = dict(con.execute("select cast(id as varchar), sdr_owner from hubspot.companies").fetchall())
    assert {company: in_portal[company] for company in sdr_written} == sdr_written


def test_a_new_warehouse_from_the_portal_plans_nothing(round_trip):
    # The portal kept what was written; the history of both owner properties says when each
    # company got its owner and its BDR, or went back to either pool.
    sdr_written = _sdr_written(round_trip / "warehouse.duckdb")
    assert sdr_written
    with duckdb.connect(str(round_trip / "new" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select crm_field, count(*) from marts.ownership_changes group by 1").fetchall() == []
        landed = dict(con.execute("select cast(id as varchar), property_sdr_owner from hubspot.company").fetchall())
        # The cycle built HubSpot's staging and left Salesforce's out: it would read empty stand-ins.
        staged = con.execute(
            "select distinct split_part(table_name, '__', 1) from information_schema.tables "
            "where table_schema = 'staging' and table_name similar to 'stg_(salesforce|hubspot)__.*'"
        ).fetchall()
    assert {company: landed[company] for company in sdr_written} == sdr_written
    assert staged == [("stg_hubspot",)]
