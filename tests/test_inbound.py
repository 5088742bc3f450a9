"""Hand raisers routed at once: signed webhook -> inbox -> sensor -> matching and routing -> CRM, and back into the cycle."""

from __future__ import annotations

import json as jsonlib
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main
from bookflow.extract import LOOKBACK_DAYS
from reverse_etl.duckdb_files import open_duckdb
from tests.conftest import AS_OF
from tests.test_inbound_rules import EDITED_BOOKS, edit_the_rules, routing_follows_the_rules_the_cycle_ran_with

POOL = "005Dn00000000EXIAY"
SECRET = "test-webhook-secret"
NEXT_DAY = AS_OF + timedelta(days=1)


@pytest.fixture(autouse=True)
def reps_always_at_work(workspace):
    """Routing looks at the clock: these tests run at any hour, so every rep takes hand raises all day."""
    (workspace.rules / "rep_availability.csv").write_text(
        "rep_id,time_zone,work_days,work_start,work_end,unavailable_until\n"
    )


def _query(path: Path, sql: str, params=None):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _store(workspace) -> Path:
    return paths.inbound_store_path(workspace.warehouse)


def _run_cycle(workspace, as_of=AS_OF) -> None:
    args = ["--as-of", as_of.isoformat(), "--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    result = CliRunner().invoke(main, ["run", *args, "--force"])
    assert result.exit_code == 0, result.output


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

    app = create_app(store=_store(workspace), rules_dir=workspace.rules, verifier=Verifier(secret=SECRET))
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


def _pool_accounts_by_book(workspace, limit: int) -> list[tuple[str, str]]:
    """Pool accounts with a target book and nothing that keeps them put, from the last cycle."""
    return _query(
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


def _open_capacity(workspace) -> dict[str, tuple[str, int]]:
    rows = _query(
        workspace.warehouse,
        "select rep_id, target_book, capacity - book_size_after from marts.rep_capacity where capacity > 0",
    )
    return {rep: (book, room) for rep, book, room in rows}


def _definitions(workspace, destination: str = "demo") -> dg.Definitions:
    from orchestration.definitions import ALL_ASSETS
    from orchestration.inbound_assets import inbound_hand_raises, inbound_routing
    from orchestration.resources import build_resources

    resources = build_resources(
        warehouse_path=workspace.warehouse,
        rules_dir=workspace.rules,
        demo_crm_path=workspace.crm,
        destination=destination,
    )
    return dg.Definitions(assets=ALL_ASSETS, jobs=[inbound_routing], sensors=[inbound_hand_raises], resources=resources)


def _sensor_tick(definitions: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None):
    sensor = definitions.get_sensor_def("inbound_hand_raises")
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"bookflow": definitions.resources["bookflow"]}
    )
    return sensor.evaluate_tick(context)


def test_watch_syncs_hand_raisers_to_the_local_salesforce_server(cycled_workspace, crm, certificate, monkeypatch):
    # The demo's ids are valid 18-character Salesforce ids: the owners routing picks land in the
    # local HTTPS Salesforce, each written once.
    workspace = cycled_workspace  # one daily cycle at AS_OF already ran
    accounts = [account for account, _ in _pool_accounts_by_book(workspace, 3)]
    reps = [rep for (rep,) in _query(workspace.warehouse, "select rep_id from marts.rep_capacity")]
    from bookflow.local_crm import Account

    crm.users = {POOL: True, **{rep: True for rep in reps}}
    crm.accounts = {account: Account(owner_id=POOL) for account in accounts}
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", crm.url)
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", crm.client_id)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", crm.client_secret)
    monkeypatch.setenv("BOOKFLOW_CA_BUNDLE", str(certificate[0]))
    with webhook(workspace) as client:
        assert client.post("/hand-raises", json=[{"account_id": a} for a in accounts]).status_code == 202

    args = ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm), "--destination", "salesforce"]
    result = CliRunner().invoke(main, ["watch", "--once", *args])
    assert result.exit_code == 0, result.output
    assert "3 routed" in result.output
    routed = dict(_query(_store(workspace), "select account_id, to_crm_owner_id from inbound.ownership_changes"))
    assert set(routed) == set(accounts)
    assert {account: crm.accounts[account].owner_id for account in accounts} == routed
    assert sorted(account for account, _ in crm.owner_writes) == sorted(accounts)  # each written once

    again = CliRunner().invoke(main, ["watch", "--once", *args])
    assert again.exit_code == 0, again.output
    assert len(crm.owner_writes) == len(accounts)  # nothing new: nothing written again


