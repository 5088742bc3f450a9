"""A logged-in Salesforce REST session: one HTTP client (kept alive), the token, SOQL with paging.

    with SalesforceSession(SalesforceCredentials.from_env()) as session:
        for record in session.query("SELECT Id, OwnerId FROM Account WHERE ..."):
            ...

A call answered 401 (INVALID_SESSION_ID: the session timed out or was revoked) logs in again once
and is resent: Salesforce refused it before doing anything, so resending is safe. A 401 with the
fresh token is a configuration error, never retried. Threads share the session: one login, one
client (its connections kept alive), one rate budget for the org.
"""

import threading
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from bookflow.crm.budget import SalesforceBudget
from bookflow.crm.errors import CrmConfigurationError, CrmRequestError
from bookflow.crm.http import RetryPolicy, Secret, send
from bookflow.crm.salesforce.auth import SalesforceCredentials
from bookflow.crm.transport import SessionClient, json_answer, json_body, require_https

RETRIEVE_MAX = 2000  # records per sObject Collections retrieve


def is_request_limit(response: httpx.Response) -> bool:
    """Salesforce answers an exhausted API allowance with 403 REQUEST_LIMIT_EXCEEDED, not 429."""
    return response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in response.text


class SalesforceSession(SessionClient):
    """One org, one login, one HTTP client; close it (or use `with`) when done."""

    def __init__(
        self,
        credentials: SalesforceCredentials,
        *,
        timeout: float = 60.0,
        verify: bool | str | Path = True,
        retry: RetryPolicy | None = None,
        connections: int = 10,
    ) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self.connections = connections
        self.budget = SalesforceBudget()
        self._client: httpx.Client | None = None
        self._token: Secret | None = None
        self._api_base: str | None = None
        self._lock = threading.Lock()
        self._login_lock = threading.Lock()
        # Whether the API offers sObject Collections retrieve; False once it answered 404/405 to it.
        self.collections_retrieve = True

    @property
    def data_path(self) -> str:
        """The REST API's root path for the configured version, e.g. /services/data/v61.0."""
        return f"/services/data/{self.credentials.api_version}"

    def api(
        self, method: str, path: str, *, idempotent: bool, accept: Collection[int] = (), **kwargs: Any
    ) -> httpx.Response:
        """One API call to `path` (from the host, e.g. data_path + '/query') with the session's token;
        a status in `accept` is returned rather than raised."""
        headers = kwargs.pop("headers", {})
        what = f"Salesforce {method} {path.split('?')[0]}"
        refused: Secret | None = None
        for fresh_login in (False, True):
            token, api_base = self._login(refused=refused)
            response = send(
                self.client,
                method,
                api_base + path,
                what=what,
                policy=self.retry,
                idempotent=idempotent,
                accept=tuple(accept) if fresh_login else (*accept, 401),
                is_rate_limited=is_request_limit,
                budget=self.budget,
                headers={**headers, "Authorization": f"Bearer {token.reveal()}"},
                **kwargs,
            )
            if response.status_code != 401:
                return response
            refused = token
        raise AssertionError("unreachable: a second 401 raises in send()")

    @property
    def requests(self) -> int:
        """Requests sent through the session so far (the login and retries included)."""
        return self.budget.requests

    def query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of a SOQL query, page after page (`nextRecordsUrl`).

        `include_deleted` uses queryAll, which also returns deleted and archived records.
        """
        for page in self.query_pages(soql, include_deleted=include_deleted):
            yield from page

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[dict[str, Any]]]:
        """The records of a SOQL query one answer (up to 2,000 records) at a time."""
        url: str | None = f"{self.data_path}/{'queryAll' if include_deleted else 'query'}"
        params: dict[str, str] | None = {"q": soql}
        while url:
            body = self.api("GET", url, idempotent=True, params=params).json()
            yield body.get("records", [])
            url = None if body.get("done", True) else body.get("nextRecordsUrl")
            params = None

    def retrieve(self, sobject: str, ids: Sequence[str], fields: Sequence[str]) -> list[dict[str, Any]] | None:
        """`fields` of up to RETRIEVE_MAX records by id (sObject Collections, a POST that only
        reads): one record or None (unknown, deleted, not visible) per id, in order. None when the
        endpoint is not there (an API that answers 404/405 to it): the caller queries instead."""
        if len(ids) > RETRIEVE_MAX:
            raise ValueError(f"at most {RETRIEVE_MAX} ids per retrieve, got {len(ids)}")
        response = self.api(
            "POST",
            f"{self.data_path}/composite/sobjects/{sobject}",
            idempotent=True,
            accept=(404, 405),
            **json_body({"ids": list(ids), "fields": list(fields)}),
        )
        if response.status_code in (404, 405):
            return None
        body = json_answer(response)
        if not isinstance(body, list) or len(body) != len(ids):
            raise CrmRequestError(f"Salesforce answered a retrieve of {len(ids)} records with {str(body)[:200]}")
        return body

    def _login(self, *, refused: Secret | None = None) -> tuple[Secret, str]:
        """The session's token and API base, logging in when there is none or `refused` is the current
        one; threads that hit an expired token together log in once."""
        token, api_base = self._token, self._api_base  # read once: another thread may log in meanwhile
        if token is not None and api_base is not None and token is not refused:
            return token, api_base
        with self._login_lock:
            if self._token is not None and self._api_base is not None and self._token is not refused:
                return self._token, self._api_base
            credentials = self.credentials
            response = send(
                self.client,
                "POST",
                f"{credentials.login_url}/services/oauth2/token",
                what="Salesforce login",
                policy=self.retry,
                idempotent=True,
                accept=(400, 401),
                budget=self.budget,
                data=credentials.token_form(),
            )
            body = response.json()
            if response.status_code != 200 or "access_token" not in body:
                # The OAuth error names the problem (invalid_client, invalid_grant...) but never echoes
                # secrets; it is not retried: the same credentials would be refused again.
                raise CrmConfigurationError(
                    f"Salesforce refused the {credentials.grant_type.value} login at {credentials.login_url}: "
                    f"{body.get('error', 'error')}: {body.get('error_description', '')}"
                )
            api_base = (
                credentials.instance_url or str(body.get("instance_url", "")).rstrip("/") or credentials.login_url
            )
            self._token = Secret(body["access_token"])
            self._api_base = require_https(api_base, "the instance URL in Salesforce's token answer")
            return self._token, self._api_base
