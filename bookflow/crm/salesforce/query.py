"""Reading records out of Salesforce: describe, SOQL pages over REST (query / queryAll) and
Bulk API 2.0 query jobs. Every answer's `Sforce-Limit-Info` is read by the session's budget
(bookflow.crm.budget), from which the caller claims the calls of large reads first (`session.budget.claim`).

    fields = readable_fields(session, "Account")       # raises naming the object and permission
    for page in rest_pages(session, soql, include_deleted=True): ...
    for csv_text in bulk_pages(session, soql, include_deleted=True): ...

REST returns 2,000 records per call; a Bulk API 2.0 job costs a few calls for any size (its
result pages are as large as `max_records`), so large reads go that way. queryAll (and the
Bulk `queryAll` operation) also return deleted records, which is how an extract learns of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bookflow.crm.errors import CrmConfigurationError, CrmRequestError
from bookflow.crm.salesforce.session import SalesforceSession

REST_PAGE = 2000  # records per REST query answer (Salesforce's default and largest batch size)


@dataclass(frozen=True)
class QueryPolling:
    """How long to wait for a Bulk API 2.0 query job, and how often to ask."""

    timeout: float = 3600.0
    interval: float = 0.5
    max_interval: float = 10.0


def readable_fields(session: SalesforceSession, sobject: str) -> set[str]:
    """The fields of `sobject` the integration user can read; an error that says what to grant if
    the object is not there (a custom object not installed, or no Read permission on it)."""
    try:
        response = session.api("GET", f"{session.data_path}/sobjects/{sobject}/describe", idempotent=True)
    except CrmConfigurationError as error:
        if "HTTP 404" not in str(error):
            raise
        raise CrmConfigurationError(
            f"Salesforce object {sobject} is not available to the integration user: "
            + ("install the custom object, or " if sobject.endswith("__c") else "")
            + f"grant its profile or a permission set Read on {sobject} (Object Settings > {sobject} > Read)"
        ) from None
    return {field["name"] for field in response.json().get("fields", [])}


def require_fields(sobject: str, wanted: list[str], readable: set[str]) -> None:
    """Raise naming each field the integration user cannot read, and the permission to grant."""
    readable_lower = {name.lower() for name in readable}
    missing = [field for field in wanted if field.lower() not in readable_lower]
    if missing:
        raise CrmConfigurationError(
            f"Salesforce object {sobject}: the integration user cannot read "
            + ", ".join(f"{sobject}.{field}" for field in missing)
            + ": grant Read access to "
            + ("these fields" if len(missing) > 1 else "this field")
            + f" in Field-Level Security (Object Manager > {sobject} > Fields > Set Field-Level Security), "
            "or create the field if the org lacks it"
        )


def count(session: SalesforceSession, sobject: str, where: str) -> int:
    """How many records (deleted ones too) match: one REST call, which sizes what follows."""
    response = session.api(
        "GET",
        f"{session.data_path}/queryAll",
        idempotent=True,
        params={"q": f"SELECT COUNT() FROM {sobject} WHERE {where}"},
    )
    return int(response.json()["totalSize"])


def rest_pages(session: SalesforceSession, soql: str, *, include_deleted: bool) -> Iterator[list[dict[str, Any]]]:
    """Every record of `soql` without its `attributes`, one REST answer (up to 2,000 records) at a time."""
    for page in session.query_pages(soql, include_deleted=include_deleted):
        yield [{k: v for k, v in record.items() if k != "attributes"} for record in page]


def bulk_pages(
    session: SalesforceSession,
    soql: str,
    *,
    include_deleted: bool,
    max_records: int = 100_000,
    polling: QueryPolling | None = None,
) -> Iterator[str]:
    """Every record of `soql` through a Bulk API 2.0 query job: CSV pages (header line first).

    A result page is fetched by its locator, which Salesforce keeps for the job's life, so a page
    whose answer was lost is simply asked for again.
    """
    polling = polling or QueryPolling()
    jobs = f"{session.data_path}/jobs/query"

    def call(method: str, url: str, **kwargs: Any):
        return session.api(method, url, idempotent=True, **kwargs)

    operation = "queryAll" if include_deleted else "query"
    job = call("POST", jobs, json={"operation": operation, "query": soql, "contentType": "CSV", "lineEnding": "LF"})
    job_id = job.json()["id"]
    _wait_for(call, f"{jobs}/{job_id}", job_id, polling)
    locator: str | None = None
    while True:
        params = {"maxRecords": str(max_records)}
        if locator:
            params["locator"] = locator
        response = call("GET", f"{jobs}/{job_id}/results", params=params)
        yield response.text
        locator = response.headers.get("Sforce-Locator")
        if not locator or locator == "null":
            break
    call("DELETE", f"{jobs}/{job_id}")


def _wait_for(call, url: str, job_id: str, polling: QueryPolling) -> None:
    deadline = time.monotonic() + polling.timeout
    interval = polling.interval
    while True:
        state = call("GET", url).json()
        if state["state"] == "JobComplete":
            return
        if state["state"] in ("Failed", "Aborted"):
            raise CrmRequestError(
                f"Salesforce Bulk API query job {job_id} ended {state['state']}: {state.get('errorMessage') or 'no message'}"
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CrmRequestError(
                f"Salesforce Bulk API query job {job_id} still {state['state']} after {polling.timeout:.0f}s"
            )
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, polling.max_interval)
