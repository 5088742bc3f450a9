"""How bookflow reaches a CRM at all: HTTPS only, the certificates it trusts, one client per session.

- A CRM URL must be https://: credentials, tokens and customer data never travel in clear text.
  The one exception is a test server on this machine (127.0.0.1, ::1, localhost) with
  BOOKFLOW_ALLOW_PLAIN_HTTP_LOCALHOST=1, and it is logged as a warning on every session.
- The certificates trusted are the system's, or the PEM bundle BOOKFLOW_CA_BUNDLE names (a
  company proxy that re-signs TLS, a private CA). The write-back and the extract read the same
  setting.
- A certificate that does not verify is a configuration error at once, never retried: waiting
  does not make a certificate trusted.
"""

import logging
import os
import ssl
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
import orjson

from bookflow.crm.errors import CrmConfigurationError

log = logging.getLogger(__name__)

CA_BUNDLE_ENV = "BOOKFLOW_CA_BUNDLE"
PLAIN_HTTP_ENV = "BOOKFLOW_ALLOW_PLAIN_HTTP_LOCALHOST"
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def require_https(url: str, setting: str, environ: Mapping[str, str] | None = None) -> str:
    """`url` without a trailing slash, if it may carry credentials; CrmConfigurationError if not.

    `setting` names where the URL came from (an env var, an option), so the message says what to fix.
    """
    env = os.environ if environ is None else environ
    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        return url.strip().rstrip("/")
    if parts.scheme == "http" and parts.hostname:
        if parts.hostname in _LOOPBACK_HOSTS and env.get(PLAIN_HTTP_ENV, "").strip() == "1":
            log.warning(
                "%s is plain HTTP (%s): credentials and tokens travel unencrypted. Allowed only because "
                "%s=1 and the host is this machine; never set it for a real CRM.",
                setting,
                url,
                PLAIN_HTTP_ENV,
            )
            return url.strip().rstrip("/")
        raise CrmConfigurationError(
            f"{setting} is {url!r}: bookflow talks to a CRM over HTTPS only (plain HTTP would send the "
            "credentials, the token and customer data in clear text); use the https:// URL"
        )
    raise CrmConfigurationError(f"{setting} is {url!r}, which is not an https:// URL")


def resolve_verify(verify: bool | str | Path, environ: Mapping[str, str] | None = None) -> bool | ssl.SSLContext:
    """What httpx verifies certificates with: a CA bundle path given or set in BOOKFLOW_CA_BUNDLE
    becomes an SSLContext (httpx 0.28 deprecates string paths); True means the system's CAs;
    False (no checks) is for programmatic use only and is logged."""
    env = os.environ if environ is None else environ
    setting = "the verify= option"
    if verify is True and env.get(CA_BUNDLE_ENV, "").strip():
        verify, setting = env[CA_BUNDLE_ENV].strip(), CA_BUNDLE_ENV
    if verify is False:
        log.warning("TLS certificate checks are off for this CRM session: anyone on the path can read it")
        return False
    if verify is True:
        return True
    path = Path(verify)
    if not path.is_file():
        raise CrmConfigurationError(f"{setting} names the CA bundle {path}, which is not a file")
    try:
        return ssl.create_default_context(cafile=str(path))
    except ssl.SSLError as error:
        raise CrmConfigurationError(f"{setting} names {path}, which is not a PEM CA bundle: {error}") from error


def make_client(*, timeout: float, verify: bool | str | Path, connections: int = 10) -> httpx.Client:
    """One client for a whole session: its connections are kept alive across requests and shared
    by the session's threads (httpx.Client is thread-safe); `connections` caps them."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        verify=resolve_verify(verify),
        follow_redirects=False,
        limits=limits,
    )


class SessionClient:
    """The one pooled client of a CRM session, opened on first use and closed once (or by `with`).

    A session sets `timeout`, `verify`, `connections`, `_lock` and `_client = None` in its __init__.
    """

    timeout: float
    verify: bool | str | Path
    connections: int
    _lock: threading.Lock
    _client: httpx.Client | None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = make_client(timeout=self.timeout, verify=self.verify, connections=self.connections)
            return self._client


def tls_failure(error: BaseException, url: str) -> CrmConfigurationError | None:
    """The configuration error for a TLS handshake that failed, or None for any other failure."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    text = str(error)
    if cause is None and "CERTIFICATE_VERIFY_FAILED" not in text:
        return None
    host = urlsplit(url).netloc
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        detail = getattr(cause, "verify_message", None) or text
        return CrmConfigurationError(
            f"the TLS certificate of {host} could not be verified ({detail}): if the CRM is reached through "
            f"a proxy or a private CA, set {CA_BUNDLE_ENV} to that CA's PEM bundle; never turn checks off"
        )
    return CrmConfigurationError(
        f"TLS with {host} failed ({cause or text}): is the URL really an HTTPS endpoint? "
        f"(CA bundle setting: {CA_BUNDLE_ENV})"
    )


def json_body(payload: Any) -> dict[str, Any]:
    """Request arguments that send `payload` as JSON, encoded by orjson.

    A sync sends and reads a JSON body of 200 records per request, thousands of requests: the
    standard library's encoder and decoder took a fifth of the client's CPU per request.
    """
    return {"content": orjson.dumps(payload), "headers": {"Content-Type": "application/json"}}


def json_answer(response: httpx.Response) -> Any:
    """The JSON body of `response`, decoded by orjson (see json_body)."""
    return orjson.loads(response.content)
