"""Rate budgets: one per CRM session, shared by every thread that sends through it.

A CRM's limits are per org or portal, not per thread: when one request hears "slow down", every
request of the session waits, and a sync with several requests in flight paces itself as one.

- RateBudget: waits out what the CRM asks (429, Salesforce's REQUEST_LIMIT_EXCEEDED) for all.
- SalesforceBudget: also reads `Sforce-Limit-Info: api-usage=used/limit`, the org's daily API
  allocation. When it is spent, a REQUEST_LIMIT_EXCEEDED will not pass by waiting. A caller that
  knows how many calls its work needs (the extract) claims them first and stops before it would
  eat into the share kept for the org's other uses.
- HubSpotBudget: paces by `X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds` so
  requests slow down before the rolling window (100-190 per 10 s) closes, instead of running
  into 429s; a 429 waits the whole window out; `-Daily-Remaining` 0 or a 429 of policy DAILY
  stops at once. A HubSpot session keeps a second one, of fixed size, for the search endpoints,
  which have a per-second limit of their own.
"""

import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bookflow.crm.errors import CrmLimitReached


class RateBudget:
    """The pause every request of a session honours, and how many are in flight."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._paused_until = 0.0
        self.in_flight = 0
        self.requests = 0

    def acquire(self) -> None:
        """Block until a request may leave, then count it as in flight."""
        with self._lock:
            while (wait := self._wait_locked(time.monotonic())) > 0:
                self._lock.wait(wait)
            self.in_flight += 1
            self.requests += 1
            self._sent_locked(time.monotonic())

    def release(self) -> None:
        """The request's answer (or failure) is in."""
        with self._lock:
            self.in_flight -= 1
            self._lock.notify_all()

    def observe(self, response: httpx.Response) -> None:
        """Learn what the CRM's headers say about the allowance left."""

    def spent(self, response: httpx.Response) -> str | None:
        """Why waiting will not bring the allowance back within a sync, or None."""
        return None

    def throttled(self, response: httpx.Response, retry_after: float | None, backoff: float) -> float:
        """The CRM said slow down: every request of the session waits; returns the wait."""
        wait = retry_after if retry_after is not None else backoff
        self.pause(wait)
        return wait

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def _wait_locked(self, now: float) -> float:
        return self._paused_until - now

    def _sent_locked(self, now: float) -> None:
        pass


_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class SalesforceBudget(RateBudget):
    """Also keeps the org's daily API usage from `Sforce-Limit-Info`."""

    def __init__(self) -> None:
        super().__init__()
        self.api_used: int | None = None
        self.api_limit: int | None = None
        self._claimed = 0  # calls held by work under way (claim)

    def observe(self, response: httpx.Response) -> None:
        match = _API_USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            used, limit = int(match.group(1)), int(match.group(2))
            with self._lock:
                # Answers to requests in flight side by side arrive out of order: the highest
                # usage seen is the latest (within a session the rolling day hardly recovers).
                if limit == self.api_limit and self.api_used is not None:
                    used = max(used, self.api_used)
                self.api_used, self.api_limit = used, limit

    def spent(self, response: httpx.Response) -> str | None:
        if self.api_used is not None and self.api_limit and self.api_used >= self.api_limit:
            return (
                f"the org has used {self.api_used:,} of its {self.api_limit:,} daily API requests "
                "(Sforce-Limit-Info): the rest waits for the allowance to recover"
            )
        return None

    @contextmanager
    def claim(self, calls: int, what: str, *, reserve: float) -> Iterator[None]:
        """Hold `calls` of the daily allocation while the work inside spends them; CrmLimitReached
        at once if they would eat into the `reserve` share, which is left to everything else that
        uses the org (the write-back, other integrations): a clear stop instead of locking a company
        out of its CRM. Work running side by side claims from the same allocation, so together it
        stops before the reserve too (a claim counts until its work ends: on the safe side)."""
        if not 0 <= reserve < 1:
            raise ValueError("reserve is a share of the daily allocation, from 0 up to 1")
        with self._lock:
            used, limit = self.api_used, self.api_limit
            if used is not None and limit:  # else no answer yet: the first one says
                left = limit - used - int(limit * reserve) - self._claimed
                if calls > left:
                    raise CrmLimitReached(
                        f"Salesforce daily API allocation: {what} needs about {calls:,} calls, and only "
                        f"{max(left, 0):,} are left before the {reserve:.0%} kept for other uses of the org "
                        f"({used:,} of {limit:,} used in the last 24 hours): stopped before spending them. Run "
                        "again later or ask Salesforce for a higher allocation"
                    )
            self._claimed += calls
        try:
            yield
        finally:
            with self._lock:
                self._claimed -= calls

    def usage(self) -> str | None:
        if self.api_used is None or not self.api_limit:
            return None
        return f"Salesforce API usage {self.api_used:,} of {self.api_limit:,} daily requests"


