"""Salesforce through its REST API: read `Account.OwnerId` by SOQL, write it by sObject Collections.

    destination = SalesforceDestination.from_env()
    report = sync(warehouse_path, destination)

Writes go 200 records per `PATCH /composite/sobjects` with allOrNone=false, so one rejected
record (inactive owner, deleted account) is a failed RecordResult and the rest are written. A
single call with `bulk_threshold` updates or more goes through Bulk API 2.0 instead, which costs
a handful of API calls per 100,000 records instead of one per 200.

Login, the HTTP session and Bulk API 2.0 are bookflow.crm.salesforce's; retries and what happens
when an answer is lost are in bookflow.crm.http. If a write fails part way through a call, the
engine records nothing for the batch; its next sync reads the owners back, so the records
Salesforce did apply are recognised and never written twice.
"""

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bookflow.crm.http import RetryPolicy, Secret
from bookflow.crm.salesforce import DEFAULT_API_VERSION, GrantType, SalesforceCredentials, SalesforceSession
from bookflow.crm.salesforce.bulk import BulkPolling, update_records
from reverse_etl.destinations.base import OwnerUpdate, RecordErrorCode, RecordResult
from reverse_etl.exceptions import ConfigurationError, DestinationError, sync_errors

DEFAULT_BULK_THRESHOLD = 10_000
_QUERY_CHUNK = 200  # ids per SOQL query: keeps the URL far below Salesforce's 16,384-character limit
_COLLECTION_CHUNK = 200  # the sObject Collections maximum per request
# A Salesforce id: 15 characters (case-sensitive) or 18 (with a case-checksum suffix). Checked
# before an id goes into SOQL, which has no bind parameters.
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED_FIELDS = frozenset({"id", "ownerid", "attributes"})

