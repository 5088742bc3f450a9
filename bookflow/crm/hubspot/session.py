"""A HubSpot session: a private app's access token, the portal's API host, one HTTP client.

with HubSpotSession(HubSpotCredentials.from_env()) as session:
    body = session.post("/crm/v3/objects/companies/batch/read", payload, idempotent=True).json()
"""

import os
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bookflow.crm.budget import HubSpotBudget, hubspot_search_budget
from bookflow.crm.errors import CrmConfigurationError
from bookflow.crm.http import RetryPolicy, Secret, send
from bookflow.crm.transport import SessionClient, json_body, require_https

DEFAULT_BASE_URL = "https://api.hubapi.com"


@dataclass(frozen=True)
class HubSpotCredentials:
    """A private app's access token (scopes crm.objects.companies.read/.write and what the caller
    reads) and the API host."""

    access_token: Secret
    base_url: str = DEFAULT_BASE_URL

    def __post_init__(self) -> None:
        if not self.access_token.reveal():
            raise CrmConfigurationError("the HubSpot access token is empty")
        # Every request carries the token: HTTPS only.
        object.__setattr__(self, "base_url", require_https(self.base_url, "the HubSpot base URL (HUBSPOT_BASE_URL)"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "HubSpotCredentials":
        """HUBSPOT_ACCESS_TOKEN (required) and HUBSPOT_BASE_URL (default https://api.hubapi.com)."""
        env = os.environ if environ is None else environ
        token = env.get("HUBSPOT_ACCESS_TOKEN", "").strip()
        if not token:
            raise CrmConfigurationError.missing_env("HUBSPOT_ACCESS_TOKEN", "a HubSpot private app's access token")
        return cls(Secret(token), env.get("HUBSPOT_BASE_URL", "").strip() or DEFAULT_BASE_URL)


class HubSpotSession(SessionClient):
    """One portal, one HTTP client; close it (or use `with`) when done."""

    def __init__(
        self,
        credentials: HubSpotCredentials,
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
        # One budget per portal session: every thread sending through it paces as one. Searches
        # have a per-second limit of their own and do not count against the ten-second window.
        self.budget = HubSpotBudget()
        self.search_budget = hubspot_search_budget()
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    @property
    def requests(self) -> int:
        """Requests sent through the session so far (retries included)."""
        return self.budget.requests + self.search_budget.requests

    def request(
        self, method: str, path: str, *, idempotent: bool, accept: Collection[int] = (), **kwargs: Any
    ) -> httpx.Response:
        """One call to `path` (from the host, e.g. /crm/v3/owners) with the token."""
        headers = kwargs.pop("headers", {})
        search = path.split("?")[0].rstrip("/").endswith("/search")
        return send(
            self.client,
            method,
            self.credentials.base_url + path,
            what=f"HubSpot {method} {path.split('?')[0]}",
            policy=self.retry,
            idempotent=idempotent,
            accept=accept,
            budget=self.search_budget if search else self.budget,
            headers={**headers, "Authorization": f"Bearer {self.credentials.access_token.reveal()}"},
            **kwargs,
        )

    def post(self, path: str, payload: Any, *, idempotent: bool, accept: Collection[int] = ()) -> httpx.Response:
        """POST a JSON body; batch reads and searches are POSTs that change nothing (idempotent=True)."""
        return self.request("POST", path, idempotent=idempotent, accept=accept, **json_body(payload))
