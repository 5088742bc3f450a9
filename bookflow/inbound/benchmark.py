"""`bookflow bench-inbound`: how long a hand raiser waits, from the webhook to an owner in the CRM.

Everything real and on this machine: a demo CRM and one daily cycle; then the CRM the owners go
to is the local HTTPS Salesforce server (bookflow.local_crm, every answer delayed by
`latency_ms`), holding the cycle's accounts and owners; `bookflow webhook` (signed requests) and
`bookflow watch --destination salesforce` run as separate processes, as a user would run them.
A steady stream of hand raises (one per second by default) is posted for a while, with a burst
posted at once half-way; each is timed from `received_at` (stamped by the webhook) to `synced_at`
(the ledger's applied_at, once Salesforce answered the write). Every rep is at work (the
benchmark's rules have no working hours) and a full book overflows to the least loaded rep:
it measures latency, not availability or capacity.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import httpx

from bookflow import paths
from bookflow.inbound.signatures import sign
from bookflow.local_crm import Account, CrmServer, make_certificate
from bookflow.rules.contract import RULES_FILES
from reverse_etl.duckdb_files import open_duckdb

BENCH_AS_OF = date(2026, 6, 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_webhook(base: str, webhook: subprocess.Popen, *, timeout_s: float = 60) -> None:
    """Return once the webhook process at `base` answers /health; RuntimeError if it ends or never does."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            httpx.get(f"{base}/health", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline or webhook.poll() is not None:
                raise RuntimeError("the webhook did not start") from None
            time.sleep(0.1)


def _percentile(values: list[float], share: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
        if len(values) > 1
        else values[0]
    )


def run_inbound_benchmark(
    *,
    accounts: int,
    rate: float,
    duration: float,
    burst: int,
    workdir: Path | None,
    echo: Callable[[str], None] = print,
    seed: int = 11,
    latency_ms: float = 50.0,
) -> dict:
    """Run the benchmark and return its figures (seconds)."""
    from bookflow.cycle import run_cycle
    from bookflow.demo_crm import generate_demo_crm

    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="bookflow-inbound-"))
    root.mkdir(parents=True, exist_ok=True)
    crm, warehouse = root / "demo_crm.duckdb", root / "warehouse.duckdb"
    # The store the cycle hands its capacity snapshot to: the warehouse's own.
    store = paths.inbound_store_path(warehouse)
    for stale in (warehouse, store):
        stale.unlink(missing_ok=True)
    shutil.rmtree(paths.publish_dir(warehouse), ignore_errors=True)
    rules = root / "rules"
    shutil.rmtree(rules, ignore_errors=True)
    shutil.copytree(paths.BUNDLED_RULES_DIR, rules)
    (rules / "rep_availability.csv").write_text(",".join(RULES_FILES["rep_availability.csv"]) + "\n")
    # From FULL_BOOKS_AT accounts up, the cycle deals every open slot: a full book sends a hand
    # raise to the least loaded rep instead of queueing it, or there would be nothing to time.
    with (rules / "settings.csv").open("a") as settings:
        settings.write("inbound_when_book_full,least_loaded,Hand raises for a full book go to the least loaded rep\n")
    echo(f"generating a {accounts:,}-account demo CRM and running one daily cycle in {root} ...")
    generate_demo_crm(crm, accounts=accounts, as_of=BENCH_AS_OF, rules_dir=rules)
    outcome = run_cycle(as_of=BENCH_AS_OF, warehouse_path=warehouse, demo_crm_path=crm, rules_dir=rules, force=True)
    if not outcome.success:
        raise RuntimeError(f"the daily cycle failed: {outcome.format()}")

    stream_size = int(rate * duration)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        candidates = [
            row[0]
            for row in con.execute(
                """
                select account_id from marts.account_status
                where crm_field = 'owner_id' and owner_id is null and target_book is not null
                    and status in ('pool', 'resting', 'review')
                    and account_id not in (select account_id from marts.ownership_changes)
                """
            ).fetchall()
        ]
    if len(candidates) < stream_size + burst:
        raise RuntimeError(f"only {len(candidates)} pool accounts to raise hands for; lower --rate/--duration/--burst")
    chosen = random.Random(seed).sample(candidates, stream_size + burst)
    stream_accounts, burst_accounts = chosen[:stream_size], chosen[stream_size:]

    secret = secrets.token_hex(16)
    with contextlib.ExitStack() as stack:
        salesforce = stack.enter_context(CrmServer(*make_certificate(root)))
        salesforce.latency = latency_ms / 1000
        _seed_salesforce(salesforce, crm)
        env = {
            **os.environ,
            "BOOKFLOW_WAREHOUSE": str(warehouse),
            "BOOKFLOW_DEMO_CRM": str(crm),
            "BOOKFLOW_INBOUND": str(store),
            "BOOKFLOW_RULES_DIR": str(rules),
            "BOOKFLOW_WEBHOOK_SECRET": secret,
            "SALESFORCE_INSTANCE_URL": salesforce.url,
            "SALESFORCE_CLIENT_ID": salesforce.client_id,
            "SALESFORCE_CLIENT_SECRET": salesforce.client_secret,
            "BOOKFLOW_CA_BUNDLE": str(root / "cert.pem"),
        }
        figures = _measure(env, store, secret, stream_accounts, burst_accounts, rate, duration, echo)
    figures.update({"accounts": accounts, "latency_ms": latency_ms, "workdir": str(root)})
    return figures


