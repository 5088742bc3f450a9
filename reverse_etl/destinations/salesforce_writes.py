"""The two ways SalesforceDestination writes one field of many accounts: sObject Collections
(REST, 200 records per request) and Bulk API 2.0 jobs; each returns one RecordResult per update,
in order.

REST writes go with allOrNone=false, so one rejected record (inactive owner, deleted account) is
a failed RecordResult and the rest are written. A Bulk API 2.0 job costs a handful of API calls
per 100,000 records instead of one per 200; each row's result comes back mapped to its record.
The field names reaching here are allowlisted by the destination.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from bookflow.crm.salesforce import SalesforceSession
from bookflow.crm.salesforce.bulk import BulkPolling, update_records
from bookflow.crm.transport import json_answer, json_body
from reverse_etl.destinations.base import OwnerUpdate, RecordResult
from reverse_etl.exceptions import DestinationError

COLLECTION_CHUNK = 200  # the sObject Collections maximum per request
_ACCOUNT = {"type": "Account"}  # every record's "attributes" in a collection write


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_collections(
    session: SalesforceSession, field: str, updates: Sequence[OwnerUpdate], extra: Mapping[str, str]
) -> list[RecordResult]:
    """`field` (and the `extra` fields) of each account by `PATCH /composite/sobjects`."""
    results: list[RecordResult] = []
    for chunk in _chunks(updates, COLLECTION_CHUNK):
        records = [{"attributes": _ACCOUNT, "id": update.account_id, field: update.owner_id} for update in chunk]
        if extra:
            records = [record | extra for record in records]
        response = session.api(
            "PATCH",
            f"{session.data_path}/composite/sobjects",
            idempotent=False,
            **json_body({"allOrNone": False, "records": records}),
        )
        body = json_answer(response)
        if not isinstance(body, list) or len(body) != len(chunk):
            raise DestinationError(
                f"Salesforce answered {len(chunk)} account updates with an unexpected body: {str(body)[:200]}"
            )
        # Results come back in request order; failed ones carry no id.
        results.extend(
            RecordResult(update.account_id, True) if item.get("success") else _collection_failure(update, item)
            for update, item in zip(chunk, body, strict=True)
        )
    return results


def write_bulk(
    session: SalesforceSession,
    field: str,
    updates: Sequence[OwnerUpdate],
    extra: Mapping[str, str],
    polling: BulkPolling,
) -> list[RecordResult]:
    """`field` (and the `extra` fields) of each account through Bulk API 2.0 update jobs."""
    columns = ["Id", field, *extra]
    # Bulk API 2.0 leaves a field as it is for an empty value and empties it for #N/A.
    rows = [[update.account_id, update.owner_id or "#N/A", *extra.values()] for update in updates]
    outcomes = update_records(session, "Account", columns, rows, polling=polling)
    return [
        RecordResult.success(update.account_id)
        if outcome.error_code is None
        else RecordResult.failure(update.account_id, outcome.error_code, outcome.error_message or "")
        for update, outcome in zip(updates, outcomes, strict=True)
    ]


def _collection_failure(update: OwnerUpdate, item: Mapping[str, Any]) -> RecordResult:
    errors = item.get("errors") or [{}]
    code = errors[0].get("statusCode") or "UNKNOWN"
    message = "; ".join(str(error.get("message", "")) for error in errors)
    return RecordResult.failure(update.account_id, code, message)
