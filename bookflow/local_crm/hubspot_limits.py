"""HubSpot's limits on the local CRM server: a private app's rolling window and daily limit (429
past them, policyName and the X-HubSpot-RateLimit-* headers on every answer outside search, whose
per-second limit is its own) and the scopes it was granted. A mixin of CrmServer.

HubSpot counts a request against its limits as it arrives, not when it is answered: the server
calls `_hubspot_rate` when a request comes in.
"""

import secrets
import time
from collections import deque
from dataclasses import dataclass, field


def hubspot_error(status: int, category: str, message: str, **extra) -> tuple:
    """An error answer in HubSpot's shape."""
    return status, {"status": "error", "message": message, "category": category, **extra}, None


@dataclass
class HubSpotLimits:
    """The private app's limits: `max_requests` per rolling `interval_ms`, `daily` per day (None: none)."""

    max_requests: int = 100
    interval_ms: int = 10_000
    daily: int | None = None
    sent: deque = field(default_factory=deque)  # arrival times within the window
    used_today: int = 0
    refused: int = 0  # requests answered 429 by these limits


class HubSpotLimitRoutes:
    hubspot_limits: HubSpotLimits | None
    hubspot_missing_scopes: set[str]

    def _hubspot_rate(self, path: str) -> tuple[tuple | None, dict[str, str]]:
        """A 429 answer when the request is over a limit (else None), and the rate headers.

        Searches have a per-second limit of their own and answer without these headers."""
        limits = self.hubspot_limits
        if limits is None or path.endswith("/search"):
            return None, {}
        now = time.monotonic()
        while limits.sent and limits.sent[0] <= now - limits.interval_ms / 1000:
            limits.sent.popleft()
        policy = None
        if limits.daily is not None and limits.used_today >= limits.daily:
            policy = ("DAILY", "daily")
        elif len(limits.sent) >= limits.max_requests:
            policy = ("TEN_SECONDLY_ROLLING", "ten_secondly_rolling")
        else:
            limits.sent.append(now)
            limits.used_today += 1
        headers = {
            "X-HubSpot-RateLimit-Max": str(limits.max_requests),
            "X-HubSpot-RateLimit-Remaining": str(max(0, limits.max_requests - len(limits.sent))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(limits.interval_ms),
        }
        if limits.daily is not None:
            headers["X-HubSpot-RateLimit-Daily"] = str(limits.daily)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(max(0, limits.daily - limits.used_today))
        if policy is None:
            return None, headers
        limits.refused += 1
        body = {
            "status": "error",
            "message": f"You have reached your {policy[1]} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": secrets.token_hex(8),
            "policyName": policy[0],
        }
        return (429, body, None), headers

    def _hubspot_scope_error(self, scope: str) -> tuple | None:
        if scope not in self.hubspot_missing_scopes:
            return None
        return hubspot_error(
            403,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call.",
            errors=[
                {"message": "One or more of the following scopes are required.", "context": {"requiredScopes": [scope]}}
            ],
        )
