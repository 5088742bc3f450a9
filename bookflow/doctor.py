"""`bookflow doctor`: is this installation ready to run, and how did it last run?

Each check says ok, warn (works, but look) or FAIL (a run would fail); credentials are reported
by the names of their env vars, never their values. Nothing here changes data: the only thing
written is the Dagster instance's folder and dagster.yaml when they are missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from bookflow import paths

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Check:
    status: str
    name: str
    detail: str

    def format(self) -> str:
        return f"  {self.status:<4}  {self.name:<18} {self.detail}"


def check_settings() -> list[Check]:
    overridden = [name for name in (paths.WAREHOUSE_ENV, paths.RULES_ENV, paths.DEMO_CRM_ENV) if os.environ.get(name)]
    detail = f"warehouse {paths.warehouse_path()}, rules {paths.rules_dir()}, demo CRM {paths.demo_crm_path()}"
    return [Check(OK, "settings", detail + (f" (from {', '.join(overridden)})" if overridden else ""))]


def check_rules() -> list[Check]:
    from bookflow.validation import InputError
    from bookflow.validation import check_rules as validate

    try:
        validate(paths.rules_dir())
    except InputError as error:
        lines = str(error).splitlines()
        more = f" (+{len(lines) - 2} more lines)" if len(lines) > 2 else ""
        return [Check(FAIL, "rules", " ".join(line.strip() for line in lines[:2]) + more)]
    return [Check(OK, "rules", f"{paths.rules_dir()} is valid")]


def _crm_credentials(name: str, load: Callable[[], object], prefix: str, live: Callable[[object], None]) -> Check:
    from bookflow.crm.errors import CrmConfigurationError, CrmError

    present = sorted(variable for variable in os.environ if variable.startswith(prefix) and os.environ[variable])
    if not present:
        return Check(OK, name, f"not configured (no {prefix}* env var; needed only for --destination {name.lower()})")
    try:
        credentials = load()
    except CrmConfigurationError as error:
        return Check(FAIL, name, f"{error} (set: {', '.join(present)})")
    if live is None:
        return Check(OK, name, f"credentials present: {', '.join(present)} (--live logs in)")
    try:
        live(credentials)
    except CrmError as error:
        return Check(FAIL, name, f"login failed: {str(error).splitlines()[0]}")
    return Check(OK, name, f"logged in with {', '.join(present)}")


def _salesforce_login(credentials) -> None:  # noqa: ANN001
    from bookflow.crm.salesforce.session import SalesforceSession

    with SalesforceSession(credentials, timeout=20.0) as session:
        session.api("GET", session.data_path + "/limits", idempotent=True)


def _hubspot_login(credentials) -> None:  # noqa: ANN001
    from bookflow.crm.hubspot.session import HubSpotSession

    with HubSpotSession(credentials, timeout=20.0) as session:
        session.request("GET", "/crm/v3/owners?limit=1", idempotent=True)


def check_credentials(live: bool = False) -> list[Check]:
    from bookflow.alerts import WEBHOOK_ENV, webhook_url
    from bookflow.crm.hubspot.session import HubSpotCredentials
    from bookflow.crm.salesforce.auth import SalesforceCredentials

    checks = [
        _crm_credentials(
            "Salesforce", SalesforceCredentials.from_env, "SALESFORCE_", _salesforce_login if live else None
        ),
        _crm_credentials("HubSpot", HubSpotCredentials.from_env, "HUBSPOT_", _hubspot_login if live else None),
    ]
    alerts = f"{WEBHOOK_ENV} is set" if webhook_url() else f"off ({WEBHOOK_ENV} is not set)"
    checks.append(Check(OK if webhook_url() else WARN, "alerts", alerts))
    return checks


def check_instance() -> list[Check]:
    from orchestration.instance import dagster_home, project_instance

    home = dagster_home()
    created = not (home / "dagster.yaml").exists()
    try:
        instance = project_instance()
        records = instance.get_run_records(limit=1)
    except Exception as error:  # noqa: BLE001 (any storage error is the finding)
        return [Check(FAIL, "Dagster instance", f"{home}: {type(error).__name__}: {str(error).splitlines()[0]}")]
    if not records:
        last = "no run recorded yet"
    else:
        run = records[0].dagster_run
        last = f"last run {run.job_name} {run.status.value.lower()} at {records[0].create_timestamp:%Y-%m-%d %H:%M}"
    return [Check(OK, "Dagster instance", f"{home}{' (created)' if created else ''}: {last}")]


def check_warehouse() -> list[Check]:
    import duckdb

    from reverse_etl.duckdb_files import cycle_lock

    warehouse = paths.warehouse_path()
    if not warehouse.exists():
        return [Check(WARN, "warehouse", f"{warehouse} does not exist yet: `bookflow run` creates it")]
    with cycle_lock(warehouse, wait=False) as free:
        if not free:
            return [Check(WARN, "warehouse", f"{warehouse} is locked by a running cycle")]
        try:
            with duckdb.connect(str(warehouse), read_only=True) as con:
                last = con.execute("select max(as_of) from marts.account_status").fetchone()[0]
        except duckdb.IOException as error:
            return [Check(FAIL, "warehouse", f"{warehouse} is locked by another process: {str(error).splitlines()[0]}")]
        except duckdb.CatalogException:
            return [Check(WARN, "warehouse", f"{warehouse} has no marts yet: run `bookflow run`")]
    published = paths.publish_dir(warehouse) / "bookflow.duckdb"
    where = f"; published copy {published}" if published.exists() else "; not published yet"
    return [Check(OK, "warehouse", f"{warehouse}: last run for {last}{where}")]


def run_checks(*, live: bool = False) -> list[Check]:
    return [*check_settings(), *check_rules(), *check_credentials(live), *check_instance(), *check_warehouse()]


def healthy(checks: list[Check]) -> bool:
    return all(check.status != FAIL for check in checks)
