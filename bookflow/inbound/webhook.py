"""The hand-raise webhook: signed POSTs from forms, loaders and HubSpot land in the store's inbox.

POST /hand-raises with one JSON object or a list of up to 1,000 (bookflow.inbound.hand_raise
says what a hand raise holds):
    {"email": "jane@acme.co.uk", "company_name": "Acme Ltd", "country": "GB",
     "signal_type": "demo_request", "occurred_at": "2026-06-02T10:00:00Z", "source_id": "form-123"}
Every request must be signed (bookflow.inbound.signatures): 401 when the signature is missing,
wrong or outside the replay window, and nothing is read. A payload is accepted whole or not at
all: a bad item gets a 4xx naming the item and the problem, and nothing is written. Bodies are
never logged. Accepted hand raises land in `inbound.hand_raise_inbox`, where the sensor (or
`bookflow watch`) routes them.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bookflow.inbound.hand_raise import HandRaise, InboxWriter
from bookflow.inbound.signatures import Unauthorized, Verifier
from bookflow.inbound.store import ensure_store
from bookflow.validation import check_rules
from reverse_etl.ledger import utc_now

MAX_ITEMS = 1000
MAX_BODY_BYTES = 4 * 1024 * 1024
log = logging.getLogger("bookflow.webhook")


class Rejected(Exception):
    def __init__(self, status: int, reason: str, problems: list[str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.problems = status, reason, problems or []


def hand_raise_types(rules_dir: Path) -> list[str]:
    with (rules_dir / "signal_weights.csv").open(newline="") as handle:
        return [row["signal_type"] for row in csv.DictReader(handle) if row["is_hand_raise"].strip().lower() == "true"]


def parse_hand_raises(body: bytes, types: list[str]) -> list[HandRaise]:
    """The hand raises of a request body, or Rejected naming every bad item."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Rejected(400, f"body is not valid JSON: {error}") from error
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise Rejected(400, "empty list: nothing to record")
    if len(items) > MAX_ITEMS:
        raise Rejected(413, f"{len(items)} hand raises in one request; send at most {MAX_ITEMS}")
    parsed: list[HandRaise] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        where = f"item {index}" if isinstance(payload, list) else "payload"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a JSON object, got {type(item).__name__}")
            continue
        try:
            hand_raise = HandRaise.model_validate(item)
        except ValidationError as error:
            problems += [
                f"{where}: {'.'.join(str(part) for part in detail['loc']) or 'value'}: {detail['msg']}"
                for detail in error.errors()
            ]
            continue
        if hand_raise.signal_type is None:
            hand_raise.signal_type = types[0]
        elif hand_raise.signal_type not in types:
            problems.append(
                f"{where}: signal_type {hand_raise.signal_type!r} is not a hand raise in signal_weights.csv "
                f"(hand raises: {', '.join(types)})"
            )
            continue
        parsed.append(hand_raise)
    if problems:
        raise Rejected(422, "invalid hand raise payload; nothing was recorded", problems)
    return parsed


def create_app(*, store: Path, rules_dir: Path, verifier: Verifier | None, public_url: str | None = None) -> Starlette:
    """The webhook app for one store and rules directory (checked once, at start).

    `verifier` None accepts unsigned requests: only for local demos (`--insecure-no-signature`).
    `public_url` is the URL senders call (https://hooks.example.com), when a proxy in front
    changes it: HubSpot signs the URL it called.
    """
    check_rules(rules_dir)
    types = hand_raise_types(rules_dir)
    if not types:
        raise ValueError(f"no signal type is a hand raise in {rules_dir / 'signal_weights.csv'}")
    ensure_store(store)
    inbox = InboxWriter(store)

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": f"body over {MAX_BODY_BYTES} bytes", "problems": []}, status_code=413)
        if verifier is not None:
            uri = public_url.rstrip("/") + request.url.path if public_url else str(request.url)
            if request.url.query and public_url:
                uri += "?" + request.url.query
            try:
                verifier.verify(request.method, uri, request.headers, body)
            except Unauthorized as refused:
                # The reason goes to the log, never the body; the caller learns only that it was refused.
                log.warning(
                    "hand-raise request refused from %s: %s", request.client.host if request.client else "?", refused
                )
                return JSONResponse({"error": "unauthorized", "problems": []}, status_code=401)
        received_at = utc_now()
        try:
            hand_raises = parse_hand_raises(body, types)
            # DuckDB blocks; run it off the event loop so one slow write does not stall other requests.
            added = await run_in_threadpool(inbox.append, hand_raises, received_at=received_at)
        except Rejected as rejected:
            return JSONResponse({"error": rejected.reason, "problems": rejected.problems}, status_code=rejected.status)
        return JSONResponse(
            {"accepted": len(hand_raises), "new": added, "received_at": received_at.isoformat()}, status_code=202
        )

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "hand_raise_types": types})

    return Starlette(routes=[Route("/hand-raises", receive, methods=["POST"]), Route("/health", health)])
