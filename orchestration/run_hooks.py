"""Hooks that tell whoever started a run in-process (`bookflow run`) when each step ends.

The `run_progress` resource is any object with `step_finished(step_key, succeeded)`; runs the
daemon starts do not carry these hooks.
"""

import dagster as dg

RUN_PROGRESS_KEY = "run_progress"


class NoProgress:
    """For a run nobody watches: step ends are not reported anywhere."""

    def step_finished(self, step_key: str, succeeded: bool) -> None:
        pass


@dg.success_hook(required_resource_keys={RUN_PROGRESS_KEY})
def report_step_succeeded(context: dg.HookContext) -> None:
    getattr(context.resources, RUN_PROGRESS_KEY).step_finished(context.step_key, True)


@dg.failure_hook(required_resource_keys={RUN_PROGRESS_KEY})
def report_step_failed(context: dg.HookContext) -> None:
    getattr(context.resources, RUN_PROGRESS_KEY).step_finished(context.step_key, False)


PROGRESS_HOOKS = {report_step_succeeded, report_step_failed}