__all__ = ["DEFAULT_API_VERSION", "GrantType", "SalesforceDestination"]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SalesforceDestination:
    """Account owners in a Salesforce org, through the REST API and (for large calls) Bulk API 2.0.

    The login settings are bookflow.crm.salesforce.SalesforceCredentials'. `extra_fields` are
    written with every owner change (e.g. {"Owner_Change_Source__c": "bookflow"}); each name must
    be in `allowed_fields`, so a typo or an unexpected field fails at construction rather than
    writing somewhere nobody looks.
    """

    def __init__(
        self,
        login_url: str,
        *,
        grant_type: GrantType | str = GrantType.CLIENT_CREDENTIALS,
        client_id: str,
        client_secret: str | None = None,
        username: str | None = None,
        password: str | None = None,
        private_key: str | None = None,
        instance_url: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        extra_fields: Mapping[str, str] | None = None,
        allowed_fields: Collection[str] = (),
        bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
        bulk_timeout: float = 1800.0,
        bulk_poll_interval: float = 2.0,
        bulk_max_poll_interval: float = 30.0,
        timeout: float = 60.0,
        verify: bool | str | Path = True,
        retry: RetryPolicy | None = None,
        name: str = "salesforce",
    ) -> None:
        with sync_errors():
            credentials = SalesforceCredentials(
                login_url,
                client_id,
                grant_type=grant_type,
                client_secret=Secret(client_secret) if client_secret else None,
                username=username,
                password=Secret(password) if password else None,
                private_key=Secret(private_key) if private_key else None,
                instance_url=instance_url,
                api_version=api_version,
            )
        self._configure(
            credentials,
            extra_fields=extra_fields,
            allowed_fields=allowed_fields,
            bulk_threshold=bulk_threshold,
            polling=BulkPolling(bulk_timeout, bulk_poll_interval, bulk_max_poll_interval),
            timeout=timeout,
            verify=verify,
            retry=retry,
            name=name,
        )

    def _configure(
        self,
        credentials: SalesforceCredentials,
        *,
        extra_fields: Mapping[str, str] | None,
        allowed_fields: Collection[str],
        bulk_threshold: int,
        polling: BulkPolling,
        timeout: float,
        verify: bool | str | Path,
        retry: RetryPolicy | None,
        name: str,
    ) -> None:
        self.name = name
        self.credentials = credentials
        self.extra_fields = dict(extra_fields or {})
        allowed = set(allowed_fields)
        for field in self.extra_fields:
            if field not in allowed:
                raise ConfigurationError(
                    f"Salesforce field {field!r} is not in allowed_fields: only allowlisted fields are written"
                )
            if not _FIELD.match(field) or field.lower() in _RESERVED_FIELDS:
                raise ConfigurationError(f"{field!r} cannot be written as an extra Salesforce field")
        if bulk_threshold < 1:
            raise ValueError("bulk_threshold must be at least 1")
        self.bulk_threshold = bulk_threshold
        self.polling = polling
        self.timeout = timeout
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self._session = SalesforceSession(credentials, timeout=timeout, verify=verify, retry=self.retry)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> "SalesforceDestination":
        """Settings from SALESFORCE_* environment variables (see SalesforceCredentials.from_env);
        `options` go to from_credentials."""
        with sync_errors():
            credentials = SalesforceCredentials.from_env(environ)
        return cls.from_credentials(credentials, **options)

    @classmethod
    def from_credentials(
        cls,
        credentials: SalesforceCredentials,
        *,
        extra_fields: Mapping[str, str] | None = None,
        allowed_fields: Collection[str] = (),
        bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
        bulk_timeout: float = 1800.0,
        bulk_poll_interval: float = 2.0,
        bulk_max_poll_interval: float = 30.0,
        timeout: float = 60.0,
        verify: bool | str | Path = True,
        retry: RetryPolicy | None = None,
        name: str = "salesforce",
    ) -> "SalesforceDestination":
        """A destination for an org whose login settings are already made."""
        destination = cls.__new__(cls)
        destination._configure(
            credentials,
            extra_fields=extra_fields,
            allowed_fields=allowed_fields,
            bulk_threshold=bulk_threshold,
            polling=BulkPolling(bulk_timeout, bulk_poll_interval, bulk_max_poll_interval),
            timeout=timeout,
            verify=verify,
            retry=retry,
            name=name,
        )
        return destination

    @property
    def login_url(self) -> str:
        return self.credentials.login_url

    @property
    def api_version(self) -> str:
        return self.credentials.api_version

    @property
    def grant_type(self) -> GrantType:
        return self.credentials.grant_type

    def __repr__(self) -> str:
        # Secrets stay out; the user name is not a secret and says which login is in use.
        user = f", username={self.credentials.username!r}" if self.credentials.username else ""
        return (
            f"SalesforceDestination({self.login_url!r}, grant_type={self.grant_type.value!r}{user}, "
            f"api_version={self.api_version!r})"
        )

    # -- reading ------------------------------------------------------------------------------

    def read_owners(self, account_ids: Sequence[str]) -> dict[str, str | None]:
        """OwnerId per live account; deleted, unknown and malformed ids are absent.

        Accepts 15- and 18-character ids and answers under the id as asked.
        """
        wanted = [account_id for account_id in dict.fromkeys(account_ids) if _ID.match(account_id)]
        asked: dict[str, list[str]] = {}  # the case-sensitive 15-character core -> ids as asked
        for account_id in wanted:
            asked.setdefault(account_id[:15], []).append(account_id)
        owners: dict[str, str | None] = {}
        with sync_errors():
            for chunk in _chunks(wanted, _QUERY_CHUNK):
                ids = ", ".join(f"'{account_id}'" for account_id in chunk)
                for record in self._session.query(f"SELECT Id, OwnerId FROM Account WHERE Id IN ({ids})"):
                    for account_id in asked.get(str(record["Id"])[:15], ()):
                        owners[account_id] = record.get("OwnerId")
        return owners

    # -- writing ------------------------------------------------------------------------------

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Write `updates`; one result per update, in order. Rejected records are results."""
        results: list[RecordResult | None] = [None] * len(updates)
        to_send: list[tuple[int, OwnerUpdate]] = []
        seen: set[str] = set()
        for position, update in enumerate(updates):
            if not update.owner_id:
                results[position] = RecordResult.failure(
                    update.account_id, RecordErrorCode.REQUIRED_FIELD_MISSING, "no owner id given"
                )
            elif update.account_id in seen:
                # Salesforce refuses a whole request that names an id twice.
                results[position] = RecordResult.failure(
                    update.account_id, RecordErrorCode.DUPLICATE_ID, "account appears twice in one write"
                )
            else:
                seen.add(update.account_id)
                to_send.append((position, update))
        if to_send:
            batch = [update for _, update in to_send]
            with sync_errors():
                written = self._write_bulk(batch) if len(batch) >= self.bulk_threshold else self._write_rest(batch)
            for (position, _), result in zip(to_send, written, strict=True):
                results[position] = result
        return [result for result in results if result is not None]

    def _write_rest(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        results: list[RecordResult] = []
        for chunk in _chunks(updates, _COLLECTION_CHUNK):
            payload = {
                "allOrNone": False,
                "records": [
                    {"attributes": {"type": "Account"}, "id": update.account_id, "OwnerId": update.owner_id}
                    | self.extra_fields
                    for update in chunk
                ],
            }
            response = self._session.api(
                "PATCH", f"{self._session.data_path}/composite/sobjects", idempotent=False, json=payload
            )
            body = response.json()
            if not isinstance(body, list) or len(body) != len(chunk):
                raise DestinationError(
                    f"Salesforce answered {len(chunk)} account updates with an unexpected body: {str(body)[:200]}"
                )
            # Results come back in request order; failed ones carry no id.
            results.extend(_collection_result(update, item) for update, item in zip(chunk, body, strict=True))
        return results

    def _write_bulk(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        columns = ["Id", "OwnerId", *self.extra_fields]
        rows = [[update.account_id, update.owner_id, *self.extra_fields.values()] for update in updates]
        return [
            RecordResult.success(update.account_id)
            if outcome.error_code is None
            else RecordResult.failure(update.account_id, outcome.error_code, outcome.error_message or "")
            for update, outcome in zip(
                updates, update_records(self._session, "Account", columns, rows, polling=self.polling), strict=True
            )
        ]


def _collection_result(update: OwnerUpdate, item: Mapping[str, Any]) -> RecordResult:
    if item.get("success"):
        return RecordResult.success(update.account_id)
    errors = item.get("errors") or [{}]
    code = errors[0].get("statusCode") or "UNKNOWN"
    message = "; ".join(str(error.get("message", "")) for error in errors)
    return RecordResult.failure(update.account_id, code, message)