def _watch_once(workspace) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bookflow.cli", "watch", "--once", "--warehouse", str(workspace.warehouse),
               "--crm", str(workspace.crm)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=os.environ.copy())


# -- one next-day cycle, three scenarios ------------------------------------------------------------
#
# The sensor's hand raisers, racing routers and edited rules each need a next-day cycle after day 1;
# they share one. Each scenario keeps to its own accounts (and the racing routers keep out of the
# books whose rules change), so each one's checks hold whatever the others did.


@dataclass
class SensorRoutes:
    """What the sensor scenario raised and routed on day 1."""

    raised: list[str]
    routed: dict[str, str]
    worked: tuple[str, str]

    def changes(self) -> dict[str, str]:
        """Every inbound change it made: the routes, and the alert to the worked account's owner."""
        return {**self.routed, self.worked[0]: self.worked[1]}


def _sensor_routes_hand_raisers_to_the_crm(workspace) -> SensorRoutes:
    room = _open_capacity(workspace)
    pool = _pool_accounts_by_book(workspace, 200)
    books = {}
    for account, book in pool:
        books.setdefault(book, []).append(account)
    # A book where several hand raises compete for room, and a second book.
    crowded_book = max(books, key=lambda book: (len(books[book]), book))
    crowded = books[crowded_book][:6]
    other = next(accounts[0] for book, accounts in sorted(books.items()) if book != crowded_book)
    worked = _query(
        workspace.warehouse,
        "select account_id, owner_id from marts.account_status where crm_field = 'owner_id' and status = 'working' "
        "order by account_id limit 1",
    )[0]
    converted = _query(
        workspace.warehouse,
        "select account_id from marts.account_status where crm_field = 'owner_id' and status = 'converted' limit 1",
    )[0][0]
    bookless = _query(
        workspace.warehouse,
        "select account_id from marts.account_status "
        "where crm_field = 'owner_id' and excluded_reason like 'no target book%' limit 1",
    )[0][0]

    owners_before = dict(_query(workspace.crm, "select id, owner_id from salesforce.account"))
    with webhook(workspace) as client:
        payload = [{"account_id": account} for account in [*crowded, other, worked[0], converted, bookless]]
        payload.append({"account_id": other, "occurred_at": "2026-06-01T09:00:00Z"})  # a second raise, same account
        answer = client.post("/hand-raises", json=payload)
        assert answer.status_code == 202, answer.text

    definitions = _definitions(workspace)
    instance = dg.DagsterInstance.ephemeral()
    tick = _sensor_tick(definitions, instance, cursor=None)
    assert len(tick.run_requests) == 1
    job = definitions.get_job_def("inbound_routing")
    result = job.execute_in_process(instance=instance, tags=tick.run_requests[0].tags)
    assert result.success
    # Nothing new since: the sensor skips.
    assert not _sensor_tick(definitions, instance, cursor=tick.cursor).run_requests

    store = _store(workspace)
    outcomes = dict(
        _query(store, "select account_id || '/' || cast(occurred_at as varchar), outcome from inbound.hand_raises")
    )
    by_account = {}
    for key, outcome in outcomes.items():
        by_account.setdefault(key.split("/")[0], []).append(outcome)
    assert all(by_account[account] == ["routed"] for account in crowded)
    assert sorted(by_account[other]) == ["duplicate", "routed"]
    assert by_account[worked[0]] == ["alerted"]
    assert by_account[converted] == ["kept"]
    assert by_account[bookless] == ["quarantined"]

    crm_owner = dict(_query(workspace.crm, "select id, owner_id from salesforce.account"))
    # The owner kept the worked account and was told why through the change reason.
    assert crm_owner[worked[0]] == worked[1]
    alert = _query(
        store,
        "select from_owner_id, to_owner_id, reason from inbound.ownership_changes where account_id = ?",
        [worked[0]],
    )
    assert alert == [(worked[1], worked[1], alert[0][2])] and "alerted" in alert[0][2]
    assert crm_owner[converted] == owners_before[converted]  # converted: stays put
    assert not _query(
        store, "select 1 from inbound.ownership_changes where account_id in (?, ?)", [converted, bookless]
    )

    # Each routed account went to a rep of its own book, and the crowded book was dealt most-room-first:
    # afterwards no rep of that book has two more open slots than another that received one.
    routed = dict(
        _query(
            store, "select account_id, to_owner_id from inbound.ownership_changes where account_id <> ?", [worked[0]]
        )
    )
    for account, rep in routed.items():
        assert crm_owner[account] == rep
        assert room[rep][0] == dict(pool)[account]
    after = {rep: left for rep, (book, left) in room.items() if book == crowded_book}
    for account in crowded:
        after[routed[account]] -= 1
    receivers = {routed[account] for account in crowded}
    assert min(after[rep] for rep in receivers) >= max(after.values()) - 1

    latency = _query(store, "select received_at, routed_at, synced_at, sync_status from inbound.latency")
    assert latency and all(status == "applied" and rec <= rout <= syn for rec, rout, syn, status in latency)

    sensor = SensorRoutes(raised=[entry["account_id"] for entry in payload], routed=routed, worked=worked)
    # With the warehouse free, the routed changes are in marts.ownership_changes at once.
    live = _query(
        workspace.warehouse, "select account_id, to_owner_id from marts.ownership_changes where change_type = 'inbound'"
    )
    assert dict(live) == sensor.changes()
    return sensor


