"""The dynamic world's daily cycle, one as-of day after another, in one long-lived process.

Each day runs what `bookflow run` runs: the cycle's first step (`land_cycle_inputs`: rules check,
raw tables landed from the simulation's CRM, inbound changes copied in), `dbt build` of every
model and data test (the rules of engagement: a broken rule stops the day), and the sync of the
ownership changes into the simulation's CRM through the reverse-ETL engine and its ledger.

What it leaves out is what a day of `bookflow run` spends outside the allocation: the dbt
subprocess start and project parse (dbt is called in-process through its programmatic entry
point, `dbtRunner`, reusing one parsed manifest for every day), Dagster's run bookkeeping, the
coverage marts and their history (the simulator measures both worlds itself), publishing for BI
tools and the book-health report; and, after the first day, reloading and retesting the rules,
which do not change during a run. The warehouse is the simulation's own, new on day one and
moved one day forward at a time, so the incremental models never need the full refresh that
`bookflow run` checks for.

dbt parses the whole project again whenever its profile differs from the last parse's, and the
DuckDB path is part of the profile: like `bookflow-dbt`, the simulation's process runs dbt from
the warehouse's folder with the file's name alone, and starts from the parse state the last
simulation on the same rules left (a sweep's second value, a rerun), a partial parse of seconds
instead of a full one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.extract import land_cycle_inputs
from bookflow.simulate.config import SimulationError
from bookflow.validation import InputError
from reverse_etl import DemoCrmDestination, SyncError, sync

# The simulation's CRM is a demo CRM, which holds Salesforce's objects: the models read those
# whatever BOOKFLOW_CRM says.
CRM_SHAPE = "salesforce"
# The coverage marts and their history only report; the simulator measures both worlds itself.
# HubSpot's staging views would read empty stand-ins, as the cycle leaves them out
# (orchestration/schedules.py).
NOT_NEEDED = ("path:models/marts/coverage", "path:models/staging/hubspot")
# The rules (seeds) are loaded and their tests run on the first day: they do not change during a
# run, so later days leave the rules tables as they are (a quarter of a day's dbt time).
LOADED_ONCE = ("resource_type:seed",)
# The name the simulation's dbt parse states are kept under, beside the slots of `bookflow run`.
STATE_SLOT = "simulate"


@dataclass
class PipelineDay:
    """What one day's cycle did and where its time went."""

    day: date
    extract_s: float = 0.0
    dbt_s: float = 0.0
    sync_s: float = 0.0
    synced: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.extract_s + self.dbt_s + self.sync_s


class Pipeline:
    """The cycle for one simulation's warehouse, rules and CRM; `run(day)` once per day, in order."""

    def __init__(self, *, warehouse: Path, rules_dir: Path, crm: Path, workdir: Path, verbose: bool) -> None:
        from dbt.cli.main import dbtRunner

        from orchestration.dbt_project import dbt_environment
        from orchestration.parse_states import keep_parse_state, seed_parse_state

        self.warehouse, self.rules_dir, self.crm = warehouse, rules_dir, crm
        # dbt's DuckDB path is the warehouse's file name, read in the working folder. The process
        # is the simulation's own (bookflow.simulate.runner), and every other path is absolute.
        os.chdir(warehouse.parent)
        target = workdir / "dbt_target"
        self.inbound_store = paths.inbound_store_path(warehouse)
        self._environment = dbt_environment
        # Its own target and log folders: other runs from this checkout use the project's.
        self._flags = [
            "--profiles-dir",
            str(paths.DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(workdir / "dbt_logs"),
            "--no-send-anonymous-usage-stats",
        ]
        if not verbose:
            # Nothing but errors on the screen, no debug log file, no artifacts nobody reads:
            # about a quarter of dbt's time on a small warehouse.
            self._flags += ["--quiet", "--log-level-file", "none", "--no-write-json"]
        with dbt_environment(warehouse.name, str(rules_dir), crm=CRM_SHAPE) as project:
            # The rules' own project, the same every day of the simulation.
            self._flags += ["--project-dir", str(project)]
            # A state kept apart from `bookflow run`'s slots.
            seed_parse_state(target, warehouse, STATE_SLOT)
            parsed = dbtRunner().invoke(["parse", *self._flags])
        if not parsed.success:
            raise SimulationError(f"dbt could not parse the project: {parsed.exception}")
        keep_parse_state(target, warehouse, STATE_SLOT)
        self._dbt = dbtRunner(manifest=parsed.result)
        self._rules_loaded = False

    def run(self, day: date) -> PipelineDay:
        from orchestration.dbt_project import daily_build_args

        outcome = PipelineDay(day)
        started = time.perf_counter()
        try:
            land_cycle_inputs(
                rules_dir=self.rules_dir,
                warehouse_path=self.warehouse,
                inbound_store_path=self.inbound_store,
                run_date=day,
                source="demo",
                crm=CRM_SHAPE,
                demo_crm_path=self.crm,
            )
        except (InputError, duckdb.Error) as error:
            raise SimulationError(f"{day}: the extract failed: {error}") from error
        outcome.extract_s = time.perf_counter() - started

        started = time.perf_counter()
        with self._environment(self.warehouse.name, str(self.rules_dir), day, CRM_SHAPE):
            excludes = NOT_NEEDED + (LOADED_ONCE if self._rules_loaded else ())
            built = self._dbt.invoke([*daily_build_args(*excludes), *self._flags])
        outcome.dbt_s = time.perf_counter() - started
        if not built.success:
            raise SimulationError(f"{day}: dbt build failed, nothing was synced:\n" + _failures(built))
        self._rules_loaded = True

        started = time.perf_counter()
        try:
            # The simulation owns its copy of the CRM: moving a whole static territory book on the
            # first day is the point, so the blast-radius guard is overridden.
            report = sync(self.warehouse, DemoCrmDestination(self.crm), force=True)
        except SyncError as error:
            raise SimulationError(f"{day}: the sync failed: {error}") from error
        outcome.sync_s = time.perf_counter() - started
        if report.counts.get("failed"):
            raise SimulationError(f"{day}: {report.counts['failed']} ownership changes failed to sync")
        outcome.synced = dict(report.counts)
        return outcome


def _failures(result) -> str:
    """The failing models and tests of a dbt result, one line each."""
    lines = []
    for node in getattr(result.result, "results", None) or []:
        if str(node.status) in ("error", "fail", "runtime error"):
            lines.append(f"  {node.node.resource_type} {node.node.name}: {(node.message or '').strip()}")
    if result.exception is not None:
        lines.append(f"  {result.exception}")
    return "\n".join(lines) or "  (dbt gave no reason)"
