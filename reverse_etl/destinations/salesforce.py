"""Salesforce through its REST API: read `Account.OwnerId` by SOQL, write it by sObject Collections
or, for a large sync, Bulk API 2.0 (the engine chooses: `bulk_threshold`).

    destination = SalesforceDestination.from_env()
    report = sync(warehouse_path, destination)

REST writes go 200 records per `PATCH /composite/sobjects` with allOrNone=false; large syncs
go through Bulk API 2.0 jobs (reverse_etl.destinations.salesforce_writes).

Ids are matched exactly: Salesforce answers with 18-character ids, and a 15-character id asked
for is the same record only through the checksum suffix (bookflow.crm.salesforce.ids). Ids that
are not valid Salesforce ids are refused before a sync starts (`invalid_ids`), never sent.

Login, the HTTP session, the org's rate budget, reads by id and Bulk API 2.0 are bookflow.crm.salesforce's;
retries and what happens when an answer is lost are in bookflow.crm.http.
"""

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from bookflow.crm.http import RetryPolicy, Secret
from bookflow.crm.salesforce import DEFAULT_API_VERSION, GrantType, SalesforceCredentials, SalesforceSession
from bookflow.crm.salesforce import ids as salesforce_ids
from bookflow.crm.salesforce.bulk import BulkPolling
from bookflow.crm.salesforce.records import field_by_id
from bookflow.crm.salesforce.session import RETRIEVE_MAX
from reverse_etl.destinations.base import OwnerUpdate, RecordErrorCode, RecordResult
from reverse_etl.destinations.salesforce_writes import COLLECTION_CHUNK, write_bulk, write_collections
from reverse_etl.exceptions import ConfigurationError, sync_errors

DEFAULT_BULK_THRESHOLD = 10_000
OWNER_FIELD = "OwnerId"
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED_FIELDS = frozenset({"id", "ownerid", "attributes"})

__all__ = ["DEFAULT_API_VERSION", "GrantType", "SalesforceDestination"]


