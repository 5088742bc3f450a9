"""Wires bookflow's assets, resources and schedules together; adds nothing of its own."""

from __future__ import annotations

import dagster as dg

from orchestration.alert_sensors import alert_on_run_failure
from orchestration.allocation_assets import allocation_dbt_assets
from orchestration.extract_assets import crm_extract, hubspot_landing, salesforce_landing, sync_ledger
from orchestration.inbound_assets import inbound_hand_raises, inbound_routes, inbound_routing
from orchestration.publish_assets import published_marts
from orchestration.report_assets import book_health_report
from orchestration.resources import build_resources
from orchestration.schedules import allocation_cycle, daily_allocation
from orchestration.sync_assets import crm_sync
from orchestration.translator import with_default_owner

ALL_ASSETS = dg.map_asset_specs(
    with_default_owner,
    [
        salesforce_landing,
        hubspot_landing,
        crm_extract,
        sync_ledger,
        allocation_dbt_assets,
        crm_sync,
        published_marts,
        inbound_routes,
        book_health_report,
    ],
)

defs = dg.Definitions(
    assets=ALL_ASSETS,
    resources=build_resources(),
    jobs=[allocation_cycle, inbound_routing],
    schedules=[daily_allocation],
    sensors=[inbound_hand_raises, alert_on_run_failure],
    # One DuckDB file, one writer; and a run's resources, the cycle lock among them, are then set
    # up once for all its steps, also when assets are materialized from the UI outside a job.
    executor=dg.in_process_executor,
)
