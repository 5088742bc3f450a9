"""Raw CRM tables land in the warehouse: copied from the demo CRM, pulled from Salesforce or
HubSpot (an asset per CRM pulls into the landing, the extract publishes), or checked where users
load them.

Before anything is written (in the demo extract's transaction, on the CRM's tables before they
are copied; in the publish's transaction, on the published tables before they commit; before dbt
where users load the raw tables themselves), the users the rules name are checked against the
CRM's users (bookflow/references.py) and each raw table against the last good run
(bookflow/guards.py).
"""

from pathlib import Path

import dagster as dg
import duckdb

from bookflow.contract import HUBSPOT_RAW_TABLES, OPTIONAL_RAW_TABLES, RAW_TABLES
from bookflow.crm.errors import CrmError
from bookflow.extract import PULLED_SOURCES, land_cycle_inputs
from bookflow.guards import GuardStop, check_freshness, check_volumes
from bookflow.references import check_references
from bookflow.validation import InputError
from orchestration.dbt_project import freshness_rules, manifest
from orchestration.resources import BookflowSettings, CycleLock
from orchestration.translator import DEFAULT_OWNER

RAW_ASSET_KEYS = list(
    dict.fromkeys(
        dg.AssetKey([schema, table])
        for contract in (RAW_TABLES, OPTIONAL_RAW_TABLES, HUBSPOT_RAW_TABLES)
        for schema, tables in contract.items()
        for table in tables
    )
)
INBOUND_CHANGES_KEY = dg.AssetKey(["inbound", "ownership_changes"])
LANDING_KEYS = {crm: dg.AssetKey(["landing", crm]) for crm in PULLED_SOURCES}


def _source_descriptions() -> dict[dg.AssetKey, str]:
    """Each landed table's description, written once in the dbt sources' YAML."""
    return {
        dg.AssetKey([source["source_name"], source["name"]]): source.get("description") or ""
        for source in manifest()["sources"].values()
    }


# Inbound routing's record (its changes, cycle marks, hand raises), landed from its store with the
# raw tables (bookflow/inbound/handoff.py), so dbt reports it with the cycle's own: the dbt
# sources of schema inbound.
INBOUND_KEYS = sorted((key for key in _source_descriptions() if key.path[0] == "inbound"), key=lambda key: key.path)
LANDED_KEYS = [*RAW_ASSET_KEYS, *INBOUND_KEYS]

# The exit code of `bookflow run` when a guard stops it (bookflow/cycle.py reads it from the failure).
GUARD_STOP_EXIT_CODE = 3

# The ledger is written by the sync and read by dbt as ownership history: an input of the
# models, not an output of anything in this graph, or the graph would be a cycle.
sync_ledger = dg.AssetSpec(
    key=dg.AssetKey(["reverse_etl", "sync_ledger"]),
    description="What the sync has applied to the CRM; dbt reads it as ownership history.",
    group_name="extract",
    owners=[DEFAULT_OWNER],
)


def _landing_asset(crm: str) -> dg.AssetsDefinition:
    def landing(context: dg.AssetExecutionContext, bookflow: BookflowSettings, cycle_lock: CycleLock):
        from bookflow.crm.sdr_field import needed_sdr_field
        from bookflow.sources.run import pull_crm

        try:
            pulled = pull_crm(
                crm,
                Path(bookflow.warehouse_path),
                full_refresh=bookflow.full_refresh,
                sdr_field=needed_sdr_field(Path(bookflow.rules_dir), crm),
            )
        except (CrmError, InputError) as error:
            raise dg.Failure(description=str(error)) from error
        return dg.MaterializeResult(metadata={f"pulled_{table}": rows for table, rows in pulled.items()})

    landing.__name__ = f"{crm}_landing"  # the op's name
    return dg.asset(
        key=LANDING_KEYS[crm],
        group_name="extract",
        owners=[DEFAULT_OWNER],
        description=f"Pull what changed in {crm.title()} since the last pull (dlt cursors) into the landing "
        "beside the warehouse; crm_extract publishes the raw tables from it.",
    )(landing)


salesforce_landing = _landing_asset("salesforce")
hubspot_landing = _landing_asset("hubspot")


def guard_failure(error: GuardStop) -> dg.Failure:
    return dg.Failure(description=str(error), metadata={"exit_code": GUARD_STOP_EXIT_CODE})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            group_name="extract",
            skippable=False,
            description=_source_descriptions().get(key),
            owners=[DEFAULT_OWNER],
            deps=[LANDING_KEYS[key.path[0]]] if key.path[0] in LANDING_KEYS else [],
        )
        for key in LANDED_KEYS
    ],
    description="Land the raw CRM tables in the warehouse and check them against the input contract.",
)
def crm_extract(context: dg.AssetExecutionContext, bookflow: BookflowSettings, cycle_lock: CycleLock):
    bookflow.check()
    crm = bookflow.crm_in_use()
    rules, day = Path(bookflow.rules_dir), bookflow.run_date()
    limits = bookflow.guard_limits()
    notes: list[str] = []

    def check_input(con: duckdb.DuckDBPyConnection, catalog: str | None) -> None:
        if bookflow.source not in ("demo", *LANDING_KEYS):
            # Raw tables users load themselves: how old they are is the only sign of a stalled load.
            notes.extend(check_freshness(con, freshness_rules(crm), limits))
        check_references(con, rules, catalog, crm)
        accepted = check_volumes(con, day, limits, catalog, crm)
        notes.extend(f"accepted: {drop}" for drops in accepted.values() for drop in drops)

    try:
        counts, inbound_changes = land_cycle_inputs(
            rules_dir=rules,
            warehouse_path=Path(bookflow.warehouse_path),
            inbound_store_path=Path(bookflow.inbound_store_path),
            run_date=day,
            source=bookflow.source,
            crm=crm,
            demo_crm_path=Path(bookflow.demo_crm_path),
            full_refresh=bookflow.full_refresh,
            check=check_input,
        )
    except InputError as error:
        raise dg.Failure(description=str(error)) from error
    except GuardStop as error:
        raise guard_failure(error) from error
    for note in notes:
        context.log.warning(note)
    for key in RAW_ASSET_KEYS:
        rows = counts.get(".".join(key.path))
        yield dg.MaterializeResult(asset_key=key, metadata={"rows": rows} if rows is not None else {})
    for key in INBOUND_KEYS:
        metadata = {"rows": inbound_changes, "notes": "\n".join(notes)} if key == INBOUND_CHANGES_KEY else {}
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
