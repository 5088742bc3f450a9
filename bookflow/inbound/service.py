"""One pass of inbound routing: poll the warehouse, route what is new, sync those changes to the CRM.

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

    def summary(self) -> str:
        outcomes = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.routing.outcomes.items()))
        line = f"{self.routing.hand_raises} hand raises settled" + (f" ({outcomes})" if outcomes else "")
        if self.polled:
            line += f"; {self.polled} new from the warehouse"
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
) -> InboundPass:
    """Poll, route, then sync every inbound change not settled yet (with None, only route).

    The sync also retries changes an earlier pass could not finish (a CRM error, a crash).
    The blast-radius guard is off: a pass moves only accounts that asked for contact.
    New changes also go to the warehouse's `marts.ownership_changes` when no cycle holds it.
    """
    polled = poll_warehouse(store, warehouse, hand_raise_types(rules_dir))
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
    return InboundPass(routing=routing, sync=report, polled=polled)
