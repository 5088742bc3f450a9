"""Run settings shared by the assets: where the warehouse, rules and CRM are, and the run date."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from bookflow import paths
from bookflow.guards import GuardLimits, limits_for
from orchestration.dbt_project import CRM_ENV, bookflow_dbt_project, dbt_executable
from reverse_etl.duckdb_files import DEFAULT_CYCLE_LOCK_TIMEOUT_S, cycle_lock
from reverse_etl.guard import DEFAULT_LIMITS

SOURCES = ("demo", "warehouse", "salesforce", "hubspot")
CRMS = ("salesforce", "hubspot")
DESTINATIONS = ("demo", "csv", "salesforce", "hubspot", "none")


def default_crm() -> str:
    """Whose raw tables the warehouse holds when neither the source nor the caller says."""
    return os.environ.get(CRM_ENV) or "salesforce"


class BookflowSettings(dg.ConfigurableResource):
    """Where one allocation cycle reads and writes.

    source: `demo` extracts raw tables from the demo CRM file; `warehouse` means the user loaded
    them into the warehouse already; `salesforce` and `hubspot` extract them from the CRM's API
    (bookflow.sources, credentials from env vars). crm: whose tables the warehouse holds when the
    source does not say (`warehouse`; env BOOKFLOW_CRM). destination: `demo` writes owners back to the demo CRM,
    `csv` exports a Data Loader file, `salesforce` and `hubspot` write to a real CRM with
    credentials from env vars, `none` only plans. force, max_book_share and max_total_share are the
    sync's blast-radius guard (reverse_etl.engine.sync says why the defaults are what they are).
    """

    warehouse_path: str
    rules_dir: str
    demo_crm_path: str
    inbound_store_path: str = ""
    as_of: str | None = None
    source: str = "demo"
    crm: str = "salesforce"
    destination: str = "demo"
    force: bool = False
    max_book_share: float = DEFAULT_LIMITS.max_book_share
    max_total_share: float = DEFAULT_LIMITS.max_total_share
    csv_export_path: str | None = None
    # Rebuild incremental models and re-copy activities from scratch instead of topping them up.
    full_refresh: bool = False
    # The input guards (bookflow/guards.py): unset limits come from settings.csv, then the defaults.
    accept_volume_change: bool = False
    max_volume_drop: float | None = None
    max_quarantine_share: float | None = None

    def crm_in_use(self) -> str:
        """The CRM whose raw tables the models read: the source's, or the `crm` setting."""
        return self.source if self.source in CRMS else self.crm

    def run_date(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else date.today()

    def guard_limits(self) -> GuardLimits:
        return limits_for(
            Path(self.rules_dir),
            max_volume_drop=self.max_volume_drop,
            max_quarantine_share=self.max_quarantine_share,
            accept=self.accept_volume_change,
        )

    def make_destination(self):
        """The destination these settings name (not for `none`, which writes nowhere)."""
        from bookflow.destinations import make_destination

        return make_destination(
            self.destination,
            warehouse_path=Path(self.warehouse_path),
            demo_crm_path=Path(self.demo_crm_path),
            csv_path=Path(self.csv_export_path) if self.csv_export_path else None,
        )

    def check(self) -> None:
        if self.source not in SOURCES:
            raise dg.Failure(f"source must be one of {SOURCES}, got {self.source!r}")
        if self.crm not in CRMS:
            raise dg.Failure(f"crm must be one of {CRMS}, got {self.crm!r}")
        if self.destination not in DESTINATIONS:
            raise dg.Failure(f"destination must be one of {DESTINATIONS}, got {self.destination!r}")
        for name in ("max_book_share", "max_total_share", "max_volume_drop", "max_quarantine_share"):
            if (getattr(self, name) or 0) < 0:
                raise dg.Failure(f"{name} must be at least 0, got {getattr(self, name)}")


class CycleLock(dg.ConfigurableResource):
    """The warehouse's cycle lock, held from the start of a run to its end, however it started
    (`bookflow run`, the daily schedule through the daemon, a materialization in the UI).

    Every cycle asset asks for it, and with the in-process executor Dagster sets a run's
    resources up once before its first step and tears them down after its last, so the lock
    spans every step: routing's early report (bookflow.inbound.handoff) cannot slip between them.
    """

    warehouse_path: str
    # How long a run waits for another run's lock before it fails, saying whose lock it is.
    timeout_s: float = DEFAULT_CYCLE_LOCK_TIMEOUT_S

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[CycleLock]:
        with cycle_lock(Path(self.warehouse_path), timeout_s=self.timeout_s, on_wait=context.log.warning):
            yield self


def build_resources(
    *,
    warehouse_path: Path | None = None,
    rules_dir: Path | None = None,
    demo_crm_path: Path | None = None,
    inbound_store_path: Path | None = None,
    as_of: date | None = None,
    source: str = "demo",
    destination: str = "demo",
    crm: str | None = None,
    csv_export_path: Path | None = None,
    force: bool = False,
    max_book_share: float | None = None,
    max_total_share: float | None = None,
    full_refresh: bool = False,
    accept_volume_change: bool = False,
    max_volume_drop: float | None = None,
    max_quarantine_share: float | None = None,
    lock_timeout_s: float = DEFAULT_CYCLE_LOCK_TIMEOUT_S,
) -> dict[str, object]:
    """Resources for one cycle; unset paths fall back to bookflow.paths (env vars, then data/)."""
    settings = BookflowSettings(
        warehouse_path=str(warehouse_path or paths.warehouse_path()),
        rules_dir=str(rules_dir or paths.rules_dir()),
        demo_crm_path=str(demo_crm_path or paths.demo_crm_path()),
        inbound_store_path=str(inbound_store_path or paths.inbound_store_path(warehouse_path)),
        as_of=as_of.isoformat() if as_of else None,
        source=source,
        crm=crm or default_crm(),
        destination=destination,
        csv_export_path=str(csv_export_path) if csv_export_path else None,
        force=force,
        max_book_share=DEFAULT_LIMITS.max_book_share if max_book_share is None else max_book_share,
        max_total_share=DEFAULT_LIMITS.max_total_share if max_total_share is None else max_total_share,
        full_refresh=full_refresh,
        accept_volume_change=accept_volume_change,
        max_volume_drop=max_volume_drop,
        max_quarantine_share=max_quarantine_share,
    )
    dbt = DbtCliResource(project_dir=bookflow_dbt_project, dbt_executable=dbt_executable())
    lock = CycleLock(warehouse_path=settings.warehouse_path, timeout_s=lock_timeout_s)
    return {"bookflow": settings, "dbt": dbt, "cycle_lock": lock}
