"""HubSpot companies through the CRM v3 batch API: `hubspot_owner_id` is the account owner.

    destination = HubSpotDestination.from_env()
    report = sync(warehouse_path, destination)

Ids are HubSpot's own: the warehouse's account ids must be HubSpot company ids and its CRM owner
ids HubSpot owner ids (not user ids, not e-mails). Mapping from Salesforce-shaped ids is the
user's job, upstream in dbt; a non-numeric id is rejected here rather than sent.

HubSpot answers a batch in one of two ways: 207 multi-status with an `errors` array naming the
ids it could not write (the rest are written), or 400/404 for the whole batch when any input is
invalid (an unknown owner, say), writing nothing. The second is split in halves until the bad
records stand alone, so each comes back as its own failed RecordResult.
"""

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from bookflow.crm.http import RetryPolicy, Secret, describe_error
from bookflow.crm.hubspot import DEFAULT_BASE_URL, HubSpotCredentials, HubSpotSession
from reverse_etl.destinations.base import OwnerUpdate, RecordErrorCode, RecordResult
from reverse_etl.exceptions import DestinationError, sync_errors

OWNER_PROPERTY = "hubspot_owner_id"
_BATCH = 100  # HubSpot's maximum inputs per batch request
_WHOLE_BATCH_REJECTED = (400, 404, 409)
_COMPANY_ID = re.compile(r"^\d+$")


class HubSpotDestination:
    """Company owners in a HubSpot portal, with a private app's access token.

    The private app needs the crm.objects.companies.read and .write scopes.
    """

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 60.0,
        verify: bool | str | Path = True,
        retry: RetryPolicy | None = None,
        name: str = "hubspot",
    ) -> None:
        with sync_errors():
            credentials = HubSpotCredentials(Secret(access_token), base_url)
        self.name = name
        self.base_url = credentials.base_url
        self._session = HubSpotSession(credentials, timeout=timeout, verify=verify, retry=retry)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> "HubSpotDestination":
        """HUBSPOT_ACCESS_TOKEN (required) and HUBSPOT_BASE_URL; `options` go to the constructor."""
        with sync_errors():
            credentials = HubSpotCredentials.from_env(environ)
        return cls(credentials.access_token.reveal(), base_url=credentials.base_url, **options)

    def __repr__(self) -> str:
        return f"HubSpotDestination({self.base_url!r})"

    def read_owners(self, account_ids: Sequence[str]) -> dict[str, str | None]:
        """hubspot_owner_id per live company; archived, unknown and non-numeric ids are absent."""
        wanted = [account_id for account_id in dict.fromkeys(account_ids) if _COMPANY_ID.match(account_id)]
        owners: dict[str, str | None] = {}
        with sync_errors():
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                body = self._session.post(
                    "/crm/v3/objects/companies/batch/read",
                    {"properties": [OWNER_PROPERTY], "inputs": [{"id": account_id} for account_id in chunk]},
                    idempotent=True,  # a POST, but it only reads
                ).json()
                for company in body.get("results", []):
                    # HubSpot returns an unset property as null or "".
                    owners[str(company["id"])] = (company.get("properties") or {}).get(OWNER_PROPERTY) or None
        return owners

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Write `updates` 100 per request; one result per update, in order."""
        results: dict[int, RecordResult] = {}
        to_send: list[tuple[int, OwnerUpdate]] = []
        seen: set[str] = set()
        for position, update in enumerate(updates):
            if not _COMPANY_ID.match(update.account_id):
                results[position] = RecordResult.failure(
                    update.account_id, "INVALID_ID", "HubSpot company ids are numeric: map account ids upstream"
                )
            elif not update.owner_id:
                results[position] = RecordResult.failure(
                    update.account_id, RecordErrorCode.REQUIRED_FIELD_MISSING, "no owner id given"
                )
            elif update.account_id in seen:
                results[position] = RecordResult.failure(
                    update.account_id, RecordErrorCode.DUPLICATE_ID, "company appears twice in one write"
                )
            else:
                seen.add(update.account_id)
                to_send.append((position, update))
        with sync_errors():
            for start in range(0, len(to_send), _BATCH):
                chunk = to_send[start : start + _BATCH]
                for (position, _), result in zip(chunk, self._write_batch([u for _, u in chunk]), strict=True):
                    results[position] = result
        return [results[position] for position in range(len(updates))]

    def _write_batch(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        response: httpx.Response = self._session.post(
            "/crm/v3/objects/companies/batch/update",
            {
                "inputs": [
                    {"id": update.account_id, "properties": {OWNER_PROPERTY: update.owner_id}} for update in updates
                ]
            },
            idempotent=False,
            accept=_WHOLE_BATCH_REJECTED,
        )
        if response.status_code in _WHOLE_BATCH_REJECTED:
            # Nothing in the batch was written; isolate the records HubSpot objects to.
            if len(updates) == 1:
                message = describe_error(response)
                code, _, text = message.partition(": ")
                return [RecordResult.failure(updates[0].account_id, code or "REJECTED", text or message)]
            middle = len(updates) // 2
            return self._write_batch(updates[:middle]) + self._write_batch(updates[middle:])
        body = response.json()
        written = {str(company["id"]) for company in body.get("results", [])}
        failed: dict[str, RecordResult] = {}
        for error in body.get("errors", []):
            context = error.get("context") or {}
            for account_id in context.get("ids") or context.get("id") or []:
                failed[str(account_id)] = RecordResult.failure(
                    str(account_id), error.get("category") or "ERROR", error.get("message", "")
                )
        if not written and not failed and updates:
            raise DestinationError(f"HubSpot answered a batch update with an unexpected body: {str(body)[:200]}")
        return [
            failed.get(update.account_id)
            or (
                RecordResult.success(update.account_id)
                if update.account_id in written
                else RecordResult.failure(update.account_id, "NO_RESULT", "HubSpot returned no result for it")
            )
            for update in updates
        ]
