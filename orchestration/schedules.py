"""When the cycle runs on its own: every morning, before reps start their day."""

from __future__ import annotations

import dagster as dg

from orchestration.dbt_project import crm_staging_path, manifest
from orchestration.extract_assets import LANDING_KEYS
from orchestration.inbound_assets import INBOUND_ROUTES_KEY
from orchestration.resources import CRMS, default_crm
from orchestration.translator import BookflowTranslator

# Inbound routing runs on its own, started by its sensor. The CRM pulls run when the source is a
# CRM's API (allocation_cycle_for).
CYCLE_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.assets(INBOUND_ROUTES_KEY, *LANDING_KEYS.values())
CYCLE_DESCRIPTION = "Extract, score, retrieve, deal and sync: one full dynamic-books cycle."
# deploy/dagster.yaml queues a second cycle behind this tag rather than run two at once.
CYCLE_TAGS = {"bookflow/cycle": "allocation"}


def staging_layer(crm: str) -> dg.AssetSelection:
    """The staging models of one CRM (models/staging/<crm>/) with their checks, and the checks
    on that CRM's raw tables (the tables themselves are the extract's, which lands both CRMs')."""
    translator, project = BookflowTranslator(), manifest()
    models = [
        translator.get_asset_key(node)
        for node in project["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith(crm_staging_path(crm))
    ]
    raw_tables = [
        translator.get_asset_key(source) for source in project["sources"].values() if source["source_name"] == crm
    ]
    return dg.AssetSelection.assets(*models) | dg.AssetSelection.checks_for_assets(*raw_tables)


def allocation_cycle_for(crm: str, pull: str | None = None) -> dg.UnresolvedAssetJobDefinition:
    """The cycle on the raw tables of `crm`, first pulling what changed in the API of `pull`
    (`bookflow run --source salesforce|hubspot`) if set.

    The other CRM's staging layer is left out: its views would read empty stand-ins (macros/crm.sql),
    and building and testing them took about a third of a cycle's dbt build on the small demo.
    The UI shows them materialized by the cycles of a warehouse of that CRM only.
    """
    selection = CYCLE_SELECTION
    for other in CRMS:
        if other != crm:
            selection -= staging_layer(other)
    description = CYCLE_DESCRIPTION
    if pull is not None:
        selection |= dg.AssetSelection.assets(LANDING_KEYS[pull])
        description += f" Pulls from {pull.title()}'s API first."
    return dg.define_asset_job("allocation_cycle", selection=selection, description=description, tags=CYCLE_TAGS)


# The daemon's cycle, on the CRM its environment names (BOOKFLOW_CRM). Its steps run one after
# another in one process: the Definitions' default executor.
allocation_cycle = allocation_cycle_for(default_crm())

daily_allocation = dg.ScheduleDefinition(
    job=allocation_cycle,
    name="daily_allocation",
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
)
