"""The CRMs' request allowances, as the readers spend them.

- Salesforce grants an org a number of API calls per rolling 24 hours and says how many are used
  in every answer (`Sforce-Limit-Info: api-usage=used/limit`). `DailyAllowance` reads it and stops
  an extract before it would leave less than `reserve` of the allocation to everything else that
  uses the org (the write-back, other integrations): a clear error instead of locking a company
  out of its CRM.
- HubSpot grants a private app a number of requests per ten seconds (X-HubSpot-RateLimit-*
  headers) and search requests per second. `RollingWindow` paces calls so they stay inside it;
  a 429 that comes anyway is retried after its Retry-After by bookflow.crm.http.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque

import httpx

from bookflow.crm.errors import CrmLimitError

_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class DailyAllowance:
    """Salesforce's daily API allocation, as the org reports it in every answer."""

    def __init__(self, reserve: float = 0.1) -> None:
        if not 0 <= reserve < 1:
            raise ValueError("reserve is a share of the daily allocation, from 0 up to 1")
        self.reserve = reserve
        self.used: int | None = None
        self.limit: int | None = None
        self._lock = threading.Lock()

    def observe(self, response: httpx.Response) -> None:
        match = _API_USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            with self._lock:
                self.used, self.limit = int(match[1]), int(match[2])

    def check(self, calls_needed: int, what: str) -> None:
        """Raise CrmLimitError if `calls_needed` more calls would eat into the reserve."""
        with self._lock:
            if self.used is None or self.limit is None:
                return
            left = self.limit - self.used - int(self.limit * self.reserve)
        if calls_needed > left:
            raise CrmLimitError(
                f"Salesforce daily API allocation: {what} needs about {calls_needed:,} calls, and only "
                f"{max(left, 0):,} are left before the {self.reserve:.0%} kept for other uses of the org "
                f"({self.used:,} of {self.limit:,} used in the last 24 hours). Nothing was published; "
                "rerun later (the extract resumes from its cursors) or ask for a higher allocation."
            )


class RollingWindow:
    """At most `calls` requests in any `seconds`: `acquire()` waits for a free slot."""

    def __init__(self, calls: int, seconds: float) -> None:
        self.calls = calls
        self.seconds = seconds
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.seconds:
                    self._sent.popleft()
                if len(self._sent) < self.calls:
                    self._sent.append(now)
                    return
                pause = self.seconds - (now - self._sent[0])
            self.waited += pause
            time.sleep(pause)

    def observe(self, response: httpx.Response) -> None:
        """Follow the budget the CRM announces (HubSpot's differs by subscription)."""
        limit = response.headers.get("X-HubSpot-RateLimit-Max")
        interval = response.headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if limit and interval and limit.isdigit() and interval.isdigit():
            with self._lock:
                # A tenth kept back: other apps and bookflow's own write-back share the portal's budget.
                self.calls = max(1, int(limit) * 9 // 10)
                self.seconds = int(interval) / 1000
