"""HubSpot companies through the CRM v3 batch API: `hubspot_owner_id` is the account owner.

    destination = HubSpotDestination.from_env()
    report = sync(warehouse_path, destination)

Ids are HubSpot's own: the warehouse's account ids must be HubSpot company ids and its CRM owner
ids HubSpot owner ids (not user ids, not e-mails). Mapping from Salesforce-shaped ids is the
user's job, upstream in dbt; a non-numeric id is refused before the sync starts (`invalid_ids`),
since HubSpot could not accept it.

HubSpot answers a batch in one of two ways: 207 multi-status with an `errors` array naming the
ids it could not write (the rest are written), or 400 for the whole batch when any input is
invalid (an unknown owner, say), writing nothing. So owners are checked first against the
portal's owners list (GET /crm/v3/owners, read once per session): an update naming an owner
HubSpot does not list fails on its own without a request. A whole-batch 400 that still comes is
answered sparingly: the records carrying a value the error names fail and the rest are resent,
else the batch is halved, at most `split_requests` extra requests per batch; records still not
isolated then fail with HubSpot's message and are retried on later syncs.

An update without an owner unassigns the company (`hubspot_owner_id` empty): in HubSpot an
unowned company is bookflow's pool.

Requests pace themselves by the X-HubSpot-RateLimit-* headers (bookflow.crm.budget).
"""

import logging
import re
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import httpx

from bookflow.crm.errors import CrmConfigurationError
from bookflow.crm.http import Secret, describe_error
from bookflow.crm.hubspot import DEFAULT_BASE_URL, HubSpotCredentials, HubSpotSession
from bookflow.crm.transport import json_answer
from reverse_etl.destinations.base import OwnerUpdate, RecordErrorCode, RecordResult
from reverse_etl.exceptions import ConfigurationError, DestinationError, sync_errors

log = logging.getLogger(__name__)

OWNER_PROPERTY = "hubspot_owner_id"
_BATCH = 100  # HubSpot's maximum inputs per batch request
_OWNERS_PAGE = 500  # the owners list's largest page
_WHOLE_BATCH_REJECTED = (400, 404, 409)
_NUMERIC = re.compile(r"^\d+$")