class HubSpotBudget(RateBudget):
    """Paces requests to stay inside HubSpot's rolling window.

    Until the first answer says otherwise the window is 100 requests per 10 s (the smallest
    private-app limit). `headroom` of it is left unused, in requests and in time: a request counts
    against our window for 10% longer than HubSpot's (at least `lag` seconds longer), since HubSpot
    counts it when it arrives and arrivals lag sends by varying amounts (a new connection's
    handshake, a busy machine). With `follow_headers` False the window stays as given (searches:
    their answers do not describe their own limit).
    """

    def __init__(
        self,
        *,
        max_requests: int = 100,
        interval: float = 10.0,
        headroom: float = 0.1,
        lag: float = 0.25,
        follow_headers: bool = True,
    ) -> None:
        super().__init__()
        self.max_requests = max_requests
        self.interval = interval
        self.headroom = headroom
        self.lag = lag
        self.follow_headers = follow_headers
        self.remaining: int | None = None
        self.daily_remaining: int | None = None
        self._sent: deque[float] = deque()

    @property
    def window(self) -> float:
        """How long a request counts against the session's window."""
        return self.interval + max(self.interval * self.headroom, self.lag)

    @property
    def allowed(self) -> int:
        """Requests the session lets itself send per window."""
        return max(1, int(self.max_requests * (1 - self.headroom)))

    def observe(self, response: httpx.Response) -> None:
        if not self.follow_headers:
            return
        headers = response.headers
        with self._lock:
            self.max_requests = _int(headers, "X-HubSpot-RateLimit-Max") or self.max_requests
            interval_ms = _int(headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
            self.interval = interval_ms / 1000 if interval_ms else self.interval
            self.remaining = _int(headers, "X-HubSpot-RateLimit-Remaining")
            daily = _int(headers, "X-HubSpot-RateLimit-Daily-Remaining")
            self.daily_remaining = daily if daily is not None else self.daily_remaining
            if self.remaining is not None and self.remaining <= self.in_flight and self._sent:
                # Other apps of the portal are spending the window too: wait for our oldest
                # request to leave it rather than run into a 429.
                self._paused_until = max(self._paused_until, self._sent[0] + self.window)

    def spent(self, response: httpx.Response) -> str | None:
        policy = _policy(response)
        if policy == "DAILY" or self.daily_remaining == 0:
            return "the portal's daily API limit is spent (X-HubSpot-RateLimit-Daily-Remaining): the rest waits until tomorrow"
        return None

    def throttled(self, response: httpx.Response, retry_after: float | None, backoff: float) -> float:
        # A rolling window reopens only when the requests in it age out: wait it out whole.
        wait = retry_after if retry_after is not None else self.interval
        if _policy(response) == "SECONDLY":
            wait = retry_after if retry_after is not None else 1.0
        self.pause(wait)
        return wait

    def _wait_locked(self, now: float) -> float:
        window = self.window
        while self._sent and self._sent[0] <= now - window:
            self._sent.popleft()
        wait = self._paused_until - now
        if len(self._sent) >= self.allowed:
            wait = max(wait, self._sent[len(self._sent) - self.allowed] + window - now)
        return wait

    def _sent_locked(self, now: float) -> None:
        self._sent.append(now)


def hubspot_search_budget() -> HubSpotBudget:
    """The search endpoints' own limit: four requests a second per app (no other app shares it)."""
    return HubSpotBudget(max_requests=4, interval=1.0, headroom=0.0, follow_headers=False)


def _int(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _policy(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get("policyName"):
        return None
    return str(body["policyName"]).upper()
