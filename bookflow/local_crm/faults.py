"""The failures the local CRM server can play: a real CRM's rate limits, outages, slow answers,
connections that drop after the work was done or mid-answer, and a process killed at a chosen
request.

A Fault answers the next `count` matching requests, or with `every`, each n-th matching request
for as long as the server runs (the write-back is checked under "403 REQUEST_LIMIT_EXCEEDED on
every 7th call, 503 on every 5th, a dropped answer on every 4th").
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_DEFAULT_BODIES = {
    429: {"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT"},
    503: [{"errorCode": "SERVER_UNAVAILABLE", "message": "Service temporarily unavailable, try again"}],
}


@dataclass
class Fault:
    """Answer matching requests (whose path contains `path`) this way instead."""

    path: str
    count: int = 0  # the next `count` matching requests...
    every: int = 0  # ...or every `every`-th matching one, indefinitely
    status: int | None = None  # answer with this status and `body`...
    body: Any = None
    retry_after: str | None = None
    delay: float = 0.0  # ...or answer late...
    drop_after_apply: bool = False  # ...or do the work, then hang up without answering
    drop_mid_body: bool = False  # ...or send half the answer, then hang up
    method: str | None = None  # only requests of this method (None: any)
    seen: int = 0

    def fires(self, method: str, path: str, *, taken: bool) -> bool:
        """Whether this request gets the fault (call under the server's lock). A periodic fault
        counts every matching request; a counted one is used up only when no earlier fault fired."""
        if self.path not in path or (self.method is not None and self.method != method):
            return False
        if self.every:
            self.seen += 1
            return self.seen % self.every == 0
        if self.count > 0 and not taken:
            self.count -= 1
            return True
        return False


# A request's phases a hook hears: before the route runs, after it ran (the work is done, the
# answer not yet sent), after the answer went out.
RECEIVED, APPLIED, ANSWERED = "received", "applied", "answered"
Hook = Callable[[int, str, str, str], None]  # (request number, phase, method, path)


class FaultKnobs:
    """The fault knobs of CrmServer (a mixin): `faults` is read under the server's lock."""

    faults: list[Fault]
    lock: threading.Lock
    # Called at each phase of every request, e.g. to kill the client at a precise point.
    on_request: Hook | None = None

    def fail_next(
        self,
        count: int,
        status: int,
        *,
        path: str = "",
        body: Any = None,
        retry_after: str | None = None,
        method: str | None = None,
    ) -> None:
        self.faults.append(
            Fault(
                path,
                count,
                status=status,
                body=_DEFAULT_BODIES.get(status) if body is None else body,
                retry_after=retry_after,
                method=method,
            )
        )

    def fail_every(self, every: int, status: int, *, path: str = "", body: Any = None) -> None:
        self.faults.append(
            Fault(path, every=every, status=status, body=_DEFAULT_BODIES.get(status) if body is None else body)
        )

    def drop_every(self, every: int, *, path: str = "") -> None:
        """Every `every`-th matching request is carried out, then the connection closes unanswered."""
        self.faults.append(Fault(path, every=every, drop_after_apply=True))

    def slow_next(self, count: int, seconds: float, *, path: str = "", method: str | None = None) -> None:
        self.faults.append(Fault(path, count, delay=seconds, method=method))

    def drop_after_apply_next(self, *, path: str, count: int = 1, method: str | None = None) -> None:
        self.faults.append(Fault(path, count, drop_after_apply=True, method=method))

    def drop_mid_body_next(self, count: int = 1, *, path: str) -> None:
        """Send half of the next `count` answers on `path`, then close the connection."""
        self.faults.append(Fault(path, count, drop_mid_body=True))

    def _fault_for(self, method: str, path: str) -> Fault | None:
        chosen: Fault | None = None
        for fault in self.faults:
            if fault.fires(method, path, taken=chosen is not None) and chosen is None:
                chosen = fault
        return chosen
