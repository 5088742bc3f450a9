"""Salesforce through its REST API: read `Account.OwnerId` by SOQL, write it by sObject Collections.

    destination = SalesforceDestination.from_env()
    report = sync(warehouse_path, destination)

Writes go 200 records per `PATCH /composite/sobjects` with allOrNone=false, so one rejected
record (inactive owner, deleted account) is a failed RecordResult and the rest are written. A
single call with `bulk_threshold` updates or more goes through Bulk API 2.0 instead, which costs
a handful of API calls per 100,000 records instead of one per 200.

Retries and what happens when an answer is lost are in `_http`. If a write fails part way through
a call, the engine records nothing for the batch; its next sync reads the owners back, so the
records Salesforce did apply are recognised and never written twice.
"""

import csv
import io
import os
import re
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import jwt

from reverse_etl.destinations._http import RetryPolicy, Secret, make_client, send
from reverse_etl.destinations.base import OwnerUpdate, RecordErrorCode, RecordResult
from reverse_etl.exceptions import ConfigurationError, DestinationError

DEFAULT_API_VERSION = "v61.0"
DEFAULT_BULK_THRESHOLD = 10_000
_QUERY_CHUNK = 200  # ids per SOQL query: keeps the URL far below Salesforce's 16,384-character limit
_COLLECTION_CHUNK = 200  # the sObject Collections maximum per request
_BULK_JOB_RECORDS = 100_000  # per ingest job: ~4 MB of CSV, far below the 150 MB upload limit
# A Salesforce id: 15 characters (case-sensitive) or 18 (with a case-checksum suffix). Checked
# before an id goes into SOQL, which has no bind parameters.
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED_FIELDS = frozenset({"id", "ownerid", "attributes"})


JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class GrantType(StrEnum):
    """How bookflow logs in to Salesforce (OAuth 2.0 flows of a connected app)."""

    CLIENT_CREDENTIALS = "client_credentials"  # server-to-server, runs as the app's configured user
    JWT = "jwt"  # urn:ietf:params:oauth:grant-type:jwt-bearer: certificate-signed, no secret shared
    PASSWORD = "password"  # username-password: sandboxes and quick trials only


