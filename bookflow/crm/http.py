"""HTTP plumbing shared by the CRM clients: client setup, the retry policy, the error map.

Which failures are retried, and why:
- reads and token requests change nothing, so they are retried on 429, 5xx, timeouts and
  dropped connections;
- writes are retried only when the CRM certainly did not apply them: 429, 503, the CRM's own
  rate-limit answer, or a connection that never opened. A write whose answer was lost (read
  timeout, dropped connection, 500/502/504) may have been applied, so it raises CrmRequestError
  at once instead: the engine records nothing for that batch, and its next sync reads the owners
  back and recognises what was applied. A blind resend could overwrite an owner someone changed
  by hand in between, which the engine promises never to do.
"""

import email.utils
import logging
import ssl
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from bookflow.crm.errors import CrmConfigurationError, CrmRequestError

log = logging.getLogger(__name__)

# Statuses that say "not now" rather than "no": retried for any request.
_RETRY_ALWAYS = frozenset({429, 503})
# Statuses that may come after the CRM did the work: retried only for requests without side effects.
_RETRY_IF_IDEMPOTENT = frozenset({500, 502, 504})
# Transport errors raised before the request left this machine: safe to resend even a write.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# Statuses a person has to fix (credentials, permissions, URL); the rest are the CRM failing.
_STATUS_HINTS: dict[int, tuple[type[Exception], str]] = {
    400: (CrmRequestError, "the CRM rejected the request"),
    401: (CrmConfigurationError, "the credentials were rejected"),
    403: (CrmConfigurationError, "the user or app lacks a permission or scope"),
    404: (CrmConfigurationError, "not found: check the base URL and API version"),
}


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter; `Retry-After` wins when the CRM sends it.

    A `Retry-After` longer than `max_retry_after` is not waited out: the call fails at once.
    """

    attempts: int = 5
    initial_wait: float = 1.0
    max_wait: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")


class Secret:
    """A credential that never shows in repr(), str() or tracebacks' locals; `reveal()` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


def make_client(*, timeout: float, verify: bool | str | Path) -> httpx.Client:
    """A client for the length of one destination call, with bounded timeouts.

    `verify` is True (system CAs), False (no checks: never in production) or a CA bundle path;
    a path becomes an SSLContext because httpx 0.28 deprecates string paths.
    """
    if isinstance(verify, str | Path):
        path = Path(verify)
        if not path.is_file():
            raise CrmConfigurationError(f"CA bundle {path} (the verify= option) does not exist")
        verify_arg: bool | ssl.SSLContext = ssl.create_default_context(cafile=str(path))
    else:
        verify_arg = verify
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), verify=verify_arg, follow_redirects=False
    )


def describe_error(response: httpx.Response) -> str:
    """The CRM's own error text, from any of the body shapes Salesforce and HubSpot use."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500].strip() or response.reason_phrase
    if isinstance(body, list):  # Salesforce REST: [{"errorCode": ..., "message": ...}]
        parts = [f"{item.get('errorCode', '')}: {item.get('message', '')}" for item in body if isinstance(item, dict)]
        return "; ".join(parts)[:500] or response.reason_phrase
    if isinstance(body, dict):
        if "error" in body and isinstance(body["error"], str):  # OAuth
            return f"{body['error']}: {body.get('error_description', '')}"[:500]
        if "message" in body:  # HubSpot
            category = body.get("category") or body.get("errorType")
            return (f"{category}: {body['message']}" if category else str(body["message"]))[:500]
    return response.text[:500]


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date; None if absent or garbled."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Retry(Exception):
    """One attempt failed in a way that may pass; carries what the CRM said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class _Wait:
    """tenacity wait: the CRM's Retry-After when it sent one, else jittered exponential backoff."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._backoff = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retry) and error.retry_after is not None:
            return error.retry_after
        return self._backoff(state)


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    policy: RetryPolicy,
    idempotent: bool,
    accept: Collection[int] = (),
    is_rate_limited: Callable[[httpx.Response], bool] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request under `policy`; return a 2xx response or one whose status is in `accept`.

    `what` names the call in messages ("Salesforce query"); it and the CRM's message are all an
    error carries, never headers, so a token cannot leak into logs. Raises CrmRequestError when
    the attempts run out, and the mapped error (see _STATUS_HINTS) for a status not worth retrying.
    """

    def attempt() -> httpx.Response:
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as error:
            reason = f"{type(error).__name__}: {error}"
            if idempotent or isinstance(error, _NOT_SENT):
                raise _Retry(reason) from error
            raise CrmRequestError(
                f"{what}: the connection failed after the request was sent ({reason}); the CRM may have "
                "applied it, so it is not resent: the next sync reads the owners back and records what was applied"
            ) from error
        status = response.status_code
        if response.is_success or status in accept:
            return response
        message = f"HTTP {status}: {describe_error(response)}"
        rate_limited = is_rate_limited is not None and is_rate_limited(response)
        if status in _RETRY_ALWAYS or rate_limited or (idempotent and status in _RETRY_IF_IDEMPOTENT):
            wait = retry_after_seconds(response)
            if wait is not None and wait > policy.max_retry_after:
                raise CrmRequestError(f"{what}: {message}; the CRM asks to wait {wait:.0f}s, so try again later")
            raise _Retry(message, wait)
        error_type, hint = _STATUS_HINTS.get(status, (CrmRequestError, "the CRM failed"))
        raise error_type(f"{what}: {hint}: {message}")

    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_Wait(policy),
        retry=retry_if_exception_type(_Retry),
        before_sleep=lambda state: log.warning(
            "%s: attempt %d failed (%s), retrying in %.1fs",
            what,
            state.attempt_number,
            state.outcome.exception() if state.outcome else "?",
            state.next_action.sleep if state.next_action else 0.0,
        ),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _Retry as error:
        raise CrmRequestError(f"{what}: gave up after {policy.attempts} attempts: {error.message}") from error
