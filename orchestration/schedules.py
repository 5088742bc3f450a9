"""When the cycle runs on its own: every morning, before reps start their day."""

from __future__ import annotations

import dagster as dg

from orchestration.inbound_assets import INBOUND_ROUTES_KEY

allocation_cycle = dg.define_asset_job(
    "allocation_cycle",
    # Inbound routing runs on its own, started by its sensor.
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(INBOUND_ROUTES_KEY),
    description="Extract, score, retrieve, deal and sync: one full dynamic-books cycle.",
    # deploy/dagster.yaml queues a second cycle behind this tag rather than run two at once.
    tags={"bookflow/cycle": "allocation"},
    # Steps run one after another in one process: the Definitions' default executor.
)

daily_allocation = dg.ScheduleDefinition(
    job=allocation_cycle,
    name="daily_allocation",
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
)