def _is_request_limit(response: httpx.Response) -> bool:
    # Salesforce answers an exhausted API allowance with 403, not 429.
    return response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in response.text


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SalesforceDestination:
    """Account owners in a Salesforce org, through the REST API and (for large calls) Bulk API 2.0.

    `login_url` is where the token is requested: the org's My Domain URL for client_credentials,
    login.salesforce.com / test.salesforce.com for the password flow. API calls go to
    `instance_url`, or to the instance URL the token response names.

    `extra_fields` are written with every owner change (e.g. {"Owner_Change_Source__c": "bookflow"});
    each name must be in `allowed_fields`, so a typo or an unexpected field fails at construction
    rather than writing somewhere nobody looks.
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
        self.name = name
        self.login_url = login_url.rstrip("/")
        self.instance_url = instance_url.rstrip("/") if instance_url else None
        if not re.fullmatch(r"v\d+\.\d", api_version):
            raise ConfigurationError(f"Salesforce API version {api_version!r} should look like {DEFAULT_API_VERSION}")
        self.api_version = api_version
        try:
            self.grant_type = GrantType(grant_type)
        except ValueError:
            choices = ", ".join(grant.value for grant in GrantType)
            raise ConfigurationError(f"unknown Salesforce grant type {grant_type!r}: use one of {choices}") from None
        if self.grant_type is GrantType.JWT and not (username and private_key):
            raise ConfigurationError(
                "the Salesforce JWT bearer flow needs the username to act as and the connected app's "
                "private key (PEM) that signs the assertion"
            )
        if not client_id:
            raise ConfigurationError("Salesforce client_id (the connected app's consumer key) is empty")
        if self.grant_type is GrantType.CLIENT_CREDENTIALS and not client_secret:
            raise ConfigurationError("the Salesforce client_credentials flow needs a client secret")
        if self.grant_type is GrantType.PASSWORD and not (username and password):
            raise ConfigurationError("the Salesforce password flow needs a username and a password")
        self._client_id = client_id
        self._client_secret = Secret(client_secret) if client_secret else None
        self._username = username
        self._password = Secret(password) if password else None
        self._private_key = Secret(private_key) if private_key else None
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
        self.bulk_timeout = bulk_timeout
        self.bulk_poll_interval = bulk_poll_interval
        self.bulk_max_poll_interval = bulk_max_poll_interval
        self.timeout = timeout
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self._token: Secret | None = None
        self._api_base: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> "SalesforceDestination":
        """Settings from SALESFORCE_* environment variables; `options` go to the constructor.

        SALESFORCE_INSTANCE_URL (My Domain URL) or SALESFORCE_LOGIN_URL, SALESFORCE_CLIENT_ID, and
        SALESFORCE_CLIENT_SECRET (client_credentials, the default) or SALESFORCE_USERNAME and
        SALESFORCE_PASSWORD (password flow, chosen when SALESFORCE_USERNAME is set; append the
        security token to the password if the org asks for one). SALESFORCE_GRANT_TYPE=jwt takes
        SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE (the connected app's PEM key) instead.
        Optional: SALESFORCE_API_VERSION (default v61.0).
        """
        env = os.environ if environ is None else environ

        def need(variable: str, purpose: str) -> str:
            value = env.get(variable, "").strip()
            if not value:
                raise ConfigurationError.missing_env(variable, purpose)
            return value

        instance_url = env.get("SALESFORCE_INSTANCE_URL", "").strip() or None
        login_url = env.get("SALESFORCE_LOGIN_URL", "").strip() or instance_url
        if not login_url:
            raise ConfigurationError.missing_env(
                "SALESFORCE_INSTANCE_URL",
                "the org's My Domain URL, e.g. https://acme.my.salesforce.com (or set SALESFORCE_LOGIN_URL)",
            )
        username = env.get("SALESFORCE_USERNAME", "").strip() or None
        grant = env.get("SALESFORCE_GRANT_TYPE", "").strip() or (
            GrantType.PASSWORD if username else GrantType.CLIENT_CREDENTIALS
        )
        client_id = need("SALESFORCE_CLIENT_ID", "the connected app's consumer key")
        secret = env.get("SALESFORCE_CLIENT_SECRET", "").strip() or None
        password = None
        if grant == GrantType.CLIENT_CREDENTIALS:
            secret = need("SALESFORCE_CLIENT_SECRET", "the connected app's consumer secret")
        elif grant == GrantType.PASSWORD:
            username = need("SALESFORCE_USERNAME", "the Salesforce user bookflow logs in as")
            password = need("SALESFORCE_PASSWORD", "that user's password (plus security token if required)")
        elif grant == GrantType.JWT:
            username = need("SALESFORCE_USERNAME", "the Salesforce user the JWT bearer flow acts as")
            key_file = Path(need("SALESFORCE_PRIVATE_KEY_FILE", "the path of the connected app's PEM private key"))
            if not key_file.is_file():
                raise ConfigurationError(f"SALESFORCE_PRIVATE_KEY_FILE points to {key_file}, which is not a file")
            options["private_key"] = key_file.read_text()
        return cls(
            login_url,
            grant_type=grant,
            client_id=client_id,
            client_secret=secret,
            username=username,
            password=password,
            instance_url=instance_url,
            api_version=env.get("SALESFORCE_API_VERSION", "").strip() or DEFAULT_API_VERSION,
            **options,
        )

    def __repr__(self) -> str:
        # Secrets stay out; the user name is not a secret and says which login is in use.
        user = f", username={self._username!r}" if self._username else ""
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
        if not wanted:
            return owners
        with make_client(timeout=self.timeout, verify=self.verify) as client:
            for chunk in _chunks(wanted, _QUERY_CHUNK):
                ids = ", ".join(f"'{account_id}'" for account_id in chunk)
                url: str | None = f"{self._data_path}/query"
                params: dict[str, str] | None = {"q": f"SELECT Id, OwnerId FROM Account WHERE Id IN ({ids})"}
                while url:
                    body = self._api(client, "GET", url, idempotent=True, params=params).json()
                    for record in body.get("records", []):
                        for account_id in asked.get(str(record["Id"])[:15], ()):
                            owners[account_id] = record.get("OwnerId")
                    url = None if body.get("done", True) else body.get("nextRecordsUrl")
                    params = None
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
            written = self._write_bulk(batch) if len(batch) >= self.bulk_threshold else self._write_rest(batch)
            for (position, _), result in zip(to_send, written, strict=True):
                results[position] = result
        return [result for result in results if result is not None]

    def _write_rest(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        results: list[RecordResult] = []
        with make_client(timeout=self.timeout, verify=self.verify) as client:
            for chunk in _chunks(updates, _COLLECTION_CHUNK):
                payload = {
                    "allOrNone": False,
                    "records": [
                        {"attributes": {"type": "Account"}, "id": update.account_id, "OwnerId": update.owner_id}
                        | self.extra_fields
                        for update in chunk
                    ],
                }
                response = self._api(
                    client, "PATCH", f"{self._data_path}/composite/sobjects", idempotent=False, json=payload
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
        results: list[RecordResult] = []
        with make_client(timeout=self.timeout, verify=self.verify) as client:
            for chunk in _chunks(updates, _BULK_JOB_RECORDS):
                results.extend(self._bulk_job(client, chunk))
        return results

    def _bulk_job(self, client: httpx.Client, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        jobs = f"{self._data_path}/jobs/ingest"
        # Creating and filling a job applies nothing, so those calls may be resent; UploadComplete
        # starts the writes and is sent once.
        job = self._api(
            client,
            "POST",
            jobs,
            idempotent=True,
            json={"object": "Account", "operation": "update", "contentType": "CSV", "lineEnding": "LF"},
        ).json()
        job_url = f"{jobs}/{job['id']}"
        columns = ["Id", "OwnerId", *self.extra_fields]
        upload = io.StringIO()
        writer = csv.writer(upload, lineterminator="\n")
        writer.writerow(columns)
        for update in updates:
            writer.writerow([update.account_id, update.owner_id, *self.extra_fields.values()])
        self._api(
            client,
            "PUT",
            f"{job_url}/batches",
            idempotent=True,
            content=upload.getvalue().encode(),
            headers={"Content-Type": "text/csv"},
        )
        self._api(client, "PATCH", job_url, idempotent=False, json={"state": "UploadComplete"})
        state = self._wait_for_job(client, job_url, job["id"])

        outcome: dict[str, RecordResult] = {}
        for row in self._results_csv(client, f"{job_url}/successfulResults/"):
            outcome[row["Id"]] = RecordResult.success(row["Id"])
        for row in self._results_csv(client, f"{job_url}/failedResults/"):
            code, _, message = row.get("sf__Error", "").partition(":")
            outcome[row["Id"]] = RecordResult.failure(row["Id"], code or "UNKNOWN", message.removesuffix(":--"))
        if state["state"] != "JobComplete" and not outcome:
            raise DestinationError(
                f"Salesforce Bulk API job {job['id']} ended {state['state']} without processing a record: "
                f"{state.get('errorMessage') or 'no message'}"
            )
        unprocessed = f"not processed: Bulk API job {job['id']} ended {state['state']}"
        if state.get("errorMessage"):
            unprocessed += f": {state['errorMessage']}"
        return [
            outcome.get(update.account_id) or RecordResult.failure(update.account_id, "NOT_PROCESSED", unprocessed)
            for update in updates
        ]

    def _wait_for_job(self, client: httpx.Client, job_url: str, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.bulk_timeout
        interval = self.bulk_poll_interval
        while True:
            state = self._api(client, "GET", job_url, idempotent=True).json()
            if state["state"] in ("JobComplete", "Failed", "Aborted"):
                return state
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                # The job keeps running in Salesforce; the next sync reads back what it applied.
                raise DestinationError(
                    f"Salesforce Bulk API job {job_id} still {state['state']} after {self.bulk_timeout:.0f}s; "
                    "the next sync reads the owners back and records what it applied"
                )
            time.sleep(min(interval, remaining))
            interval = min(interval * 2, self.bulk_max_poll_interval)

    def _results_csv(self, client: httpx.Client, url: str) -> list[dict[str, str]]:
        text = self._api(client, "GET", url, idempotent=True).text
        return list(csv.DictReader(io.StringIO(text)))

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def _data_path(self) -> str:
        return f"/services/data/{self.api_version}"

    def _api(self, client: httpx.Client, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> httpx.Response:
        """One API call with the session token; a 401 (INVALID_SESSION_ID) logs in again, once.

        A 401 means Salesforce refused the call before doing anything, so resending is safe.
        """
        headers = kwargs.pop("headers", {})
        what = f"Salesforce {method} {path.split('?')[0]}"
        for fresh_login in (False, True):
            if self._token is None or fresh_login:
                self._login(client)
            assert self._token is not None and self._api_base is not None
            response = send(
                client,
                method,
                self._api_base + path,
                what=what,
                policy=self.retry,
                idempotent=idempotent,
                accept=() if fresh_login else (401,),
                is_rate_limited=_is_request_limit,
                headers={**headers, "Authorization": f"Bearer {self._token.reveal()}"},
                **kwargs,
            )
            if response.status_code != 401:
                return response
        raise AssertionError("unreachable: a second 401 raises in send()")

    def _jwt_assertion(self) -> str:
        # Salesforce's JWT bearer flow: the app (iss) asks for a token for a user (sub) at the
        # login server (aud), signed RS256 with the key whose certificate the app holds.
        assert self._username is not None and self._private_key is not None
        claims = {"iss": self._client_id, "sub": self._username, "aud": self.login_url, "exp": int(time.time()) + 180}
        return jwt.encode(claims, self._private_key.reveal(), algorithm="RS256")

    def _login(self, client: httpx.Client) -> None:
        if self.grant_type is GrantType.JWT:
            form = {"grant_type": JWT_BEARER_GRANT, "assertion": self._jwt_assertion()}
        else:
            form = {"grant_type": self.grant_type.value, "client_id": self._client_id}
        if self._client_secret is not None and self.grant_type is not GrantType.JWT:
            form["client_secret"] = self._client_secret.reveal()
        if self.grant_type is GrantType.PASSWORD:
            assert self._username is not None and self._password is not None
            form |= {"username": self._username, "password": self._password.reveal()}
        response = send(
            client,
            "POST",
            f"{self.login_url}/services/oauth2/token",
            what="Salesforce login",
            policy=self.retry,
            idempotent=True,
            accept=(400, 401),
            data=form,
        )
        body = response.json()
        if response.status_code != 200 or "access_token" not in body:
            # The OAuth error names the problem (invalid_client, invalid_grant...) but never echoes secrets.
            raise ConfigurationError(
                f"Salesforce refused the {self.grant_type.value} login at {self.login_url}: "
                f"{body.get('error', 'error')}: {body.get('error_description', '')}"
            )
        self._token = Secret(body["access_token"])
        self._api_base = self.instance_url or str(body.get("instance_url", "")).rstrip("/") or self.login_url


def _collection_result(update: OwnerUpdate, item: Mapping[str, Any]) -> RecordResult:
    if item.get("success"):
        return RecordResult.success(update.account_id)
    errors = item.get("errors") or [{}]
    code = errors[0].get("statusCode") or "UNKNOWN"
    message = "; ".join(str(error.get("message", "")) for error in errors)
    return RecordResult.failure(update.account_id, code, message)