def _seed_salesforce(salesforce: CrmServer, crm: Path) -> None:
    """The local Salesforce holds what the CRM file holds after the cycle's sync: accounts, owners, users."""
    with open_duckdb(crm, read_only=True) as con:
        users = con.execute('select id, is_active from salesforce."user"').fetchall()
        owners = con.execute(
            "select id, owner_id from salesforce.account where not coalesce(is_deleted, false)"
        ).fetchall()
    salesforce.users = {user: bool(active) for user, active in users}
    salesforce.accounts = {account: Account(owner_id=owner) for account, owner in owners}


def _measure(env, store, secret, stream_accounts, burst_accounts, rate, duration, echo) -> dict:
    port = free_port()
    bookflow = [sys.executable, "-m", "bookflow.cli"]
    webhook = subprocess.Popen([*bookflow, "webhook", "--port", str(port)], env=env)
    watcher = subprocess.Popen(
        [*bookflow, "watch", "--interval", "0.5", "--destination", "salesforce"], env=env, stdout=subprocess.DEVNULL
    )
    stream_size = len(stream_accounts)
    burst = len(burst_accounts)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_webhook(base, webhook)

        errors: list[str] = []

        def post(client: httpx.Client, account: str) -> None:
            body = json.dumps({"account_id": account}).encode()
            headers = {"content-type": "application/json", **sign(secret, body)}
            try:
                answer = client.post("/hand-raises", content=body, headers=headers)
            except httpx.HTTPError as error:  # in the burst's threads it would end the thread unseen
                errors.append(f"{account}: {error!r}")
                return
            if answer.status_code != 202:
                errors.append(f"{account}: {answer.status_code} {answer.text}")

        def burst_all() -> None:
            with httpx.Client(base_url=base, timeout=120) as client, ThreadPoolExecutor(32) as pool:
                list(pool.map(lambda account: post(client, account), burst_accounts))

        echo(f"posting {stream_size} hand raises at {rate}/s for {duration:.0f}s, and a burst of {burst} half-way ...")
        started = time.monotonic()
        burster = threading.Thread(target=burst_all)
        with httpx.Client(base_url=base, timeout=120) as client:
            for index, account in enumerate(stream_accounts):
                due = started + index / rate
                time.sleep(max(0.0, due - time.monotonic()))
                if burster.ident is None and time.monotonic() - started >= duration / 2:
                    burster.start()
                post(client, account)
        if burster.ident is None:
            burster.start()
        burster.join()
        if errors:
            raise RuntimeError(f"{len(errors)} hand raises refused, e.g. {errors[0]}")

        expected = stream_size + burst
        deadline = time.monotonic() + 600
        synced = 0
        while time.monotonic() < deadline:
            with open_duckdb(store, read_only=True) as con:
                synced = con.execute("select count(*) from inbound.latency where synced_at is not null").fetchone()[0]
            if synced >= expected:
                break
            time.sleep(1)
    finally:
        for process in (watcher, webhook):
            process.send_signal(signal.SIGINT)
        for process in (watcher, webhook):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    with open_duckdb(store, read_only=True) as con:
        rows = con.execute("select account_id, seconds_to_route, seconds_to_crm from inbound.latency").fetchall()
        in_inbox = con.execute("select count(*) from inbound.hand_raise_inbox").fetchone()[0]
    burst_set = set(burst_accounts)
    to_crm = {"all": [], "stream": [], "burst": []}
    to_route = []
    for account, route_s, crm_s in rows:
        if crm_s is None:
            continue
        to_crm["all"].append(crm_s)
        to_crm["burst" if account in burst_set else "stream"].append(crm_s)
        to_route.append(route_s)
    figures = {
        "hand_raises": expected,
        "in_inbox": in_inbox,
        "synced": len(to_crm["all"]),
        "route_p50": _percentile(to_route, 0.50) if to_route else None,
    }
    for group, values in to_crm.items():
        for share in (0.50, 0.95, 0.99):
            figures[f"{group}_p{round(share * 100)}"] = _percentile(values, share) if values else None
    return figures


def format_figures(figures: dict) -> str:
    def cell(value):
        return "-" if value is None else f"{value:.1f}"

    lines = [
        f"{figures['synced']:,} of {figures['hand_raises']:,} hand raises synced on a {figures['accounts']:,}-account demo "
        f"to the local HTTPS Salesforce ({figures['latency_ms']:.0f} ms per answer); "
        f"{figures['in_inbox']:,} reached the inbox, every one answered 202",
        f"received -> routed, p50: {cell(figures['route_p50'])} s",
        "",
        "| received -> owner in the CRM | p50 (s) | p95 (s) | p99 (s) |",
        "|---|---:|---:|---:|",
    ]
    for group in ("all", "stream", "burst"):
        lines.append(
            f"| {group} | {cell(figures[f'{group}_p50'])} | {cell(figures[f'{group}_p95'])} | {cell(figures[f'{group}_p99'])} |"
        )
    p95 = figures["all_p95"]
    if p95 is not None:
        lines.append(f"\np95 {p95:.1f} s against a goal of 15 s: {p95 / 15:.2f} of the budget")
    lines.append(f"files kept in {figures['workdir']}")
    return "\n".join(lines)