def _post_a_hand_raise_days_late(workspace, raised: list[str]) -> tuple[str, datetime]:
    """A hand raise posted days after it occurred, far behind what the daily extract re-reads by
    its time: only its arrival can bring it into the next cycle. On an account with a book, so that
    routing never holds its signal back as a new-account candidate."""
    late = _query(
        workspace.warehouse,
        "select scores.account_id from marts.account_scores as scores "
        "inner join marts.account_status as status on scores.account_id = status.account_id "
        "where status.crm_field = 'owner_id' and status.target_book is not null and scores.signal_count = 0 "
        "and list_position(?, scores.account_id) is null order by 1 limit 1",
        [raised],
    )[0][0]
    occurred_at = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 10) - timedelta(days=10)
    newest = _query(workspace.warehouse, "select max(occurred_at) from signals.account_signal")[0][0]
    assert occurred_at < newest - timedelta(days=LOOKBACK_DAYS)
    with webhook(workspace) as client:
        answer = client.post("/hand-raises", json={"account_id": late, "occurred_at": occurred_at.isoformat()})
        assert answer.status_code == 202, answer.text
    return late, occurred_at


def _racing_routers_settle_each_hand_raise_once(workspace, accounts: list[str]) -> None:
    store = _store(workspace)
    looked_at_before = _query(store, "select count(*) from inbound.hand_raises")[0][0]
    with webhook(workspace) as client:
        # Two hand raises per account, landing separately.
        for hour in (8, 9):
            stamp = f"2026-06-01T0{hour}:00:00"
            posted = client.post("/hand-raises", json=[{"account_id": a, "occurred_at": stamp} for a in accounts])
            assert posted.status_code == 202, posted.text

    # Four routers at once, each racing for the same hand raises.
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: _watch_once(workspace), range(4)))
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]

    # Each looked at once (and the late hand raise, posted before the routers started, with them).
    assert _query(store, "select count(*) from inbound.hand_raises")[0][0] == looked_at_before + 2 * len(accounts) + 1
    per_account = dict(
        _query(
            store,
            "select account_id, count(*) from inbound.ownership_changes where list_position(?, account_id) is not null "
            "group by 1",
            [accounts],
        )
    )
    assert per_account == {account: 1 for account in accounts}, "racing routers booked an account twice"


