"""When the cycle runs on its own: every morning, before reps start their day."""

from __future__ import annotations

import dagster as dg

from orchestration.extract_assets import LANDING_KEYS
from orchestration.inbound_assets import INBOUND_ROUTES_KEY

# Inbound routing runs on its own, started by its sensor. The CRM pulls run when the source is a
# CRM's API (allocation_cycle_from).
CYCLE_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.assets(INBOUND_ROUTES_KEY, *LANDING_KEYS.values())
CYCLE_DESCRIPTION = "Extract, score, retrieve, deal and sync: one full dynamic-books cycle."
# deploy/dagster.yaml queues a second cycle behind this tag rather than run two at once.
CYCLE_TAGS = {"bookflow/cycle": "allocation"}

allocation_cycle = dg.define_asset_job(
    "allocation_cycle",
    selection=CYCLE_SELECTION,
    description=CYCLE_DESCRIPTION,
    tags=CYCLE_TAGS,
    # Steps run one after another in one process: the Definitions' default executor.
)


def allocation_cycle_from(crm: str) -> dg.UnresolvedAssetJobDefinition:
    """The same cycle, under the same name, first pulling what changed in `crm`'s API
    (`bookflow run --source salesforce|hubspot`)."""
    return dg.define_asset_job(
        allocation_cycle.name,
        selection=CYCLE_SELECTION | dg.AssetSelection.assets(LANDING_KEYS[crm]),
        description=f"{CYCLE_DESCRIPTION} Pulls from {crm.title()}'s API first.",
        tags=CYCLE_TAGS,
    )


daily_allocation = dg.ScheduleDefinition(
    job=allocation_cycle,
    name="daily_allocation",
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
)
