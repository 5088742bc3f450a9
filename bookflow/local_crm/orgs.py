"""Fill the local CRM server's org from a demo CRM file: a Salesforce org, or a HubSpot portal.

    with CrmServer(cert, key) as crm:
        load_salesforce_org(crm, demo_crm_path, pool_user="005...")

The demo CRM holds Fivetran-shaped Salesforce tables; the org gets them as the API serves them
(bookflow/local_crm/sql/). The write routes' own state (accounts, users, companies, owners) is
filled from the same rows, so what the write-back changes, the extract reads back.
"""

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bookflow.local_crm.hubspot import OWNER, OWNER_PROPERTIES
from bookflow.local_crm.server import Account, CrmServer

_SQL = Path(__file__).parent / "sql"


# The demo's BDR field, as Fivetran lands it and as the org names it (the bundled rules'
# sdr_owner_column and sdr_owner_crm_field).
DEMO_SDR_FIELD = ("sdr_owner_c", "SDR_Owner__c")


def _run_script(crm: CrmServer, name: str, demo_crm: Path, variables: dict[str, object], then: str = "") -> None:
    with crm.lock:
        con = crm.org
        con.execute("attach ? as demo (read_only)", [str(demo_crm)])
        try:
            for variable, value in variables.items():
                con.execute(f"set variable {variable} = ?", [value])
            con.execute((_SQL / name).read_text())
            if then:
                con.execute(then)
        finally:
            con.execute("detach demo")
        crm.loaded.add(name.split("_")[0])


def load_salesforce_org(crm: CrmServer, demo_crm: Path, *, write_state: bool = True) -> None:
    """Serve the demo CRM's records as a Salesforce org (and accept owner writes to them)."""
    column, field = DEMO_SDR_FIELD
    with duckdb.connect(str(demo_crm), read_only=True) as demo:
        has_sdr = bool(
            demo.execute(
                "select count(*) from information_schema.columns "
                "where table_schema = 'salesforce' and table_name = 'account' and column_name = ?",
                [column],
            ).fetchone()[0]
        )
    # A custom field of the org: the demo's BDR of each account, the first row of a duplicated id.
    then = (
        f'alter table salesforce."Account" add column "{field}" varchar; '
        f'update salesforce."Account" as org set "{field}" = (select {column} from demo.salesforce.account as a '
        f'where a.id = org."Id" order by a.created_date, a.name limit 1)'
        if has_sdr
        else ""
    )
    _run_script(crm, "salesforce_org.sql", demo_crm, {"now": datetime.now(UTC).replace(tzinfo=None)}, then)
    if not write_state:
        return
    with crm.lock:
        users = crm.org.execute('select "Id", "IsActive" from salesforce."User"').fetchall()
        sdr = f'"{field}"' if has_sdr else "null"
        accounts = crm.org.execute(f'select "Id", "OwnerId", "IsDeleted", {sdr} from salesforce."Account"').fetchall()
        crm.users.update(dict(users))
        crm.accounts.update(
            {row[0]: Account(row[1], deleted=row[2], fields={field: row[3]} if has_sdr else None) for row in accounts}
        )


def load_hubspot_portal(
    crm: CrmServer,
    demo_crm: Path,
    *,
    pool_user: str | None,
    write_state: bool = True,
    sdr_property: bool = False,
) -> None:
    """Serve the demo CRM's records as a HubSpot portal; the pool user's accounts are unowned.
    With `sdr_property`, the companies have the demo's SDR owner property (SDR_OWNER) holding
    each account's BDR."""
    variables = {"now": datetime.now(UTC).replace(tzinfo=None), "pool_user": pool_user}
    then = (_SQL / "hubspot_sdr_property.sql").read_text() if sdr_property else ""
    _run_script(crm, "hubspot_portal.sql", demo_crm, variables, then)
    if write_state:
        restore_hubspot_write_state(crm)


def restore_hubspot_write_state(crm: CrmServer) -> None:
    """The write routes' view of a portal kept in the org file: company owners, active owners,
    and the values of the other owner properties the write routes accept (an SDR owner)."""
    with crm.lock:
        crm.loaded.add("hubspot")
        owners = crm.org.execute("select cast(id as varchar) from hubspot.owners where not archived").fetchall()
        companies = crm.org.execute(
            "select cast(id as varchar), hubspot_owner_id from hubspot.companies where not archived"
        ).fetchall()
        crm.hubspot_owners.update(row[0] for row in owners)
        crm.companies.update(dict(companies))
        present = {name for (name,) in crm.org.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'hubspot' and table_name = 'companies'"
        ).fetchall()}  # fmt: skip
        for name in sorted((OWNER_PROPERTIES - {OWNER}) & present):
            quoted = '"' + name.replace('"', '""') + '"'
            rows = crm.org.execute(
                f"select cast(id as varchar), {quoted} from hubspot.companies where not archived and {quoted} is not null"
            ).fetchall()
            for company, value in rows:
                crm.company_owner_properties.setdefault(company, {})[name] = value


def hubspot_ids(crm: CrmServer) -> dict[str, str]:
    """Salesforce id -> HubSpot id of every record the portal was made from."""
    with crm.lock:
        rows = crm.org.execute("select salesforce_id, cast(hubspot_id as varchar) from hubspot.id_map").fetchall()
    return dict(rows)