def _cycle_began(workspace) -> bool:
    # The cycle and the routers take turns on the store: so does the test.
    with open_duckdb(_store(workspace), read_only=True) as con:
        return con.execute("select count(*) from inbound.cycles where as_of = ?", [NEXT_DAY]).fetchone()[0] == 1


def _route_while_the_next_day_cycle_runs(workspace, accounts: list[str]) -> None:
    """A hand raise at a time while the next day's cycle runs: routing does not wait for the warehouse."""
    command = [sys.executable, "-m", "bookflow.cli", "run", "--as-of", NEXT_DAY.isoformat(), "--force",
               "--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]  # fmt: skip
    cycle = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    routed_while_cycle_ran = 0
    try:
        # From the moment the cycle marks itself in the store, not while it is still starting up
        # (on a busy machine every pass could end before that).
        deadline = time.monotonic() + 300
        while not _cycle_began(workspace):
            assert cycle.poll() is None and time.monotonic() < deadline, "the cycle never marked itself in the store"
            time.sleep(0.1)
        with webhook(workspace) as client:
            for account in accounts:
                assert client.post("/hand-raises", json={"account_id": account}).status_code == 202
                run = _watch_once(workspace)
                assert run.returncode == 0, run.stderr
                if cycle.poll() is None:
                    routed_while_cycle_ran += 1
    finally:
        output, _ = cycle.communicate(timeout=600)
    assert cycle.returncode == 0, output
    assert routed_while_cycle_ran > 0, "every routing pass waited for the cycle to finish"
    _watch_once(workspace)  # settle anything routed after the cycle's sync


def _next_day_cycle_takes_the_sensors_routes_and_the_late_signal(
    workspace, sensor: SensorRoutes, late: str, occurred_at: datetime
) -> None:
    assert _query(
        workspace.warehouse,
        "select count(*) from inbound.hand_raise_signals where account_id = ? and occurred_at = ?",
        [late, occurred_at],
    ) == [(1,)], "the hand raise posted days late did not reach the next cycle"
    signal_count, timing_score = _query(
        workspace.warehouse, "select signal_count, timing_score from marts.account_scores where account_id = ?", [late]
    )[0]
    assert signal_count == 1 and timing_score > 0
    # The cycle reports as its own exactly the inbound changes routed before it started, the
    # sensor's among them (routing went on while it ran: later ones belong to the day after, and
    # a routing pass may have reported them since, the day after's)...
    reported = dict(
        _query(
            workspace.warehouse,
            "select account_id, to_owner_id from marts.ownership_changes where change_type = 'inbound' and as_of = ?",
            [NEXT_DAY],
        )
    )
    routed_before = dict(
        _query(
            _store(workspace),
            "select account_id, to_owner_id from inbound.ownership_changes where as_of = ?",
            [NEXT_DAY],
        )
    )
    assert reported == routed_before
    assert {account: reported.get(account) for account in sensor.changes()} == sensor.changes()
    # ...counts the accounts in the reps' books and moves none of them.
    assert not _query(
        workspace.warehouse,
        "select account_id from marts.ownership_changes where change_type <> 'inbound' and account_id in "
        "(select account_id from marts.ownership_changes where change_type = 'inbound' and as_of = ?)",
        [NEXT_DAY],
    )
    statuses = dict(
        _query(
            workspace.warehouse,
            "select account_id, owner_id || ':' || status from marts.account_status where crm_field = 'owner_id' "
            "and account_id in (select account_id from inbound.ownership_changes)",
        )
    )
    for account, rep in sensor.routed.items():
        # In the rep's book: in its grace period, or working if the rep had touched it before.
        assert statuses[account] in (f"{rep}:new", f"{rep}:working")
    # Already applied by routing: the cycle's sync did not write them again.
    ledger = _query(
        workspace.warehouse,
        "select count(*) from reverse_etl.sync_ledger where change_type = 'inbound' and status = 'applied' "
        "and list_position(?, account_id) is not null",
        [list(sensor.changes())],
    )[0][0]
    assert ledger == len(sensor.changes())


def _no_account_got_two_owners(workspace, accounts: list[str], others: list[str]) -> None:
    # Exactly one owner each: whatever the cycle planned for these accounts, the CRM holds the
    # inbound owner, and no account received two applied assignments.
    crm_owner = dict(_query(workspace.crm, "select id, owner_id from salesforce.account"))
    inbound = dict(_query(_store(workspace), "select account_id, to_crm_owner_id from inbound.ownership_changes"))
    assert set(inbound) - set(others) == set(accounts)
    assert {account: crm_owner[account] for account in accounts} == {account: inbound[account] for account in accounts}
    doubled = _query(
        workspace.warehouse,
        """
        select account_id from reverse_etl.sync_ledger
        where status = 'applied' and as_of = ? and to_owner_id is not null
        group by account_id having count(distinct to_owner_id) > 1
        """,
        [NEXT_DAY],
    )
    assert not doubled, f"accounts with two applied owners on {NEXT_DAY}: {doubled}"


@pytest.mark.cycle(seconds=40)
def test_sensor_racing_routers_and_edited_rules_around_one_next_day_cycle(cycled_workspace):
    """Hand raisers from day 1 into the next day, three scenarios on the one cycle they need:

    - the sensor: hand raises go through the webhook and the Dagster sensor to the CRM and into
      marts.ownership_changes at once, then into the next cycle as its own changes, even one
      posted days late;
    - racing routers: four routers at once settle each hand raise once, and routing goes on while
      the next cycle runs without any account getting two owners;
    - edited rules: rules files changed before the next cycle (a theater, capacities, when a book
      is full, working hours) are what routing follows after it.
    """
    workspace = cycled_workspace  # one daily cycle at AS_OF already ran
    sensor = _sensor_routes_hand_raisers_to_the_crm(workspace)
    late, occurred_at = _post_a_hand_raise_days_late(workspace, sensor.raised)
    racing = [
        account
        for account, book in _pool_accounts_by_book(workspace, 100)
        if book not in EDITED_BOOKS and account != late
    ][:30]
    first, later = racing[:20], racing[20:]
    _racing_routers_settle_each_hand_raise_once(workspace, first)

    edit_the_rules(workspace)
    _route_while_the_next_day_cycle_runs(workspace, later)

    _next_day_cycle_takes_the_sensors_routes_and_the_late_signal(workspace, sensor, late, occurred_at)
    _no_account_got_two_owners(workspace, racing, others=[*sensor.changes(), late])
    routing_follows_the_rules_the_cycle_ran_with(workspace)


def test_a_hand_raise_never_goes_back_to_the_owner_who_left_it_unworked(cycled_workspace):
    workspace = cycled_workspace  # one daily cycle at AS_OF already ran
    room = _open_capacity(workspace)
    # An account the cycle retrieved from a rep who, after the cycle, has the most room in the book.
    retrieved = _query(
        workspace.warehouse,
        """
        select changes.account_id, changes.from_owner_id, status.target_book
        from marts.ownership_changes as changes
        inner join marts.account_status as status on changes.account_id = status.account_id
        where changes.change_type = 'retrieve'
        order by changes.account_id
        """,
    )
    best_in_book = {}
    for rep, (book, left) in room.items():
        if book not in best_in_book or left > room[best_in_book[book]][1]:
            best_in_book[book] = rep
    unworked, idle_rep, book = next(
        (account, rep, book)
        for account, rep, book in retrieved
        if best_in_book.get(book) == rep and sum(b == book for b, _ in room.values()) >= 2
    )
    fresh = next(account for account, account_book in _pool_accounts_by_book(workspace, 500) if account_book == book)

    with webhook(workspace) as client:
        # The retrieved account first: it is dealt before the fresh one and meets idle_rep's full room.
        answer = client.post("/hand-raises", json=[{"account_id": unworked}])
        assert answer.status_code == 202, answer.text
        answer = client.post("/hand-raises", json=[{"account_id": fresh}])
        assert answer.status_code == 202, answer.text
    args = ["--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm), "--rules", str(workspace.rules)]
    result = CliRunner().invoke(main, ["watch", "--once", *args])
    assert result.exit_code == 0, result.output

    changes = {
        account: (source, target, reason)
        for account, source, target, reason in _query(
            _store(workspace), "select account_id, from_owner_id, to_owner_id, reason from inbound.ownership_changes"
        )
    }
    source, target, reason = changes[unworked]
    assert source is None and target != idle_rep and room[target][0] == book
    assert "retrieved today from an owner who left it unworked" in reason
    # The other hand raise of the book still goes to the rep with the most room.
    assert changes[fresh][:2] == (None, idle_rep)
    crm_owner = dict(
        _query(workspace.crm, "select id, owner_id from salesforce.account where id in (?, ?)", [unworked, fresh])
    )
    assert crm_owner == {unworked: target, fresh: idle_rep}


def test_routing_waits_for_a_first_cycle(workspace):
    result = CliRunner().invoke(
        main, ["watch", "--once", "--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    )
    assert result.exit_code == 2
    assert "run `bookflow run` once" in result.output


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[]", 400, "empty list"),
        (jsonlib.dumps(["001Dn0000000001IAA"]).encode(), 422, "expected a JSON object"),
        (
            jsonlib.dumps({"signal_type": "demo_request"}).encode(),
            422,
            "needs account_id, email, website or company_name",
        ),
        (
            jsonlib.dumps({"account_id": "001Dn0000000001IAA", "signal_type": "website_visit"}).encode(),
            422,
            "not a hand raise",
        ),
        (jsonlib.dumps({"account_id": "001Dn0000000001IAA", "strength": 7}).encode(), 422, "strength"),
        (
            jsonlib.dumps({"account_id": "001Dn0000000001IAA", "occurred_at": "2999-01-01T00:00:00"}).encode(),
            422,
            "future",
        ),
        (jsonlib.dumps({"account_id": "001Dn0000000001IAA", "occurred_at": "yesterday"}).encode(), 422, "occurred_at"),
        (jsonlib.dumps({"email": "not-an-address", "company_name": "Acme"}).encode(), 422, "e-mail"),
        (jsonlib.dumps([{"account_id": "001Dn0000000001IAA"}] * 1001).encode(), 413, "at most 1000"),
        # One bad item spoils the batch: all or nothing.
        (jsonlib.dumps([{"account_id": "001Dn0000000001IAA"}, {"account_id": ""}]).encode(), 422, "item 1"),
    ],
)
def test_bad_webhook_payloads_get_a_4xx_with_a_reason_and_nothing_is_written(workspace, body, status, words):
    def inbox():
        return _query(_store(workspace), "select * from inbound.hand_raise_inbox order by all")

    with webhook(workspace) as client:
        before = inbox()
        answer = client.post("/hand-raises", content=body)
    assert answer.status_code == status, answer.text
    reply = answer.json()
    assert words in reply["error"] + " ".join(reply["problems"])
    assert inbox() == before


def test_unsigned_stale_or_forged_requests_get_401_and_nothing_is_read(workspace):
    from bookflow.inbound.signatures import sign, sign_hubspot_v3

    body = jsonlib.dumps({"account_id": "001Dn0000000001IAA"}).encode()
    stale = sign(SECRET, body, timestamp=int(time.time()) - 301)
    forged = sign("someone-else", body)
    with webhook(workspace) as client:
        raw = client.client
        for headers in ({}, stale, forged, {**sign(SECRET, body), "X-Bookflow-Signature": "sha256=00"}):
            answer = raw.post("/hand-raises", content=body, headers={"content-type": "application/json", **headers})
            assert answer.status_code == 401 and answer.json() == {"error": "unauthorized", "problems": []}
        # HubSpot's v3 signature is accepted only where its secret is configured.
        hubspot = sign_hubspot_v3(SECRET, "POST", str(raw.base_url) + "/hand-raises", body)
        assert raw.post("/hand-raises", content=body, headers=hubspot).status_code == 401
        assert client.post("/hand-raises", content=body).status_code == 202
    assert _query(_store(workspace), "select count(*) from inbound.hand_raise_inbox") == [(1,)]
