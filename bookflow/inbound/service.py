"""One pass of inbound routing: read the CRM's hand raises, poll the warehouse, route what is new, sync those changes to the CRM.

The unit of work of the Dagster sensor's runs and of `bookflow watch`. The sync goes through the
reverse-ETL engine with the store's own ledger: it reads each account's owner back from the CRM
first, so an inbound change is written at most once, and an owner someone changed meanwhile (or
the daily run changed first) shows up as a conflict rather than a second owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bookflow import paths
from bookflow.crm.errors import CrmError
from bookflow.inbound.crm_source import CrmHandRaiseSource
from bookflow.inbound.handoff import report_in_warehouse
from bookflow.inbound.routing import RoutingResult, route_hand_raises
from bookflow.inbound.sources import poll_warehouse
from bookflow.inbound.webhook import hand_raise_types
from reverse_etl import sync
from reverse_etl.destinations.base import Destination
from reverse_etl.engine import SyncReport

PUBLISHED_DATABASE = "bookflow.duckdb"


def published_marts(warehouse: Path) -> Path:
    """Where routing reads the cycle's marts: the latest publication of `warehouse`."""
    return paths.publish_dir(warehouse) / PUBLISHED_DATABASE


@dataclass
class InboundPass:
    """What one pass polled, routed and synced."""

    routing: RoutingResult
    sync: SyncReport | None
    polled: int | None = None
    from_crm: int | None = None
    crm_error: str | None = None

    def summary(self) -> str:
        outcomes = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.routing.outcomes.items()))
        line = f"{self.routing.hand_raises} hand raises settled" + (f" ({outcomes})" if outcomes else "")
        if self.polled:
            line += f"; {self.polled} new from the warehouse"
        if self.from_crm:
            line += f"; {self.from_crm} new from the CRM"
        if self.sync is not None and self.sync.planned:
            synced = ", ".join(f"{count} {status}" for status, count in sorted(self.sync.counts.items()))
            line += f"; synced to {self.sync.destination}: {synced}"
        for alert in self.routing.alerts:
            line += f"\n  ALERT: {alert}"
        return line


def route_and_sync(
    *,
    store: Path,
    warehouse: Path,
    rules_dir: Path,
    destination: Destination | None,
    batch_size: int = 200,
    now: datetime | None = None,
    crm_source: CrmHandRaiseSource | None = None,
) -> InboundPass:
    """Poll, route, then sync every inbound change not settled yet (with None, only route).

    With `crm_source`, the CRM's own hand raises (leads, contacts) are read first; when the CRM
    fails, the pass routes the rest and says why (`crm_error`); the next read picks up from the
    same watermark. The sync also retries changes an earlier pass could not finish (a CRM error, a crash).
    The blast-radius guard is off: a pass moves only accounts that asked for contact.
    New changes also go to the warehouse's `marts.ownership_changes` when no cycle holds it.
    """
    types = hand_raise_types(rules_dir)
    from_crm, crm_error = None, None
    if crm_source is not None and types:
        try:
            from_crm = crm_source.poll(store, types[0])
        except CrmError as error:
            crm_error = f"reading hand raises from {crm_source.settings.crm} failed, retrying: {error}"
    polled = poll_warehouse(store, warehouse, types)
    routing = route_hand_raises(store, published_marts(warehouse), now=now)
    if routing.changes:
        report_in_warehouse(store, warehouse)
    report = None
    if destination is not None:
        report = sync(
            store,
            destination,
            changes_relation="inbound.ownership_changes",
            max_book_share=None,
            max_total_share=None,
            batch_size=batch_size,
        )
    return InboundPass(routing=routing, sync=report, polled=polled, from_crm=from_crm, crm_error=crm_error)
