"""The retry policy and error map shared by the CRM clients.

Which failures are retried, and why:
- reads and token requests change nothing, so they are retried on 429, 5xx, timeouts and
  dropped connections;
- writes are retried only when the CRM certainly did not apply them: 429, 503, the CRM's own
  rate-limit answer, or a connection that never opened. A write whose answer was lost (read
  timeout, dropped connection, 500/502/504) may have been applied, so it raises CrmAnswerLost at
  once instead: the sync goes on with its other batches and reads those accounts back before it
  ends. A blind resend could overwrite an owner someone changed by hand in between, which the
  sync promises never to do.
- what a person must fix is never retried: a certificate that does not verify, credentials
  refused after a fresh login (401), a refused login (invalid_client), a missing permission;
- a rate limit pauses every request of the session (bookflow.crm.budget), and one that does not
  reopen within the attempts, or a daily allowance spent, raises CrmLimitReached.
"""

import email.utils
import logging
import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import httpx

from bookflow.crm.budget import RateBudget
from bookflow.crm.errors import CrmAnswerLost, CrmConfigurationError, CrmLimitReached, CrmRequestError
from bookflow.crm.transport import make_client, tls_failure

__all__ = ["RetryPolicy", "Secret", "describe_error", "make_client", "retry_after_seconds", "send"]

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
    """Bounded exponential backoff with jitter; `Retry-After` wins when the CRM sends it.

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


def backoff(policy: RetryPolicy, attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of initial x 2^(attempt-1), capped."""
    ceiling = min(policy.max_wait, policy.initial_wait * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


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
    budget: RateBudget | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request under `policy`; return a 2xx response or one whose status is in `accept`.

    `what` names the call in messages ("Salesforce query"); it and the CRM's message are all an
    error carries, never headers, so a token cannot leak into logs. `budget` is the session's
    shared rate budget (a private one when None). Raises CrmRequestError when the attempts run
    out, CrmAnswerLost for a write whose answer was lost, CrmLimitReached for a spent allowance,
    and the mapped error (see _STATUS_HINTS) for a status not worth retrying.
    """
    budget = budget or RateBudget()
    last, rate_limited = "", False
    for attempt in range(1, policy.attempts + 1):
        budget.acquire()
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as error:
            budget.release()
            misconfigured = tls_failure(error, url)
            if misconfigured is not None:
                raise misconfigured from error
            reason = f"{type(error).__name__}: {error}"
            if not idempotent and not isinstance(error, _NOT_SENT):
                raise CrmAnswerLost(
                    f"{what}: the connection failed after the request was sent ({reason}); the CRM may have "
                    "applied it, so it is not resent: the accounts are read back before the sync ends"
                ) from error
            last, rate_limited, wait = reason, False, backoff(policy, attempt)
        else:
            budget.release()
            budget.observe(response)
            status = response.status_code
            if response.is_success or status in accept:
                return response
            last = f"HTTP {status}: {describe_error(response)}"
            retry_after = retry_after_seconds(response)
            rate_limited = status == 429 or (is_rate_limited is not None and is_rate_limited(response))
            if rate_limited:
                spent = budget.spent(response)
                if spent:
                    raise CrmLimitReached(f"{what}: {last}; {spent}")
                wait = budget.throttled(response, retry_after, backoff(policy, attempt))
            elif status in _RETRY_ALWAYS or (idempotent and status in _RETRY_IF_IDEMPOTENT):
                wait = retry_after if retry_after is not None else backoff(policy, attempt)
            elif status in _RETRY_IF_IDEMPOTENT:
                raise CrmAnswerLost(
                    f"{what}: {last}: the CRM may have applied it, so it is not resent: the accounts are "
                    "read back before the sync ends"
                )
            else:
                error_type, hint = _STATUS_HINTS.get(status, (CrmRequestError, "the CRM failed"))
                raise error_type(f"{what}: {hint}: {last}")
            if wait > policy.max_retry_after:
                error_type = CrmLimitReached if rate_limited else CrmRequestError
                raise error_type(f"{what}: {last}; the CRM asks to wait {wait:.0f}s, so try again later")
        if attempt == policy.attempts:
            break
        log.warning("%s: attempt %d failed (%s), retrying in %.1fs", what, attempt, last, wait)
        if not rate_limited:  # a rate limit's wait is the budget's pause, which every request honours
            time.sleep(wait)
    error_type = CrmLimitReached if rate_limited else CrmRequestError
    raise error_type(f"{what}: gave up after {policy.attempts} attempts: {last}")
