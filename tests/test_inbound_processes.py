"""The webhook and the router as the long-running processes they are: under load, and on Ctrl-C.

Under load they share the inbound store, each for short transactions.

DuckDB reads a file's header before it takes the file's lock, and a process that got the lock
just after another one checkpointed used to open the older database and write over what the
other had committed: one hand raise in 800, answered 202, never reached the inbox of a
100,000-account bench-inbound. The window is a fraction of a millisecond; where strace is at hand
the router's lock calls are slowed down so that nearly every open of the store falls into it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.inbound.benchmark import free_port, wait_for_webhook
from bookflow.inbound.signatures import sign
from reverse_etl.duckdb_files import open_duckdb

SECRET = "load-test-secret"
POSTS = 1000  # with strace at hand nearly every open of the store falls into the window
SENDERS = 32


def _widened(command: list[str]) -> list[str]:
    """`command` with each lock call of DuckDB (fcntl) held back 50 ms, when strace may trace it."""
    strace = shutil.which("strace")
    if strace is None or subprocess.run([strace, "-o", "/dev/null", "true"], capture_output=True).returncode != 0:
        return command
    return [
        strace,
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        "trace=fcntl",
        "-e",
        "inject=fcntl:delay_enter=50000",
        *command,
    ]


def _interrupt(process: subprocess.Popen) -> None:
    """Ctrl-C for the bookflow process itself (strace, when it runs one, would only let go of it)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    traced = children.read_text().split() if process.args[0] != sys.executable and children.exists() else []
    os.kill(int(traced[0]) if traced else process.pid, signal.SIGINT)


def _query(path, sql: str):
    # The webhook and the router take turns on the store: so does the test.
    with open_duckdb(path, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_hand_raise_answered_202_reaches_the_inbox_once_while_a_router_routes(cycled_workspace):
    workspace = cycled_workspace
    store = paths.inbound_store_path(workspace.warehouse)
    accounts = [
        account
        for (account,) in _query(
            workspace.warehouse,
            "select account_id from marts.account_status where owner_id is null and target_book is not null "
            "and status in ('pool', 'resting', 'review') order by account_id limit 300",
        )
    ]
    port = free_port()
    env = {**os.environ, "BOOKFLOW_WEBHOOK_SECRET": SECRET}
    bookflow = [sys.executable, "-m", "bookflow.cli"]
    webhook = subprocess.Popen([*bookflow, "webhook", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    router = subprocess.Popen(
        _widened([*bookflow, "watch", "--interval", "0.1", "--destination", "demo"]),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers: dict[str, int] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_webhook(base, webhook)

        lock = threading.Lock()

        def post(client: httpx.Client, number: int) -> None:
            source_id = f"form-{number}"
            body = json.dumps({"account_id": accounts[number % len(accounts)], "source_id": source_id}).encode()
            answer = client.post(
                "/hand-raises", content=body, headers={"content-type": "application/json", **sign(SECRET, body)}
            )
            with lock:
                answers[source_id] = answer.status_code

        with httpx.Client(base_url=base, timeout=60) as client, ThreadPoolExecutor(SENDERS) as senders:
            list(senders.map(lambda number: post(client, number), range(POSTS)))

        # The router settles everything that arrived (or the test says how far it got).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            settled = _query(store, "select count(*) from inbound.hand_raises")[0][0] if router.poll() is None else -1
            if settled >= POSTS or settled < 0:
                break
            time.sleep(0.5)
    finally:
        for process in (router, webhook):
            _interrupt(process)
        said = {
            name: process.communicate(timeout=60)[1] for name, process in (("router", router), ("webhook", webhook))
        }

    refused = {source_id: code for source_id, code in answers.items() if code != 202}
    assert len(answers) == POSTS and not refused, refused
    # Once each at most by the inbox's key (the source's id); at least once is what is at stake.
    inbox = {source_id for (source_id,) in _query(store, "select source_id from inbound.hand_raise_inbox")}
    lost = sorted(set(answers) - inbox, key=lambda source_id: int(source_id.split("-")[1]))
    assert not lost, f"{len(lost)} hand raises answered 202 are not in the inbox, e.g. {lost[:5]}"
    assert inbox == set(answers)

    # The router settled every one, and routed each account at most once, while posts came in.
    assert _query(store, "select count(*) from inbound.hand_raises") == [(POSTS,)], said
    per_account = _query(
        store, "select account_id, count(*) from inbound.ownership_changes group by 1 having count(*) > 1"
    )
    assert not per_account
    first_settled, last_received = _query(
        store,
        "select (select min(processed_at) from inbound.hand_raises), (select max(received_at) from inbound.hand_raise_inbox)",
    )[0]
    assert first_settled < last_received, "the router settled nothing while hand raises came in"
    # Ctrl-C stops the router quietly, whatever it was doing.
    assert "bookflow watch: stopped" in said["router"] and "Traceback" not in said["router"], said["router"]


def test_ctrl_c_during_a_query_stops_watch_quietly(empty_workspace, monkeypatch):
    # A pass stuck in a long DuckDB query when Ctrl-C comes: DuckDB turns the interrupt into an
    # error of its own, which used to escape as a traceback.
    def long_pass(**_):
        # One thread: the query's tasks then run on the thread that checks for Ctrl-C between them;
        # with more, a worker may run the long scan while the caller waits, deaf to the signal.
        with duckdb.connect(config={"threads": 1}) as con:
            # Ctrl-C once the pass is under way: on a busy machine watch's start-up alone can take
            # longer than a fixed delay, and an interrupt before the pass is another case.
            threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
            con.execute("select count(*) from range(1000000000000)")

    monkeypatch.setattr("bookflow.inbound.service.route_and_sync", long_pass)
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN where a CI shell started pytest in the background
    result = CliRunner().invoke(main, ["watch", "--destination", "none", "--warehouse", str(empty_workspace.warehouse)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert result.output.strip().endswith("bookflow watch: stopped")
    assert signal.getsignal(signal.SIGINT) is handler_before  # handed back
