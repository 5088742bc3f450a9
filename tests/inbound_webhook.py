"""Hand raisers in tests: the real webhook on a loopback port, a client that signs as senders do,
and what the last cycle left for routing (pool accounts by book, each rep's open room)."""

from __future__ import annotations

import json as jsonlib
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from bookflow import paths
from tests.conftest import query

POOL = "005Dn00000000EXIAY"
SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def reps_always_at_work(workspace):
    """Routing looks at the clock: these tests run at any hour, so every rep takes hand raises all day."""
    (workspace.rules / "rep_availability.csv").write_text(
        "rep_id,time_zone,work_days,work_start,work_end,unavailable_until\n"
    )


def inbound_store(workspace) -> Path:
    return paths.inbound_store_path(workspace.warehouse)


class SignedClient:
    """An HTTP client that signs each body as a sender holding the shared secret does."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def post(self, path: str, *, json=None, content: bytes | None = None, headers: dict | None = None):
        from bookflow.inbound.signatures import sign

        body = content if content is not None else jsonlib.dumps(json).encode()
        return self.client.post(
            path, content=body, headers={"content-type": "application/json", **sign(SECRET, body), **(headers or {})}
        )


@contextmanager
def webhook(workspace):
    """The real webhook app on a free loopback port, served by uvicorn in a thread, checking signatures."""
    from bookflow.inbound.signatures import Verifier
    from bookflow.inbound.webhook import create_app

    app = create_app(store=inbound_store(workspace), rules_dir=workspace.rules, verifier=Verifier(secret=SECRET))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "webhook did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield SignedClient(client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def pool_accounts_by_book(workspace, limit: int) -> list[tuple[str, str]]:
    """Pool accounts with a target book and nothing that keeps them put, from the last cycle."""
    return query(
        workspace.warehouse,
        """
        select account_id, target_book from marts.account_status
        where crm_field = 'owner_id' and owner_id is null and target_book is not null
            and status in ('pool', 'resting', 'review')
            and account_id not in (select account_id from marts.ownership_changes)
        order by account_id limit ?
        """,
        [limit],
    )


def open_capacity(workspace) -> dict[str, tuple[str, int]]:
    rows = query(
        workspace.warehouse,
        "select rep_id, target_book, capacity - book_size_after from marts.rep_capacity where capacity > 0",
    )
    return {rep: (book, room) for rep, book, room in rows}
