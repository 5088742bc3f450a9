"""The SDR/BDR owner field on a real CRM's API: a cycle extracted from the local HTTPS Salesforce
writes the BDRs' accounts into the org's custom field SDR_Owner__c, the next extract reads them back,
and a new warehouse extracted from the org plans no change. The cycle and what follows it are made
once for the session (`round_trip`); the tests read them."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.crm.sdr_field import column_of, derived_api_name, sdr_field
from bookflow.local_crm import CrmServer
from bookflow.local_crm.orgs import load_salesforce_org
from bookflow.rules import review_rules
from tests.conftest import trust_salesforce
from tests.cycles import copy_cycle_files, made_once, world_environment

TODAY = date.today()  # the CRM stamps history with the real clock: cycles here run on today


@pytest.fixture
def org(salesforce_env: CrmServer, tmp_path: Path) -> CrmServer:
    """A Salesforce org made of a small demo CRM (its BDRs in SDR_Owner__c), its credentials set."""
    from bookflow.demo_crm import generate_demo_crm

    demo = tmp_path / "org_demo.duckdb"
    generate_demo_crm(demo, accounts=500, seed=3, as_of=TODAY)
    load_salesforce_org(salesforce_env, demo)
    salesforce_env.query_page_size = 500
    return salesforce_env


def _org_sdr(crm: CrmServer) -> dict[str, str | None]:
    with crm.lock:
        return dict(crm.org.execute('select "Id", "SDR_Owner__c" from salesforce."Account"').fetchall())


def _round_trip(root: Path, certificate: tuple[Path, Path]) -> None:
    """The world's steps, on an org made of a small demo CRM (its BDRs in SDR_Owner__c); what the org
    held after each step in root/org.json, the warehouse after the next extract in root/read_back/."""
    from bookflow.demo_crm import generate_demo_crm

    shutil.copytree(paths.BUNDLED_RULES_DIR, root / "rules")
    generate_demo_crm(root / "org_demo.duckdb", accounts=500, seed=3, as_of=TODAY)
    warehouse = root / "warehouse.duckdb"
    common = ["run", "--source", "salesforce", "--as-of", TODAY.isoformat(), "--rules", str(root / "rules")]
    with CrmServer(*certificate) as org, world_environment(root), pytest.MonkeyPatch.context() as patch:
        trust_salesforce(patch, org, certificate)
        load_salesforce_org(org, root / "org_demo.duckdb")
        org.query_page_size = 500
        held = {"before": _org_sdr(org)}
        first = CliRunner().invoke(main, [*common, "--warehouse", str(warehouse), "--destination", "salesforce"])
        assert first.exit_code == 0, first.output
        held["after"] = _org_sdr(org)
        second = CliRunner().invoke(main, ["extract", "--crm", "salesforce", "--warehouse", str(warehouse)])
        assert second.exit_code == 0, second.output
        (root / "read_back").mkdir()
        copy_cycle_files(root, root / "read_back")
        # A new warehouse of the same file name, in its own folder: dbt parses it from the first's state.
        (root / "new").mkdir()
        third = CliRunner().invoke(
            main, [*common, "--warehouse", str(root / "new" / "warehouse.duckdb"), "--destination", "none"]
        )
        assert third.exit_code == 0, third.output
        # A user clears a BDR the cycle wrote; an extract alone follows.
        held["cleared"] = next(account for account, owner in _sdr_written(warehouse).items() if owner)
        with org.lock:
            org.record_account_fields(held["cleared"], {"SDR_Owner__c": None})
        fourth = CliRunner().invoke(main, ["extract", "--crm", "salesforce", "--warehouse", str(warehouse)])
        assert fourth.exit_code == 0, fourth.output
        held["last"] = _org_sdr(org)
    (root / "org.json").write_text(json.dumps(held))


@pytest.fixture(scope="session")
def round_trip(tmp_path_factory: pytest.TempPathFactory, certificate: tuple[Path, Path]) -> tuple[Path, dict]:
    """The world's folder, made once for the session, and what the org held along the way."""
    root = made_once(tmp_path_factory, "salesforce_round_trip", lambda root: _round_trip(root, certificate))
    return root, json.loads((root / "org.json").read_text())


