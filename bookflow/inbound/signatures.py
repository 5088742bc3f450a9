"""Who may post hand raises: HMAC signatures over the request, with a replay window.

bookflow's own scheme, for forms and loaders that post to the webhook:

    X-Bookflow-Timestamp: 1780000000            (Unix seconds when the request was signed)
    X-Bookflow-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

HubSpot's v3 request signature, as HubSpot's webhooks and workflow actions send it (its docs,
"Validating requests": the app's client secret as the key):

    X-HubSpot-Request-Timestamp: 1780000000000  (Unix milliseconds)
    X-HubSpot-Signature-v3: <base64 HMAC-SHA256(secret, method + uri + body + timestamp)>

where uri is the URL HubSpot called, with its URL-encoded characters decoded. Both refuse a
request signed more than five minutes from now either way, and compare in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

REPLAY_WINDOW_S = 300.0
SECRET_ENV = "BOOKFLOW_WEBHOOK_SECRET"
HUBSPOT_SECRET_ENV = "BOOKFLOW_HUBSPOT_CLIENT_SECRET"
SIGNATURE_HEADER = "x-bookflow-signature"
TIMESTAMP_HEADER = "x-bookflow-timestamp"
HUBSPOT_SIGNATURE_HEADER = "x-hubspot-signature-v3"
HUBSPOT_TIMESTAMP_HEADER = "x-hubspot-request-timestamp"


class Unauthorized(Exception):
    """The request is not signed by someone who holds the secret (or not recently)."""


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers a sender adds: for clients, tests and the benchmark."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Bookflow-Timestamp": stamp, "X-Bookflow-Signature": f"sha256={digest}"}


def sign_hubspot_v3(secret: str, method: str, uri: str, body: bytes, timestamp_ms: int | None = None) -> dict[str, str]:
    """The headers HubSpot sends with a v3 signature."""
    stamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    message = method.encode() + unquote(uri).encode() + body + stamp.encode()
    digest = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
    return {"X-HubSpot-Request-Timestamp": stamp, "X-HubSpot-Signature-v3": digest}


def _fresh(seconds: float, now: float) -> None:
    if abs(now - seconds) > REPLAY_WINDOW_S:
        raise Unauthorized("signature timestamp outside the 5-minute window")


@dataclass(frozen=True)
class Verifier:
    """Checks a request's headers and body; a scheme whose secret is None is not accepted."""

    secret: str | None
    hubspot_secret: str | None = None

    def verify(
        self, method: str, uri: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
    ) -> str:
        """The scheme that signed the request ('bookflow' or 'hubspot_v3'); raises Unauthorized otherwise."""
        now = time.time() if now is None else now
        if self.hubspot_secret and HUBSPOT_SIGNATURE_HEADER in headers:
            stamp = headers.get(HUBSPOT_TIMESTAMP_HEADER, "")
            if not stamp.isdigit():
                raise Unauthorized("missing or malformed X-HubSpot-Request-Timestamp")
            _fresh(int(stamp) / 1000, now)
            expected = sign_hubspot_v3(self.hubspot_secret, method, uri, body, int(stamp))["X-HubSpot-Signature-v3"]
            if not hmac.compare_digest(expected.encode(), headers[HUBSPOT_SIGNATURE_HEADER].encode()):
                raise Unauthorized("bad X-HubSpot-Signature-v3")
            return "hubspot_v3"
        if not self.secret:
            raise Unauthorized("no accepted signature on the request")
        stamp, signature = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
        if not stamp.isdigit() or not signature:
            raise Unauthorized("missing X-Bookflow-Timestamp or X-Bookflow-Signature")
        _fresh(int(stamp), now)
        expected = sign(self.secret, body, int(stamp))["X-Bookflow-Signature"]
        if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
            raise Unauthorized("bad X-Bookflow-Signature")
        return "bookflow"
