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

tenacity drives the attempts (stop after `attempts`, wait the CRM's Retry-After or jittered
backoff); a rate limit's wait is not slept by the retry but by the session's budget, so that
every request in flight waits with it.
"""

import email.utils
import logging
import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

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


class _Retry(Exception):
    """One attempt failed in a way that may pass: what the CRM said, and how long to wait."""

    def __init__(self, message: str, wait: float, *, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.wait = wait
        # A rate limit's wait is the budget's pause, which every request of the session honours
        # before it leaves: the retry itself does not sleep on top of it.
        self.rate_limited = rate_limited


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if not isinstance(error, _Retry) or error.rate_limited:
        return 0.0
    return error.wait


def _log_retry(what: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retry):
            log.warning("%s: attempt %d failed (%s), retrying in %.1fs", what, state.attempt_number, error, error.wait)

    return before_sleep


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
    and the mapped error (see _STATUS_HINTS) for a status not worth retrying. tenacity runs the
    attempts; each attempt (`_Call`) decides what its failure means.
    """
    call = _Call(client, method, url, what, policy, idempotent, accept, is_rate_limited, budget or RateBudget(), kwargs)
    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_wait,
        retry=retry_if_exception_type(_Retry),
        before_sleep=_log_retry(what),
        reraise=True,
    )
    try:
        return retrying(call)
    except _Retry as error:
        error_type = CrmLimitReached if error.rate_limited else CrmRequestError
        raise error_type(f"{what}: gave up after {policy.attempts} attempts: {error.message}") from error


@dataclass
class _Call:
    """One request to send; calling it makes one attempt: the response, _Retry for a failure that
    may pass, or the error that ends the call."""

    client: httpx.Client
    method: str
    url: str
    what: str
    policy: RetryPolicy
    idempotent: bool
    accept: Collection[int]
    is_rate_limited: Callable[[httpx.Response], bool] | None
    budget: RateBudget
    kwargs: dict[str, Any]
    attempts: int = 0

    def __call__(self) -> httpx.Response:
        self.attempts += 1
        what, budget = self.what, self.budget
        budget.acquire()
        try:
            response = self.client.request(self.method, self.url, **self.kwargs)
        except httpx.TransportError as error:
            budget.release()
            misconfigured = tls_failure(error, self.url)
            if misconfigured is not None:
                raise misconfigured from error
            reason = f"{type(error).__name__}: {error}"
            if not self.idempotent and not isinstance(error, _NOT_SENT):
                raise CrmAnswerLost(
                    f"{what}: the connection failed after the request was sent ({reason}); the CRM may have "
                    "applied it, so it is not resent: the accounts are read back before the sync ends"
                ) from error
            raise _Retry(reason, backoff(self.policy, self.attempts)) from error
        budget.release()
        budget.observe(response)
        status = response.status_code
        if response.is_success or status in self.accept:
            return response
        last = f"HTTP {status}: {describe_error(response)}"
        retry_after = retry_after_seconds(response)
        if status == 429 or (self.is_rate_limited is not None and self.is_rate_limited(response)):
            spent = budget.spent(response)
            if spent:
                raise CrmLimitReached(f"{what}: {last}; {spent}")
            wait = budget.throttled(response, retry_after, backoff(self.policy, self.attempts))
            if wait > self.policy.max_retry_after:
                raise CrmLimitReached(f"{what}: {last}; the CRM asks to wait {wait:.0f}s, so try again later")
            raise _Retry(last, wait, rate_limited=True)
        if status in _RETRY_ALWAYS or (self.idempotent and status in _RETRY_IF_IDEMPOTENT):
            wait = retry_after if retry_after is not None else backoff(self.policy, self.attempts)
            if wait > self.policy.max_retry_after:
                raise CrmRequestError(f"{what}: {last}; the CRM asks to wait {wait:.0f}s, so try again later")
            raise _Retry(last, wait)
        if status in _RETRY_IF_IDEMPOTENT:
            raise CrmAnswerLost(
                f"{what}: {last}: the CRM may have applied it, so it is not resent: the accounts are read back "
                "before the sync ends"
            )
        error_type, hint = _STATUS_HINTS.get(status, (CrmRequestError, "the CRM failed"))
        raise error_type(f"{what}: {hint}: {last}")