def _sdr_written(warehouse: Path) -> dict[str, str | None]:
    """The SDR field's changes the cycle planned: account -> owner written (None: to the pool)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                "select account_id, to_crm_owner_id from marts.ownership_changes where crm_field = 'sdr_owner_c'"
            ).fetchall()
        )


@pytest.mark.world("salesforce_round_trip", seconds=40)
def test_a_cycle_writes_owners_and_the_bdrs_field_to_salesforce(round_trip):
    """The CRM, not a local file, is the truth: a cycle writes owners and the BDRs' SDR field to
    Salesforce."""
    root, org = round_trip
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        kinds = dict(con.execute("select change_type, count(*) from marts.ownership_changes group by 1").fetchall())
        applied = dict(
            con.execute(
                "select crm_field, count(*) from reverse_etl.sync_ledger where status = 'applied' group by 1"
            ).fetchall()
        )
        sdr_kinds = dict(
            con.execute(
                "select change_type, count(*) from marts.ownership_changes where crm_field = 'sdr_owner_c' group by 1"
            ).fetchall()
        )
        written = con.execute(
            """
            select c.account_id, c.to_crm_owner_id, l.status
            from marts.ownership_changes as c
            inner join reverse_etl.sync_ledger as l using (change_id)
            where c.crm_field = 'sdr_owner_c'
            """
        ).fetchall()
    assert written, "the demo org's ENT BDRs get no SDR change"
    assert kinds.get("distribute") and kinds.get("retrieve") and sum(applied.values()) == sum(kinds.values())
    # The BDRs' field was dealt and retrieved too: its history is what a new warehouse must read.
    assert sdr_kinds.get("distribute") and sdr_kinds.get("retrieve"), sdr_kinds
    assert applied.get("sdr_owner_c") == sum(sdr_kinds.values())
    assert {status for *_, status in written} == {"applied"}
    before, after = org["before"], org["after"]
    assert {account: after[account] for account, _, _ in written} == {account: owner for account, owner, _ in written}
    assert any(owner for _, owner, _ in written) and any(before[a] != after[a] for a, _, _ in written)


@pytest.mark.world("salesforce_round_trip", seconds=40)
def test_the_next_extract_reads_back_what_the_cycle_wrote(round_trip):
    # The next extract reads the accounts the write touched again (their SystemModstamp moved):
    # the warehouse holds what the org holds.
    root, org = round_trip
    written = _sdr_written(root / "warehouse.duckdb")
    with duckdb.connect(str(root / "read_back" / "warehouse.duckdb"), read_only=True) as con:
        landed = dict(con.execute("select id, sdr_owner_c from salesforce.account").fetchall())
    assert written and {account: landed[account] for account in written} == {
        account: org["after"][account] for account in written
    }


@pytest.mark.world("salesforce_round_trip", seconds=40)
def test_a_new_warehouse_from_salesforce_plans_no_changes(round_trip):
    """It knows when each account reached its owner and its BDR (the AccountHistory of Owner and of
    the SDR field), and what either field gave back to its pool."""
    root, _ = round_trip
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        applied = dict(
            con.execute(
                "select crm_field, count(*) from reverse_etl.sync_ledger where status = 'applied' group by 1"
            ).fetchall()
        )
    with duckdb.connect(str(root / "new" / "warehouse.duckdb"), read_only=True) as con:
        planned = con.execute("select crm_field, change_type, count(*) from marts.ownership_changes group by 1, 2")
        assert planned.fetchall() == []
        history = dict(con.execute("select field, count(*) from salesforce.account_history group by 1").fetchall())
    # Two rows a change (user names, then ids), as Salesforce writes them for a lookup field.
    assert history.get("Owner", 0) >= 2 * applied["owner_id"]
    assert history.get("SDR_Owner__c") == 2 * applied["sdr_owner_c"]


@pytest.mark.world("salesforce_round_trip", seconds=40)
def test_an_extract_alone_reads_the_field_the_last_cycle_named_with_its_history(round_trip):
    root, org = round_trip
    cleared = org["cleared"]
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        landed = dict(con.execute("select id, sdr_owner_c from salesforce.account").fetchall())
        history = con.execute(
            "select count(*) from salesforce.account_history where account_id = ? and field = 'SDR_Owner__c' "
            "and old_value = ? and new_value is null",
            [cleared, org["after"][cleared]],
        ).fetchone()[0]
    assert landed == org["last"] and landed[cleared] is None and history == 1


def test_an_sdr_field_the_rules_come_to_need_is_read_for_every_account(org: CrmServer, tmp_path: Path):
    from bookflow.sources.run import extract_crm

    warehouse = tmp_path / "warehouse.duckdb"
    extract_crm("salesforce", warehouse)
    # Nothing changed in the org since: only a pull that starts over fills the new column.
    extract_crm("salesforce", warehouse, sdr_field=sdr_field("salesforce", "sdr_owner_c", "SDR_Owner__c"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        landed = dict(con.execute("select id, sdr_owner_c from salesforce.account").fetchall())
    held = {account: owner for account, owner in _org_sdr(org).items() if owner}
    assert held and {account: landed[account] for account in held} == held


def test_a_missing_sdr_field_in_the_org_names_the_field(org: CrmServer, workspace, tmp_path: Path):
    with org.lock:
        org.hidden_fields.add(("account", "sdr_owner__c"))
    command = ["run", "--source", "salesforce", "--as-of", TODAY.isoformat(), "--rules", str(workspace.rules)]
    result = CliRunner().invoke(main, [*command, "--warehouse", str(tmp_path / "w.duckdb"), "--destination", "none"])
    assert result.exit_code != 0
    assert "SDR_Owner__c" in result.output


@pytest.mark.parametrize(
    ("crm", "api_name", "column"),
    [("salesforce", "SDR_Owner__c", "sdr_owner_c"), ("hubspot", "sdr_owner", "property_sdr_owner")],
)
def test_one_mapping_between_the_api_name_and_the_raw_column(crm: str, api_name: str, column: str):
    assert column_of(crm, api_name) == column
    assert derived_api_name(crm, column).lower() == api_name.lower()
    assert sdr_field(crm, column, api_name).api_name == api_name
    with pytest.raises(ValueError, match="lands in column"):
        sdr_field(crm, "bdr_owner_c" if crm == "salesforce" else "property_bdr", api_name)


def test_the_rules_check_refuses_an_sdr_field_of_another_column(workspace):
    settings = workspace.rules / "settings.csv"
    text = settings.read_text().replace("sdr_owner_crm_field,SDR_Owner__c", "sdr_owner_crm_field,BDR_Owner__c")
    settings.write_text(text)
    errors = [p for p in review_rules(workspace.rules) if p.severity == "error"]
    assert any("BDR_Owner__c" in str(p) and "sdr_owner_c" in str(p) for p in errors), errors


def _hubspot_warehouse(path: Path) -> Path:
    """A warehouse whose last run moved the SDR property of three companies (HubSpot ids)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema rules")
        con.execute("create table rules.settings (setting varchar, value varchar, description varchar)")
        con.execute("insert into rules.settings values ('sdr_owner_column', 'property_sdr_owner', 'the SDR')")
        con.execute(
            "create table marts.ownership_changes (change_id varchar, as_of date, account_id varchar, role varchar, "
            "crm_field varchar, from_owner_id varchar, to_owner_id varchar, change_type varchar, reason varchar, "
            "from_crm_owner_id varchar, to_crm_owner_id varchar)"
        )
        con.executemany(
            "insert into marts.ownership_changes values (?, current_date, ?, 'SDR', 'property_sdr_owner', ?, ?, ?, "
            "'test', ?, ?)",
            [
                (f"c{company}", company, old, new, kind, old, new)
                for company, kind, old, new in [
                    ("1", "distribute", None, "102"),
                    ("2", "retrieve", "102", None),
                    ("3", "distribute", None, "102"),  # another SDR set by hand in HubSpot: a conflict
                ]
            ],
        )
    return path


