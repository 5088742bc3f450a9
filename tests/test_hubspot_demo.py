"""`bookflow demo --crm hubspot`: a whole cycle on a HubSpot portal over HTTPS, then a new
warehouse extracted from the same portal agrees that nothing is left to do that day."""

from __future__ import annotations

from pathlib import Path

import duckdb
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.hubspot_demo import run_hubspot_demo


def test_the_hubspot_demo_writes_back_and_a_new_warehouse_plans_nothing(tmp_path: Path):
    portal, warehouse = tmp_path / "portal.duckdb", tmp_path / "warehouse.duckdb"
    args = ["demo", "--crm", "hubspot", "--accounts", "400", "--portal", str(portal), "--warehouse", str(warehouse)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "source: hubspot, destination: hubspot" in result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(con.execute("select status, count(*) from reverse_etl.sync_ledger group by 1").fetchall())
        ids = con.execute(
            "select bool_and(regexp_full_match(account_id, '[0-9]+')) from marts.ownership_changes"
        ).fetchone()[0]
        to_pool = con.execute(
            "select count(*), count(to_crm_owner_id) from marts.ownership_changes where to_owner_id is null"
        ).fetchone()
    assert statuses.get("applied", 0) > 50 and set(statuses) == {"applied"}
    assert ids  # numeric HubSpot company ids throughout
    assert to_pool[0] > 0 and to_pool[1] == 0  # retrievals unassign the company: HubSpot's pool

    # The portal kept what was written; its owner history says when each company got its owner.
    fresh = run_hubspot_demo(portal, warehouse_path=tmp_path / "new.duckdb", destination="none")
    assert fresh.success, fresh.errors
    with duckdb.connect(str(tmp_path / "new.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.ownership_changes").fetchone()[0] == 0
