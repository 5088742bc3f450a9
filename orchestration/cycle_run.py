"""One allocation cycle started in-process (`bookflow run`), recorded in a Dagster instance.

It runs the schedule's own `allocation_cycle` job, so the UI lists it beside the daemon's runs
under the same name, with its materializations and check results on the assets.
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from orchestration.definitions import ALL_ASSETS
from orchestration.run_hooks import PROGRESS_HOOKS, RUN_PROGRESS_KEY, NoProgress
from orchestration.schedules import allocation_cycle_for


def execute_cycle(
    resources: Mapping[str, object],
    *,
    log_level: str = "WARNING",
    progress: object | None = None,
    tags: Mapping[str, str] | None = None,
    instance: dg.DagsterInstance | None = None,
    pull: str | None = None,
) -> dg.ExecuteInProcessResult:
    """Run every step of the cycle in this process; `progress.step_finished` hears of each step's end.

    The run is recorded in `instance`: the project's (orchestration/instance.py) for the runs a
    person starts, so the UI shows them; an in-memory one when none is given, for the cycles of
    simulations, benchmarks and tests, which would only crowd the UI (and pay the persistent
    instance's writes, about 550 events per run). `pull` names the CRM whose API the cycle
    extracts from (its landing asset runs first), None for the demo or the warehouse's own tables.
    """
    job_def = allocation_cycle_for(resources["bookflow"].crm_in_use(), pull)
    defs = dg.Definitions(
        assets=ALL_ASSETS,
        jobs=[job_def],
        resources={**resources, RUN_PROGRESS_KEY: dg.ResourceDefinition.hardcoded_resource(progress or NoProgress())},
        executor=dg.in_process_executor,
    )
    job = defs.resolve_job_def(job_def.name).with_hooks(PROGRESS_HOOKS)
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        raise_on_error=False,
        tags=dict(tags or {}),
    )