def test_bookflow_sync_writes_the_sdr_property_to_hubspot(crm: CrmServer, certificate, tmp_path, monkeypatch):
    for name, value in {
        "HUBSPOT_ACCESS_TOKEN": crm.hubspot_token,
        "HUBSPOT_BASE_URL": crm.url,
        "BOOKFLOW_CA_BUNDLE": str(certificate[0]),
    }.items():
        monkeypatch.setenv(name, value)
    crm.companies.update({"1": "101", "2": "101", "3": "101"})
    crm.company_owner_properties.update({"2": {"sdr_owner": "102"}, "3": {"sdr_owner": "101"}})
    warehouse = _hubspot_warehouse(tmp_path / "warehouse.duckdb")

    result = CliRunner().invoke(main, ["sync", "--destination", "hubspot", "--warehouse", str(warehouse), "--force"])
    assert result.exit_code == 1, result.output  # the conflict stays for the next run
    assert crm.company_owner_properties == {
        "1": {"sdr_owner": "102"},
        "2": {"sdr_owner": ""},
        "3": {"sdr_owner": "101"},
    }
    assert crm.companies == {"1": "101", "2": "101", "3": "101"}  # the company owner untouched
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(con.execute("select account_id, status from reverse_etl.sync_ledger").fetchall())
    assert statuses == {"1": "applied", "2": "applied", "3": "conflict"}
