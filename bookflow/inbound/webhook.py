"""A local webhook for CRMs and forms that push hand raises: it appends them to the signals table.

POST /hand-raises with one JSON object or a list of up to 1,000:
    {"account_id": "001...", "signal_type": "demo_request", "occurred_at": "2026-06-02T10:00:00Z",
     "strength": 1.0}
Only `account_id` is required: `signal_type` defaults to the first hand-raise type in the rules,
`occurred_at` to now, `strength` to 1. A payload is accepted whole or not at all: any bad item
gets a 4xx naming the item and the problem, and nothing is written. Accepted hand raises land in
`signals.account_signal` with `received_at` = now, where the sensor (or `bookflow watch`) finds them.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bookflow.validation import check_rules
from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.ledger import utc_now

MAX_ITEMS = 1000
# A clock a little ahead of ours is fine; a date far in the future is a broken sender.
_FUTURE_TOLERANCE = timedelta(minutes=5)


class HandRaise(BaseModel):
    """One hand raise as a sender may post it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    account_id: str = Field(min_length=1, max_length=64)
    signal_type: str | None = Field(default=None, min_length=1, max_length=64)
    occurred_at: datetime | None = None
    strength: float = Field(default=1.0, ge=0.0, le=1.0)

    @field_validator("occurred_at")
    @classmethod
    def _utc_and_not_future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if value > utc_now() + _FUTURE_TOLERANCE:
            raise ValueError("occurred_at is in the future")
        return value


class Rejected(Exception):
    def __init__(self, status: int, reason: str, problems: list[str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.problems = status, reason, problems or []


def _hand_raise_types(rules_dir: Path) -> list[str]:
    with (rules_dir / "signal_weights.csv").open(newline="") as handle:
        return [row["signal_type"] for row in csv.DictReader(handle) if row["is_hand_raise"].strip().lower() == "true"]


def _parse(body: bytes, hand_raise_types: list[str]) -> list[HandRaise]:
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
            hand_raise.signal_type = hand_raise_types[0]
        elif hand_raise.signal_type not in hand_raise_types:
            problems.append(
                f"{where}: signal_type {hand_raise.signal_type!r} is not a hand raise in signal_weights.csv "
                f"(hand raises: {', '.join(hand_raise_types)})"
            )
            continue
        parsed.append(hand_raise)
    if problems:
        raise Rejected(422, "invalid hand raise payload; nothing was recorded", problems)
    return parsed


def _append(crm: Path, hand_raises: list[HandRaise]) -> datetime:
    """Append in one transaction, after checking every account exists in the CRM."""
    received_at = utc_now()
    ids = [hand_raise.account_id for hand_raise in hand_raises]
    with open_duckdb(crm) as con:
        con.execute("begin transaction")
        try:
            unknown = con.execute(
                """
                select requested.account_id
                from (select distinct unnest(?::varchar[]) as account_id) as requested
                left join salesforce.account as account
                    on requested.account_id = account.id and not coalesce(account.is_deleted, false)
                group by requested.account_id
                having count(account.id) <> 1
                order by requested.account_id
                """,
                [ids],
            ).fetchall()
            if unknown:
                raise Rejected(
                    422,
                    "unknown accounts; nothing was recorded",
                    [f"account {row[0]!r} is not exactly one live account in the CRM" for row in unknown],
                )
            con.execute(
                """
                insert into signals.account_signal (account_id, signal_type, occurred_at, strength, received_at)
                select unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::timestamp[]), unnest(?::double[]), ?
                """,
                [
                    ids,
                    [hand_raise.signal_type for hand_raise in hand_raises],
                    [hand_raise.occurred_at or received_at for hand_raise in hand_raises],
                    [hand_raise.strength for hand_raise in hand_raises],
                    received_at,
                ],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return received_at


def create_app(*, crm: Path, rules_dir: Path) -> Starlette:
    """The webhook app for one CRM file and rules directory (checked once, at start)."""
    check_rules(rules_dir)
    hand_raise_types = _hand_raise_types(rules_dir)
    if not hand_raise_types:
        raise ValueError(f"no signal type is a hand raise in {rules_dir / 'signal_weights.csv'}")
    if not crm.exists():
        raise ValueError(f"CRM {crm} does not exist: run `bookflow demo` to create it")
    with open_duckdb(crm) as con:
        # CRMs made before hand raises were stamped lack the column. Once, here: a schema change
        # inside concurrent requests' transactions would make them conflict.
        con.execute("alter table signals.account_signal add column if not exists received_at timestamp")

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            hand_raises = _parse(body, hand_raise_types)
            # DuckDB blocks; run it off the event loop so one slow write does not stall other requests.
            received_at = await run_in_threadpool(_append, crm, hand_raises)
        except Rejected as rejected:
            return JSONResponse({"error": rejected.reason, "problems": rejected.problems}, status_code=rejected.status)
        return JSONResponse({"accepted": len(hand_raises), "received_at": received_at.isoformat()}, status_code=202)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "hand_raise_types": hand_raise_types})

    return Starlette(routes=[Route("/hand-raises", receive, methods=["POST"]), Route("/health", health)])
