"""A hand raise, whatever brought it: the one interface between the sources and routing.

    a hand raise = account hint (account id, e-mail, website, company name, country, employees)
                 + signal type + occurred_at + received_at + source (+ the source's own id)

Sources (the webhook, rows a loader appends to the warehouse, the CRM's own leads and contacts:
crm_source.py) turn what they receive into `HandRaise`s and append them to the inbox in the store
(`inbound.hand_raise_inbox`); routing reads only the inbox. At least one hint must name the
company: an account id, a company e-mail or website, or a company name.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.ledger import utc_now

# A clock a little ahead of ours is fine; a date far in the future is a broken sender.
_FUTURE_TOLERANCE = timedelta(minutes=5)
_COLUMNS = (
    "hand_raise_id, source, source_id, account_id, email, website, company_name, country, employees, "
    "signal_type, occurred_at, received_at, strength"
)


class HandRaise(BaseModel):
    """One hand raise as a source hands it over; `signal_type` None means the rules' first hand-raise type."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    account_id: str | None = Field(default=None, min_length=1, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    website: str | None = Field(default=None, max_length=2048)
    company_name: str | None = Field(default=None, max_length=255)
    country: str | None = Field(default=None, max_length=64)
    employees: int | None = Field(default=None, ge=0)
    signal_type: str | None = Field(default=None, min_length=1, max_length=64)
    occurred_at: datetime | None = None
    strength: float = Field(default=1.0, ge=0.0, le=1.0)
    source: str = Field(default="webhook", min_length=1, max_length=64)
    source_id: str | None = Field(default=None, max_length=255)

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

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str | None) -> str | None:
        if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError("email is not an e-mail address")
        return value or None

    @model_validator(mode="after")
    def _names_a_company(self) -> HandRaise:
        if not (self.account_id or self.email or self.website or self.company_name):
            raise ValueError("a hand raise needs account_id, email, website or company_name")
        return self

    def hand_raise_id(self, received_at: datetime) -> str:
        """Stable per hand raise: the source's own id when it has one (a resend is the same hand
        raise), else what it says and when it arrived."""
        if self.source_id:
            key = f"{self.source}|{self.source_id}"
        else:
            hints = (self.account_id, self.email, self.website, self.company_name, self.country)
            key = "|".join([self.source, *(hint or "" for hint in hints), str(self.signal_type), str(self.occurred_at),
                            received_at.isoformat()])  # fmt: skip
        return hashlib.md5(key.encode()).hexdigest()


class InboxWriter:
    """Appends for many request threads of one process through one connection at a time.

    DuckDB lets a process open a file once at a time and the router needs the store between
    writes, so one request thread at a time writes, and it writes for every request that arrived
    meanwhile (a group commit): a burst costs a few opens, not one per request. A thread whose
    hand raises another one wrote returns at once; it never takes a turn of its own, or each
    would write the few that came after it, one open each, and the burst would queue behind them.
    """

    def __init__(self, store: Path) -> None:
        self.store = store
        self._turns = threading.Condition()
        self._writing = False
        self._waiting: list[tuple[list[HandRaise], datetime, Future]] = []

    def append(self, hand_raises: Sequence[HandRaise], *, received_at: datetime) -> int:
        """Append in a committed transaction of the store; how many were new. Returns only once committed."""
        done: Future = Future()
        with self._turns:
            self._waiting.append((list(hand_raises), received_at, done))
            while self._writing and not done.done():
                self._turns.wait()
            if done.done():
                return done.result()
            self._writing = True
            batch, self._waiting = self._waiting, []
        try:
            added = _append(self.store, [(raised, at) for items, at, _ in batch for raised in items])
            for items, at, waiter in batch:
                waiter.set_result(sum(raised.hand_raise_id(at) in added for raised in items))
        except BaseException as error:
            for _, _, waiter in batch:
                waiter.set_exception(error)
        finally:
            with self._turns:
                self._writing = False
                self._turns.notify_all()
        return done.result()


def append_to_inbox(store: Path, hand_raises: Sequence[HandRaise], *, received_at: datetime | None = None) -> int:
    """Append in one short transaction of the store (made by ensure_store); a hand raise already
    there is not added twice. Returns how many were new. Every item needs its signal_type set."""
    received_at = received_at or utc_now()
    return len(_append(store, [(raised, received_at) for raised in hand_raises]))


def _append(store: Path, hand_raises: Sequence[tuple[HandRaise, datetime]]) -> set[str]:
    """The ids of the hand raises that were new."""
    rows = [
        (
            raised.hand_raise_id(received_at), raised.source, raised.source_id, raised.account_id, raised.email,
            raised.website, raised.company_name, raised.country, raised.employees, raised.signal_type,
            raised.occurred_at or received_at, received_at, raised.strength,
        )
        for raised, received_at in hand_raises
    ]  # fmt: skip
    with open_duckdb(store) as con:
        con.execute("begin transaction")
        try:
            known = {
                row[0]
                for row in con.execute(
                    "select hand_raise_id from inbound.hand_raise_inbox where hand_raise_id in (select unnest(?))",
                    [[row[0] for row in rows]],
                ).fetchall()
            }
            con.executemany(
                f"insert into inbound.hand_raise_inbox ({_COLUMNS}) values ({', '.join('?' * 13)}) "
                "on conflict (hand_raise_id) do nothing",
                rows,
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return {row[0] for row in rows} - known
