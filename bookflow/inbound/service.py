"""One pass of inbound routing: route the new hand raises, then sync only those changes to the CRM.

The unit of work of the Dagster sensor's runs and of `bookflow watch`. The sync goes through the
reverse-ETL engine with the store's own ledger, so an inbound change is written at most once,
and a change the daily run made first shows up as a conflict rather than a second owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookflow.inbound.handoff import report_in_warehouse
from bookflow.inbound.routing import RoutingResult, route_hand_raises
from reverse_etl import sync
from reverse_etl.destinations.base import Destination
from reverse_etl.engine import SyncReport


@dataclass
class InboundPass:
    """What one pass routed and synced."""

    routing: RoutingResult
    sync: SyncReport | None

    def summary(self) -> str:
        outcomes = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.routing.outcomes.items()))
        line = f"{self.routing.hand_raises} new hand raises" + (f" ({outcomes})" if outcomes else "")
        if self.sync is not None and self.sync.planned:
            synced = ", ".join(f"{count} {status}" for status, count in sorted(self.sync.counts.items()))
            line += f"; synced to {self.sync.destination}: {synced}"
        return line


def route_and_sync(
    *,
    store: Path,
    crm: Path,
    rules_dir: Path,
    destination: Destination | None,
    warehouse: Path | None = None,
    batch_size: int = 200,
) -> InboundPass:
    """Route what is new, then sync every inbound change not settled yet (with None, only route).

    The sync also retries changes an earlier pass could not finish (a CRM error, a crash).
    The blast-radius guard is off: a pass moves only accounts that asked for contact.
    With `warehouse`, new changes also go to its `marts.ownership_changes` when it is free.
    """
    routing = route_hand_raises(store, crm, rules_dir)
    if warehouse is not None and routing.changes:
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
    return InboundPass(routing=routing, sync=report)
