"""Alerts for runs the daemon starts (the daily schedule, the hand-raise sensor, a launch from the
UI): a failed run posts to the webhook (bookflow/alerts.py). `bookflow run` posts its own."""

import dagster as dg

from bookflow.alerts import failure_message, post_alert, webhook_url
from bookflow.summary import step_failure_lines

# `bookflow run` tags its runs: it alerts for them itself, with its log file's path.
STARTED_BY_TAG = "bookflow/started_by"


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a failed run (a failed rule check, a refused or failing sync among them) to "
    "the webhook in BOOKFLOW_ALERT_WEBHOOK_URL.",
)
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    if not webhook_url() or run.tags.get(STARTED_BY_TAG) == "bookflow run":
        return
    errors = step_failure_lines(context.get_step_failure_events()) or [context.failure_event.message or ""]
    as_of = run.tags.get("bookflow/as_of") or run.tags.get("dagster/scheduled_execution_time", "")[:10]
    title = f"bookflow: {run.job_name} run FAILED" + (f" for {as_of}" if as_of else "")
    problem = post_alert(failure_message(title, errors, footer=f"run {run.run_id} in the Dagster UI"))
    if problem:
        context.log.warning(problem)
