"""`bookflow demo --crm hubspot`: the demo as a HubSpot portal, extracted and written back over HTTPS.

The portal is a DuckDB file (data/demo_hubspot.duckdb unless `--crm-store` says otherwise) served
by bookflow's local HTTPS CRM (bookflow.local_crm) for the length of the run: the cycle pulls it
through HubSpot's CRM v3 API (bookflow.sources.hubspot) and writes owners back through the HubSpot
destination, which the portal keeps for the next run. It is made from the Salesforce demo CRM with
numeric HubSpot ids, its BDRs in a custom company property of type owner (sdr_owner); the rules
beside it (demo_hubspot.rules/) are the bundled ones in those ids, with no pool user and that
property as the SDR field. Timing signals are not CRM data: the run lands the portal's copy in the
warehouse first, as a data team's loader would.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.cycle import CycleOutcome, run_cycle
from reverse_etl.duckdb_files import open_duckdb

_SQL = Path(__file__).parent / "local_crm" / "sql"


def portal_paths(store: Path | None) -> tuple[Path, Path]:
    """The portal file and the rules folder beside it."""
    portal = Path(store or paths.data_dir() / "demo_hubspot.duckdb").resolve()
    return portal, portal.with_suffix(".rules")


def create_portal(portal: Path, *, accounts: int, seed: int, as_of: date | None) -> int:
    """A fresh demo portal and its rules; returns the number of companies."""
    from bookflow.demo_crm import generate_demo_crm
    from bookflow.local_crm import CrmServer, make_certificate
    from bookflow.local_crm.hubspot import SDR_OWNER
    from bookflow.local_crm.orgs import load_hubspot_portal

    portal, rules = portal_paths(portal)
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        demo = scratch_dir / "demo_crm.duckdb"
        generate_demo_crm(demo, accounts=accounts, seed=seed, as_of=as_of)
        pool_user = _bundled_pool_user()
        staging = portal.with_name(portal.name + ".new")
        staging.unlink(missing_ok=True)
        with CrmServer(*make_certificate(scratch_dir), org_path=staging) as crm:
            load_hubspot_portal(crm, demo, pool_user=pool_user, write_state=False, sdr_property=True)
        shutil.rmtree(rules, ignore_errors=True)
        rules.mkdir(parents=True)
        for name in paths.BUNDLED_RULES_DIR.glob("*.csv"):
            shutil.copy2(name, rules / name.name)
        with duckdb.connect(str(staging)) as con:
            con.execute("create schema if not exists signals")
        with duckdb.connect() as con:
            con.execute("attach ? as portal", [str(staging)])
            con.execute("attach ? as demo (read_only)", [str(demo)])
            con.execute("set variable source = ?", [str(paths.BUNDLED_RULES_DIR)])
            con.execute("set variable target = ?", [str(rules)])
            con.execute("set variable sdr_property = ?", [SDR_OWNER])
            con.execute((_SQL / "hubspot_rules.sql").read_text())
            companies = con.execute("select count(*) from portal.hubspot.companies").fetchone()[0]
        os.replace(staging, portal)
    return companies


def _bundled_pool_user() -> str:
    with duckdb.connect() as con:
        return con.execute(
            "select value from read_csv(?, header = true, all_varchar = true) where setting = 'pool_owner_id'",
            [str(paths.BUNDLED_RULES_DIR / "settings.csv")],
        ).fetchone()[0]


def run_hubspot_demo(
    portal: Path,
    *,
    warehouse_path: Path,
    as_of: date | None = None,
    destination: str = "hubspot",
    log_level: str = "WARNING",
    progress: object | None = None,
    instance: object | None = None,
) -> CycleOutcome:
    """One cycle on the portal: extract over HTTPS, build, write owners back to the portal
    (`destination` none: only plan; `progress` and `instance` as for bookflow.cycle.run_cycle)."""
    from bookflow.local_crm import CrmServer, HubSpotLimits, make_certificate
    from bookflow.local_crm.orgs import restore_hubspot_write_state

    portal, rules = portal_paths(portal)
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with open_duckdb(warehouse_path) as con:
        con.execute("attach ? as portal (read_only)", [str(portal)])
        con.execute("create schema if not exists signals")
        con.execute("create or replace table signals.account_signal as select * from portal.signals.account_signal")
        con.execute("detach portal")
    with tempfile.TemporaryDirectory() as scratch:
        cert, key = make_certificate(Path(scratch))
        with CrmServer(cert, key, org_path=portal) as crm:
            restore_hubspot_write_state(crm)
            crm.hubspot_limits = HubSpotLimits(max_requests=190)  # a Professional portal's private app
            settings = {
                "HUBSPOT_ACCESS_TOKEN": crm.hubspot_token,
                "HUBSPOT_BASE_URL": crm.url,
                "BOOKFLOW_CA_BUNDLE": str(cert),  # trust the local server's certificate
            }
            with paths.environment(settings):
                return run_cycle(
                    as_of=as_of,
                    warehouse_path=warehouse_path,
                    rules_dir=rules,
                    source="hubspot",
                    destination=destination,
                    log_level=log_level,
                    progress=progress,
                    instance=instance,
                )
