"""A HubSpot warehouse landed as text (HubSpot's API gives every property as a string) builds:
values that do not convert are quarantined row by row with the column and the value, the
unambiguous ones are read, and the rest of the portal is planned as usual."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from bookflow.guards import GuardLimits, GuardStop, check_quarantine_share
from tests.conftest import AS_OF

FIXTURE = Path(__file__).parent / "fixtures" / "hubspot_text_warehouse.sql"


def _hubspot_rules(rules: Path) -> str:
    """The bundled rules as a HubSpot portal without an SDR property reads them: no pool user (the
    pool is the unowned companies) and no SDR field (the fixture's companies have none), so no
    reps of a role writing it. Returns the pool user the rules named."""
    with (rules / "settings.csv").open() as settings_file:
        settings = list(csv.reader(settings_file))
    pool_user = next(row[1] for row in settings if row[0] == "pool_owner_id")
    with (rules / "settings.csv").open("w", newline="") as settings_file:
        csv.writer(settings_file).writerows(
            row for row in settings if row[0] not in ("pool_owner_id", "sdr_owner_crm_field")
        )
    with (rules / "roles.csv").open() as roles_file:
        sdr_roles = {row["role"] for row in csv.DictReader(roles_file) if row["owner_field"] == "sdr"}
    with (rules / "reps.csv").open() as reps_file:
        reps = list(csv.DictReader(reps_file))
    with (rules / "reps.csv").open("w", newline="") as reps_file:
        writer = csv.DictWriter(reps_file, fieldnames=list(reps[0]))
        writer.writeheader()
        writer.writerows(rep for rep in reps if rep["role"] not in sdr_roles)
    return pool_user


def _query(con: duckdb.DuckDBPyConnection, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


@pytest.mark.long(seconds=20)  # one dbt build of the HubSpot raw tables, no cycle
def test_hubspot_values_that_do_not_convert_are_quarantined_and_the_rest_planned(workspace, tmp_path):
    from dbt.cli.main import dbtRunner

    from bookflow import paths
    from bookflow.inbound.handoff import land_in_warehouse
    from orchestration.dbt_project import daily_build_args, dbt_environment

    pool_user = _hubspot_rules(workspace.rules)
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.execute("attach ? as demo (read_only)", [str(workspace.crm)])
        con.execute("set variable pool_user = ?", [pool_user])
        con.execute("set variable landed = ?", [datetime.now(UTC).replace(tzinfo=None)])
        con.execute(FIXTURE.read_text())
        # Six owned companies, one row per id; the spellings of a number, then a bad
        # creation date and a bad archived flag.
        companies = [
            row[0]
            for row in _query(
                con,
                """
                select id from hubspot.company
                where is_deleted = 'false' and property_hubspot_owner_id is not null
                group by id having count(*) = 1 order by id limit 6
                """,
            )
        ]
        for company, column, value in zip(
            companies,
            ["property_numberofemployees"] * 4 + ["property_createdate", "is_deleted"],
            ["n/a", "1,200", " 42 ", "12,00", "last tuesday", "maybe"],
            strict=True,
        ):
            con.execute(f"update hubspot.company set {column} = ? where id = ?", [value, company])
        bad_engagement = _query(con, "select min(id) from hubspot.engagement where active = 'true'")[0][0]
        con.execute("update hubspot.engagement set timestamp = 'soon' where id = ?", [bad_engagement])
        # An archived engagement is not read, whatever it holds: not quarantined either.
        archived = _query(con, "select min(id) from hubspot.engagement where active = 'false'")[0][0]
        con.execute("update hubspot.engagement set timestamp = 'never' where id = ?", [archived])
        bad_deal = _query(con, "select min(deal_id) from hubspot.deal where is_deleted = 'false'")[0][0]
        con.execute("update hubspot.deal set property_hs_is_closed = 'perhaps' where deal_id = ?", [bad_deal])
        con.execute("update hubspot.owner set is_active = 'yes'")  # read as true

    # The inbound copy and the ledger, as the extract asset lands them beside the raw tables.
    land_in_warehouse(paths.inbound_store_path(workspace.warehouse), workspace.warehouse)
    with dbt_environment(str(workspace.warehouse), str(workspace.rules), AS_OF, crm="hubspot") as project:
        result = dbtRunner().invoke(
            [
                *daily_build_args(),
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(paths.DBT_PROJECT_DIR),
                "--quiet",
                "--target-path",
                str(tmp_path / "dbt_target"),
            ]
        )
    assert result.success, result.exception or [r.message for r in result.result.results if r.message]

    # Not read-only: dbt-duckdb keeps this process's connection to the file open, and DuckDB
    # refuses a second one with another configuration.
    with duckdb.connect(str(workspace.warehouse)) as con:
        held = {
            (table, record): reason
            for table, record, reason in _query(con, "select source_table, record_id, reason from marts.quarantine")
        }
        assert held[("hubspot.company", companies[0])] == "property_numberofemployees 'n/a' is not a whole number"
        assert held[("hubspot.company", companies[3])] == "property_numberofemployees '12,00' is not a whole number"
        assert held[("hubspot.company", companies[4])].startswith(
            "property_createdate 'last tuesday' is not a timestamp"
        )
        assert held[("hubspot.company", companies[5])] == "is_deleted 'maybe' is not true or false"
        assert held[("hubspot.engagement", bad_engagement)].startswith("timestamp 'soon' is not a timestamp")
        assert held[("hubspot.deal", bad_deal)] == "property_hs_is_closed 'perhaps' is not true or false"
        assert ("hubspot.engagement", archived) not in held
        # No other table label: the accounts the checks hold back are HubSpot's companies too.
        assert {table for table, _ in held} <= {
            "hubspot.company",
            "hubspot.engagement",
            "hubspot.deal",
            "signals.account_signal",
        }

        employees = dict(
            _query(
                con,
                "select account_id, employee_count from staging.stg_hubspot__accounts where account_id in (?, ?)",
                companies[1:3],
            )
        )
        assert employees == {companies[1]: 1200, companies[2]: 42}
        scored = {row[0] for row in _query(con, "select account_id from marts.account_scores")}
        bad = {companies[0], companies[3], companies[4], companies[5]}
        assert not bad & scored and {companies[1], companies[2]} <= scored
        assert _query(con, "select count(*) from staging.stg_hubspot__users where not is_active") == [(0,)]
        # The rest is planned: pool companies dealt, none of the held ones touched.
        changes = dict(_query(con, "select change_type, count(*) from marts.ownership_changes group by 1"))
        assert changes.get("distribute", 0) > 50, changes
        assert not _query(
            con, "select account_id from marts.ownership_changes where account_id in (select unnest(?))", [list(bad)]
        )

        # The quarantined share counts HubSpot's companies as accounts.
        with pytest.raises(GuardStop, match=r"property_numberofemployees 'n/a' is not a whole number: 1 rows"):
            check_quarantine_share(con, "marts", GuardLimits(max_quarantine_share=0.0))
