"""Inbound hand raisers: a sensor notices them, a small job matches, routes and syncs them in seconds.

Routing reads the cycle's published marts (routing_facts, rep_open_slots, rep_availability_windows,
account_match_keys), never the warehouse a daily run may be writing, so it never waits for one.
"""

import time
from pathlib import Path

import dagster as dg

from bookflow.inbound.routing import NotReady
from bookflow.inbound.service import route_and_sync
from bookflow.inbound.store import inbox_state
from bookflow.validation import InputError
from orchestration.publish_assets import published_marts
from orchestration.resources import BookflowSettings
from reverse_etl import SyncError

INBOUND_ROUTES_KEY = dg.AssetKey(["inbound", "routes"])


@dg.asset(
    key=INBOUND_ROUTES_KEY,
    # Routing starts from the last cycle's published marts; its own runs (the sensor's) route only.
    deps=[published_marts],
    group_name="inbound",
    description="Match new hand raises to accounts, route them to the rep at work with most room, sync at once.",
)
def inbound_routes(context: dg.AssetExecutionContext, bookflow: BookflowSettings) -> dg.MaterializeResult:
    bookflow.check()
    try:
        destination = None
        if bookflow.destination != "none":
            destination = bookflow.make_destination()
        result = route_and_sync(
            store=Path(bookflow.inbound_store_path),
            warehouse=Path(bookflow.warehouse_path),
            rules_dir=Path(bookflow.rules_dir),
            destination=destination,
        )
    except (NotReady, InputError, SyncError) as error:
        raise dg.Failure(description=str(error)) from error
    context.log.info(result.summary())
    for alert in result.routing.alerts:
        context.log.warning(alert)
    metadata: dict = {"hand_raises": result.routing.hand_raises, "alerts": len(result.routing.alerts)}
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
    description="Starts inbound routing when a hand raise lands in the inbox, and each minute while some wait queued.",
)
def inbound_hand_raises(context: dg.SensorEvaluationContext, bookflow: BookflowSettings):
    state = inbox_state(Path(bookflow.inbound_store_path))
    if state is None:
        return dg.SkipReason("no inbound store yet")
    latest, queued = state
    # A queued hand raise waits for a rep at work with room: look again once a minute.
    minute = time.strftime("%Y%m%d%H%M") if queued else ""
    marker = f"{latest.isoformat() if latest else ''}|{minute}"
    if not latest or marker == context.cursor:
        return dg.SkipReason("no hand raise received since the last run")
    context.update_cursor(marker)
    # One run per marker: a run routes everything new, so a burst needs only one.
    return dg.RunRequest(run_key=f"hand-raises-{marker}")
