"""Bulk API 2.0 ingest: update many records in one job, with each record's result read back.

A job costs a handful of API calls per 100,000 records instead of one call per 200, so large
writes go this way. Creating and filling a job applies nothing, so those calls may be resent;
`UploadComplete` starts the writes and is sent once. If its answer is lost, the job's state says
whether it arrived (Open: it did not, and it is sent again; any later state: the job runs).
A job that does not finish within the polling timeout raises CrmAnswerLost: it may still apply
its records, so the caller reads them back.
"""

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bookflow.crm.errors import CrmAnswerLost, CrmRequestError
from bookflow.crm.salesforce.session import SalesforceSession

JOB_RECORDS = 100_000  # per ingest job: ~4 MB of CSV, far below the 150 MB upload limit


@dataclass(frozen=True)
class BulkRecordResult:
    """One row's outcome: `error_code` None when it was written."""

    record_id: str
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class BulkPolling:
    """How long to wait for a job, and how often to ask."""

    timeout: float = 1800.0
    interval: float = 2.0
    max_interval: float = 30.0


def update_records(
    session: SalesforceSession,
    sobject: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    polling: BulkPolling | None = None,
) -> list[BulkRecordResult]:
    """Update `rows` (the first column is the record Id) of `sobject`; one result per row, in order."""
    polling = polling or BulkPolling()
    results: list[BulkRecordResult] = []
    for start in range(0, len(rows), JOB_RECORDS):
        results.extend(_run_job(session, sobject, columns, rows[start : start + JOB_RECORDS], polling))
    return results


def _run_job(
    session: SalesforceSession,
    sobject: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    polling: BulkPolling,
) -> list[BulkRecordResult]:
    jobs = f"{session.data_path}/jobs/ingest"
    job = session.api(
        "POST",
        jobs,
        idempotent=True,
        json={"object": sobject, "operation": "update", "contentType": "CSV", "lineEnding": "LF"},
    ).json()
    job_url = f"{jobs}/{job['id']}"
    upload = io.StringIO()
    writer = csv.writer(upload, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    session.api(
        "PUT",
        f"{job_url}/batches",
        idempotent=True,
        content=upload.getvalue().encode(),
        headers={"Content-Type": "text/csv"},
    )
    _start_job(session, job_url)
    state = _wait_for_job(session, job_url, job["id"], polling)

    outcome: dict[str, BulkRecordResult] = {}
    for row in _results_csv(session, f"{job_url}/successfulResults/"):
        outcome[row["Id"]] = BulkRecordResult(row["Id"])
    for row in _results_csv(session, f"{job_url}/failedResults/"):
        code, _, message = row.get("sf__Error", "").partition(":")
        outcome[row["Id"]] = BulkRecordResult(row["Id"], code or "UNKNOWN", message.removesuffix(":--"))
    if state["state"] != "JobComplete" and not outcome:
        raise CrmRequestError(
            f"Salesforce Bulk API job {job['id']} ended {state['state']} without processing a record: "
            f"{state.get('errorMessage') or 'no message'}"
        )
    unprocessed = f"not processed: Bulk API job {job['id']} ended {state['state']}"
    if state.get("errorMessage"):
        unprocessed += f": {state['errorMessage']}"
    return [outcome.get(row[0]) or BulkRecordResult(row[0], "NOT_PROCESSED", unprocessed) for row in rows]


def _start_job(session: SalesforceSession, job_url: str) -> None:
    for _ in range(3):
        try:
            session.api("PATCH", job_url, idempotent=False, json={"state": "UploadComplete"})
            return
        except CrmAnswerLost:
            # The job's state tells whether the lost request arrived; reading it changes nothing.
            if session.api("GET", job_url, idempotent=True).json().get("state") != "Open":
                return
    raise CrmRequestError(f"Salesforce Bulk API job {job_url.rsplit('/', 1)[-1]} could not be started: answers lost")


def _wait_for_job(session: SalesforceSession, job_url: str, job_id: str, polling: BulkPolling) -> dict[str, Any]:
    deadline = time.monotonic() + polling.timeout
    interval = polling.interval
    while True:
        state = session.api("GET", job_url, idempotent=True).json()
        if state["state"] in ("JobComplete", "Failed", "Aborted"):
            return state
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            # The job keeps running in Salesforce; the next sync reads back what it applied.
            raise CrmAnswerLost(
                f"Salesforce Bulk API job {job_id} still {state['state']} after {polling.timeout:.0f}s; "
                "it may still apply its records, so they are read back"
            )
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, polling.max_interval)


def _results_csv(session: SalesforceSession, url: str) -> list[dict[str, str]]:
    text = session.api("GET", url, idempotent=True).text
    return list(csv.DictReader(io.StringIO(text)))
