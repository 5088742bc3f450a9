"""Inbound hand raisers: a sensor notices them, a small job routes and syncs them within seconds.

The daily cycle feeds routing a capacity snapshot after its models are built; the routing job
itself never touches the warehouse, so a daily run writing it does not hold hand raisers up.
"""

from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from bookflow.inbound.crm_read import latest_hand_raise
from bookflow.inbound.handoff import publish_capacity_snapshot
from bookflow.inbound.routing import NotReady
from bookflow.inbound.service import route_and_sync
from bookflow.validation import InputError
from orchestration.allocation_assets import allocation_dbt_assets
from orchestration.resources import BookflowSettings, CycleLock
from reverse_etl import SyncError

INBOUND_ROUTES_KEY = dg.AssetKey(["inbound", "routes"])


@dg.asset(
    key=dg.AssetKey(["inbound", "capacity_snapshot"]),
    deps=[
        get_asset_key_for_model([allocation_dbt_assets], "rep_capacity"),
        get_asset_key_for_model([allocation_dbt_assets], "account_status"),
    ],
    group_name="inbound",
    description="Each rep's capacity and book after this cycle, copied to the inbound store for routing.",
)
def inbound_capacity_snapshot(bookflow: BookflowSettings, cycle_lock: CycleLock) -> dg.MaterializeResult:
    reps = publish_capacity_snapshot(Path(bookflow.warehouse_path), Path(bookflow.inbound_store_path))
    return dg.MaterializeResult(metadata={"reps": reps, "store": bookflow.inbound_store_path})


@dg.asset(
    key=INBOUND_ROUTES_KEY,
    # Routing starts from the last cycle's snapshot; its own runs (the sensor's) route only.
    deps=[inbound_capacity_snapshot],
    group_name="inbound",
    description="Route new hand raises to the rep with most open capacity and sync them to the CRM at once.",
)
def inbound_routes(context: dg.AssetExecutionContext, bookflow: BookflowSettings) -> dg.MaterializeResult:
    bookflow.check()
    try:
        destination = None
        if bookflow.destination != "none":
            destination = bookflow.make_destination()
        result = route_and_sync(
            store=Path(bookflow.inbound_store_path),
            crm=Path(bookflow.demo_crm_path),
            rules_dir=Path(bookflow.rules_dir),
            destination=destination,
            warehouse=Path(bookflow.warehouse_path),
        )
    except (NotReady, InputError, SyncError) as error:
        raise dg.Failure(description=str(error)) from error
    context.log.info(result.summary())
    metadata: dict = {"hand_raises": result.routing.hand_raises}
    metadata.update({f"outcome_{outcome}": count for outcome, count in result.routing.outcomes.items()})
    if result.sync is not None:
        metadata.update({f"sync_{status}": count for status, count in result.sync.counts.items()})
        if result.sync.counts.get("failed"):
            raise dg.Failure(
                description=f"{result.sync.counts['failed']} inbound changes failed to sync; retried on the next pass",
                metadata=metadata,
            )
    return dg.MaterializeResult(metadata=metadata)


inbound_routing = dg.define_asset_job(
    "inbound_routing",
    selection=dg.AssetSelection.assets(INBOUND_ROUTES_KEY),
    description="Route and sync hand raises received since the last pass.",
    executor_def=dg.in_process_executor,
)


@dg.sensor(
    job=inbound_routing,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts inbound routing when a hand raise lands in the CRM's signals table.",
)
def inbound_hand_raises(context: dg.SensorEvaluationContext, bookflow: BookflowSettings):
    latest = latest_hand_raise(Path(bookflow.demo_crm_path), Path(bookflow.rules_dir))
    if latest is None or (context.cursor and latest.isoformat() <= context.cursor):
        return dg.SkipReason("no hand raise received since the last run")
    context.update_cursor(latest.isoformat())
    # One run per newest hand raise: a run routes everything new, so a burst needs only one.
    return dg.RunRequest(run_key=f"hand-raises-up-to-{latest.isoformat()}")