class HubSpotDestination:
    """Company owners in a HubSpot portal, with a private app's access token.

    The private app needs the crm.objects.companies.read and .write scopes, and
    crm.objects.owners.read for the owner check (without it the check is skipped, with a warning).
    Other owner properties than hubspot_owner_id are written only when in `allowed_properties`;
    `field_columns` maps the warehouse's column of such a property (an OwnerUpdate's `field`, e.g.
    property_sdr_owner) to the property (sdr_owner).
    """

    max_batch = _BATCH

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        allowed_properties: Collection[str] = (),
        field_columns: Mapping[str, str] | None = None,
        split_requests: int = 8,
        name: str = "hubspot",
        **session: Any,
    ) -> None:
        """`session` goes to HubSpotSession: timeout, verify, retry, connections."""
        with sync_errors():
            credentials = HubSpotCredentials(Secret(access_token), base_url)
        self.name = name
        self.base_url = credentials.base_url
        self.allowed_properties = {OWNER_PROPERTY, *allowed_properties}
        self.field_columns = dict(field_columns or {})
        self.split_requests = split_requests
        self._session = HubSpotSession(credentials, **session)
        self._owners: set[str] | None = None
        self._owners_lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> "HubSpotDestination":
        """HUBSPOT_ACCESS_TOKEN (required) and HUBSPOT_BASE_URL; `options` go to the constructor."""
        with sync_errors():
            credentials = HubSpotCredentials.from_env(environ)
        return cls(credentials.access_token.reveal(), base_url=credentials.base_url, **options)

    def __repr__(self) -> str:
        return f"HubSpotDestination({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    @staticmethod
    def invalid_ids(account_ids: Collection[str], owner_ids: Collection[str]) -> list[str]:
        """Each company or owner id HubSpot cannot accept: both are numeric."""
        found = []
        for kind, values in (("company", account_ids), ("owner", owner_ids)):
            found += [f"{kind} id {value!r}: not numeric" for value in sorted(set(values)) if not _NUMERIC.match(value)]
        return found

    def writes_field(self, field: str) -> bool:
        """Whether `field` is an owner property this destination may write (in `allowed_properties`)."""
        return self.field_columns.get(field, field) in self.allowed_properties

    def read_owners(self, account_ids: Sequence[str], field: str | None = None) -> dict[str, str | None]:
        """The owner property per live company; archived, unknown and non-numeric ids are absent."""
        prop = self._property(field)
        wanted = [account_id for account_id in dict.fromkeys(account_ids) if _NUMERIC.match(account_id)]
        owners: dict[str, str | None] = {}
        with sync_errors():
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                response = self._session.post(
                    "/crm/v3/objects/companies/batch/read",
                    {"properties": [prop], "inputs": [{"id": account_id} for account_id in chunk]},
                    idempotent=True,  # a POST, but it only reads
                )
                body = json_answer(response)
                for company in body.get("results", []):
                    # HubSpot returns an unset property as null or "".
                    owners[str(company["id"])] = (company.get("properties") or {}).get(prop) or None
        return owners

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Write `updates` 100 per request; one result per update, in order."""
        results: dict[int, RecordResult] = {}
        batches: dict[str, list[tuple[int, OwnerUpdate]]] = {}
        seen: set[tuple[str, str]] = set()
        with sync_errors():
            owners = self._known_owners()
        for position, update in enumerate(updates):
            prop = self._property(update.field)
            problem = _problem(update, owners, (update.account_id, prop) in seen)
            if problem is not None:
                results[position] = problem
            else:
                seen.add((update.account_id, prop))
                batches.setdefault(prop, []).append((position, update))
        with sync_errors():
            for prop, group in batches.items():
                for start in range(0, len(group), _BATCH):
                    chunk = group[start : start + _BATCH]
                    budget = [self.split_requests]
                    written = self._write_batch(prop, [update for _, update in chunk], budget)
                    for (position, _), result in zip(chunk, written, strict=True):
                        results[position] = result
        return [results[position] for position in range(len(updates))]

    def _property(self, field: str | None) -> str:
        prop = self.field_columns.get(field, field) if field else OWNER_PROPERTY
        if prop not in self.allowed_properties:
            raise ConfigurationError(f"HubSpot property {prop!r} is not in allowed_properties: it is never written")
        return prop

    def _known_owners(self) -> set[str] | None:
        """Active owner ids of the portal, read once per session (paged); None if not readable."""
        with self._owners_lock:
            if self._owners is None:
                try:
                    self._owners = self._list_owners()
                except CrmConfigurationError as error:
                    if "403" not in str(error):
                        raise
                    log.warning("HubSpot owners list not readable (%s): owner ids are not checked first", error)
                    self._owners = set()
            return self._owners or None

    def _list_owners(self) -> set[str]:
        owners: set[str] = set()
        after: str | None = None
        while True:
            query = f"?limit={_OWNERS_PAGE}" + (f"&after={after}" if after else "")
            body = self._session.request("GET", "/crm/v3/owners" + query, idempotent=True).json()
            owners.update(str(owner["id"]) for owner in body.get("results", []) if not owner.get("archived"))
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return owners

    def _write_batch(self, prop: str, updates: Sequence[OwnerUpdate], budget: list[int]) -> list[RecordResult]:
        response: httpx.Response = self._session.post(
            "/crm/v3/objects/companies/batch/update",
            # No owner (bookflow's pool, when settings.csv names no pool owner) unassigns the company.
            {"inputs": [{"id": update.account_id, "properties": {prop: update.owner_id or ""}} for update in updates]},
            idempotent=False,
            accept=_WHOLE_BATCH_REJECTED,
        )
        if response.status_code in _WHOLE_BATCH_REJECTED:
            return self._isolate(prop, updates, response, budget)
        body = json_answer(response)
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

    def _isolate(
        self, prop: str, updates: Sequence[OwnerUpdate], response: httpx.Response, budget: list[int]
    ) -> list[RecordResult]:
        """Nothing in the batch was written: fail the records HubSpot objects to, resend the rest."""
        message = describe_error(response)
        code, _, text = message.partition(": ")
        if not text:
            code, text = "REJECTED", message
        if len(updates) == 1 or budget[0] <= 0:
            detail = "" if len(updates) == 1 else " (refused with its batch; not isolated, to spare requests)"
            return [RecordResult.failure(update.account_id, code, text + detail) for update in updates]
        named = {update.owner_id for update in updates if _names(message, update.owner_id)}
        if named and len(named) < len({update.owner_id for update in updates}):
            rest = [update for update in updates if update.owner_id not in named]
            budget[0] -= 1
            resent = iter(self._write_batch(prop, rest, budget))
            return [
                RecordResult.failure(update.account_id, code, text) if update.owner_id in named else next(resent)
                for update in updates
            ]
        budget[0] -= 2
        middle = len(updates) // 2
        return self._write_batch(prop, updates[:middle], budget) + self._write_batch(prop, updates[middle:], budget)


def _names(message: str, value: str) -> bool:
    """Whether HubSpot's error message names `value` as invalid ("<value> is not a valid owner id")."""
    return bool(value) and re.search(rf"(?<![\w.]){re.escape(value)} is not a valid", message) is not None


def _problem(update: OwnerUpdate, owners: set[str] | None, duplicate: bool) -> RecordResult | None:
    """The failure of an update HubSpot would refuse, decided without a request; None to send it."""
    if not _NUMERIC.match(update.account_id):
        return RecordResult.failure(update.account_id, "INVALID_ID", "HubSpot company ids are numeric")
    if duplicate:
        return RecordResult.failure(
            update.account_id, RecordErrorCode.DUPLICATE_ID, "company appears twice in one write"
        )
    if owners is not None and update.owner_id and update.owner_id not in owners:
        return RecordResult.failure(
            update.account_id,
            "INVALID_OWNER_ID",
            f"{update.owner_id} is not an active owner in this HubSpot portal (GET /crm/v3/owners)",
        )
    return None