class SalesforceDestination:
    """Account owners in a Salesforce org, through the REST API and Bulk API 2.0.

    The login settings are bookflow.crm.salesforce.SalesforceCredentials'. `extra_fields` are
    written with every owner change (e.g. {"Owner_Change_Source__c": "bookflow"}), and an
    OwnerUpdate may name another user-lookup field than OwnerId (e.g. SDR_Owner__c); each such
    name must be in `allowed_fields`, so a typo or an unexpected field fails at construction or
    per record rather than writing somewhere nobody looks. `field_columns` maps the warehouse's
    column of such a field (an OwnerUpdate's `field`, e.g. sdr_owner_c) to its API name
    (SDR_Owner__c). Another owner field than OwnerId may be emptied (an OwnerUpdate without owner).
    """

    max_batch = COLLECTION_CHUNK
    max_read_batch = RETRIEVE_MAX

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
        **settings: Any,
    ) -> None:
        """`settings` are those of `_configure`."""
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
        self._configure(credentials, **settings)

    def _configure(
        self,
        credentials: SalesforceCredentials,
        *,
        extra_fields: Mapping[str, str] | None = None,
        allowed_fields: Collection[str] = (),
        field_columns: Mapping[str, str] | None = None,
        bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
        bulk_timeout: float = 1800.0,
        bulk_poll_interval: float = 2.0,
        bulk_max_poll_interval: float = 30.0,
        timeout: float = 60.0,
        verify: bool | str | Path = True,
        retry: RetryPolicy | None = None,
        connections: int = 10,
        name: str = "salesforce",
    ) -> None:
        self.name = name
        self.credentials = credentials
        self.extra_fields = dict(extra_fields or {})
        self.allowed_fields = set(allowed_fields)
        self.field_columns = dict(field_columns or {})
        for field in self.extra_fields:
            if field not in self.allowed_fields:
                raise ConfigurationError(
                    f"Salesforce field {field!r} is not in allowed_fields: only allowlisted fields are written"
                )
            if not _FIELD.match(field) or field.lower() in _RESERVED_FIELDS:
                raise ConfigurationError(f"{field!r} cannot be written as an extra Salesforce field")
        if bulk_threshold < 1:
            raise ValueError("bulk_threshold must be at least 1")
        self.bulk_threshold = bulk_threshold
        self.polling = BulkPolling(bulk_timeout, bulk_poll_interval, bulk_max_poll_interval)
        self.timeout = timeout
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self._session = SalesforceSession(
            credentials, timeout=timeout, verify=verify, retry=self.retry, connections=connections
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **settings: Any) -> "SalesforceDestination":
        """Settings from SALESFORCE_* environment variables (see SalesforceCredentials.from_env);
        `settings` are those of `_configure`."""
        with sync_errors():
            credentials = SalesforceCredentials.from_env(environ)
        return cls.from_credentials(credentials, **settings)

    @classmethod
    def from_credentials(cls, credentials: SalesforceCredentials, **settings: Any) -> "SalesforceDestination":
        """A destination for an org whose login settings are already made."""
        destination = cls.__new__(cls)
        destination._configure(credentials, **settings)
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

    def close(self) -> None:
        """Close the HTTP client; the next call opens a new one."""
        self._session.close()

    def usage(self) -> str | None:
        """The org's daily API usage as its last answer stated it."""
        return self._session.budget.usage()

    # -- ids ----------------------------------------------------------------------------------

    @staticmethod
    def invalid_ids(account_ids: Collection[str], owner_ids: Collection[str]) -> list[str]:
        """Each account id that is not a Salesforce id (malformed, or an 18-character id whose
        checksum suffix does not match), with why: refused before the sync, since the sync could
        match it to no record exactly, and such an id can only come from data damaged upstream (a
        tool that changed its case, say). Owner ids are Salesforce's to judge: a write naming an
        unknown one fails on its own, with Salesforce's message."""
        # Sorted for the person reading them; only the few refused ones need sorting.
        refused = sorted(value for value in set(account_ids) if salesforce_ids.problem(value))
        return [f"account id {value!r}: {salesforce_ids.problem(value)}" for value in refused]

    @staticmethod
    def owner_key(record_id: str | None) -> str | None:
        """The form ids are compared in: a valid 15-character id and its 18-character form are one."""
        # Owner ids repeat across a sync: cached.
        return (salesforce_ids.canonical_cached(record_id) or record_id) if record_id else record_id

    # -- reading ------------------------------------------------------------------------------

    def writes_field(self, field: str) -> bool:
        """Whether `field` is an owner field this destination may write (in `allowed_fields`)."""
        field = self.field_columns.get(field, field)
        return field in self.allowed_fields and bool(_FIELD.match(field)) and field.lower() not in _RESERVED_FIELDS

    def read_owners(self, account_ids: Sequence[str], field: str | None = None) -> dict[str, str | None]:
        """The owner field (OwnerId unless `field`) per live account, under the id as asked;
        deleted, unknown and invalid ids are absent (bookflow.crm.salesforce.records)."""
        column = self._field(field)
        asked: dict[str, list[str]] = {}  # 18-character id -> the ids as asked
        for account_id in dict.fromkeys(account_ids):
            key = salesforce_ids.canonical(account_id)
            if key is not None:
                asked.setdefault(key, []).append(account_id)
        with sync_errors():
            found = field_by_id(self._session, "Account", list(asked), column)
        return {account_id: self.owner_key(owner or None) for key, owner in found.items() for account_id in asked[key]}

    # -- writing ------------------------------------------------------------------------------

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Write `updates` through sObject Collections; one result per update, in order."""
        return self._write(updates, self._write_rest)

    def write_owners_bulk(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Write `updates` through Bulk API 2.0 jobs; one result per update, in order."""
        return self._write(updates, self._write_bulk)

    def _field(self, field: str | None) -> str:
        if field is None or field == OWNER_FIELD:
            return OWNER_FIELD
        field = self.field_columns.get(field, field)
        if field not in self.allowed_fields or not _FIELD.match(field) or field.lower() in _RESERVED_FIELDS:
            raise ConfigurationError(f"Salesforce field {field!r} is not in allowed_fields: it is never written")
        return field

    def _write(self, updates: Sequence[OwnerUpdate], send: Any) -> list[RecordResult]:
        results: list[RecordResult | None] = [None] * len(updates)
        by_field: dict[str, list[tuple[int, OwnerUpdate]]] = {}
        seen: set[tuple[str, str]] = set()
        for position, update in enumerate(updates):
            field = OWNER_FIELD if update.field is None else self._field(update.field)
            # 15 and 18 characters of one record are one key; 18 characters are taken as they are.
            record = update.account_id if len(update.account_id) != 15 else salesforce_ids.canonical(update.account_id)
            key = (record or update.account_id, field)
            if not update.owner_id and field == OWNER_FIELD:
                results[position] = RecordResult.failure(
                    update.account_id, RecordErrorCode.REQUIRED_FIELD_MISSING, "no owner id given"
                )
            elif key in seen:
                # Salesforce refuses a whole request that names a record twice.
                results[position] = RecordResult.failure(
                    update.account_id, RecordErrorCode.DUPLICATE_ID, "account appears twice in one write"
                )
            else:
                seen.add(key)
                by_field.setdefault(field, []).append((position, update))
        with sync_errors():
            for field, group in by_field.items():
                written = send(field, [update for _, update in group])
                for (position, _), result in zip(group, written, strict=True):
                    results[position] = result
        return [result for result in results if result is not None]

    def _write_rest(self, field: str, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        return write_collections(self._session, field, updates, self.extra_fields)

    def _write_bulk(self, field: str, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        return write_bulk(self._session, field, updates, self.extra_fields, self.polling)
