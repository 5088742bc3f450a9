"""Hand raisers around one next-day cycle: signed webhook -> inbox -> sensor -> matching and routing
-> CRM, and back into the cycle, with routers racing each other and the cycle, and edited rules."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import dagster as dg
import pytest

from bookflow.extract import LOOKBACK_DAYS
from reverse_etl.duckdb_files import open_duckdb
from tests.conftest import AS_OF, query
from tests.inbound_webhook import (
    inbound_store,
    open_capacity,
    pool_accounts_by_book,
    reps_always_at_work,  # noqa: F401 (an autouse fixture: pytest finds it by name)
    webhook,
)
from tests.test_inbound_rules import EDITED_BOOKS, edit_the_rules, routing_follows_the_rules_the_cycle_ran_with

NEXT_DAY = AS_OF + timedelta(days=1)


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
    room = open_capacity(workspace)
    pool = pool_accounts_by_book(workspace, 200)
    books = {}
    for account, book in pool:
        books.setdefault(book, []).append(account)
    # A book where several hand raises compete for room, and a second book.
    crowded_book = max(books, key=lambda book: (len(books[book]), book))
    crowded = books[crowded_book][:6]
    other = next(accounts[0] for book, accounts in sorted(books.items()) if book != crowded_book)
    worked = query(
        workspace.warehouse,
        "select account_id, owner_id from marts.account_status where crm_field = 'owner_id' and status = 'working' "
        "order by account_id limit 1",
    )[0]
    converted = query(
        workspace.warehouse,
        "select account_id from marts.account_status where crm_field = 'owner_id' and status = 'converted' limit 1",
    )[0][0]
    bookless = query(
        workspace.warehouse,
        "select account_id from marts.account_status "
        "where crm_field = 'owner_id' and excluded_reason like 'no target book%' limit 1",
    )[0][0]

    owners_before = dict(query(workspace.crm, "select id, owner_id from salesforce.account"))
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

    store = inbound_store(workspace)
    outcomes = dict(
        query(store, "select account_id || '/' || cast(occurred_at as varchar), outcome from inbound.hand_raises")
    )
    by_account = {}
    for key, outcome in outcomes.items():
        by_account.setdefault(key.split("/")[0], []).append(outcome)
    assert all(by_account[account] == ["routed"] for account in crowded)
    assert sorted(by_account[other]) == ["duplicate", "routed"]
    assert by_account[worked[0]] == ["alerted"]
    assert by_account[converted] == ["kept"]
    assert by_account[bookless] == ["quarantined"]

    crm_owner = dict(query(workspace.crm, "select id, owner_id from salesforce.account"))
    # The owner kept the worked account and was told why through the change reason.
    assert crm_owner[worked[0]] == worked[1]
    alert = query(
        store,
        "select from_owner_id, to_owner_id, reason from inbound.ownership_changes where account_id = ?",
        [worked[0]],
    )
    assert alert == [(worked[1], worked[1], alert[0][2])] and "alerted" in alert[0][2]
    assert crm_owner[converted] == owners_before[converted]  # converted: stays put
    assert not query(store, "select 1 from inbound.ownership_changes where account_id in (?, ?)", [converted, bookless])

    # Each routed account went to a rep of its own book, and the crowded book was dealt most-room-first:
    # afterwards no rep of that book has two more open slots than another that received one.
    routed = dict(
        query(store, "select account_id, to_owner_id from inbound.ownership_changes where account_id <> ?", [worked[0]])
    )
    for account, rep in routed.items():
        assert crm_owner[account] == rep
        assert room[rep][0] == dict(pool)[account]
    after = {rep: left for rep, (book, left) in room.items() if book == crowded_book}
    for account in crowded:
        after[routed[account]] -= 1
    receivers = {routed[account] for account in crowded}
    assert min(after[rep] for rep in receivers) >= max(after.values()) - 1

    latency = query(store, "select received_at, routed_at, synced_at, sync_status from inbound.latency")
    assert latency and all(status == "applied" and rec <= rout <= syn for rec, rout, syn, status in latency)

    sensor = SensorRoutes(raised=[entry["account_id"] for entry in payload], routed=routed, worked=worked)
    # With the warehouse free, the routed changes are in marts.ownership_changes at once.
    live = query(
        workspace.warehouse, "select account_id, to_owner_id from marts.ownership_changes where change_type = 'inbound'"
    )
    assert dict(live) == sensor.changes()
    return sensor


def _post_a_hand_raise_days_late(workspace, raised: list[str]) -> tuple[str, datetime]:
    """A hand raise posted days after it occurred, far behind what the daily extract re-reads by
    its time: only its arrival can bring it into the next cycle. On an account with a book, so that
    routing never holds its signal back as a new-account candidate."""
    late = query(
        workspace.warehouse,
        "select scores.account_id from marts.account_scores as scores "
        "inner join marts.account_status as status on scores.account_id = status.account_id "
        "where status.crm_field = 'owner_id' and status.target_book is not null and scores.signal_count = 0 "
        "and list_position(?, scores.account_id) is null order by 1 limit 1",
        [raised],
    )[0][0]
    occurred_at = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 10) - timedelta(days=10)
    newest = query(workspace.warehouse, "select max(occurred_at) from signals.account_signal")[0][0]
    assert occurred_at < newest - timedelta(days=LOOKBACK_DAYS)
    with webhook(workspace) as client:
        answer = client.post("/hand-raises", json={"account_id": late, "occurred_at": occurred_at.isoformat()})
        assert answer.status_code == 202, answer.text
    return late, occurred_at


def _racing_routers_settle_each_hand_raise_once(workspace, accounts: list[str]) -> None:
    store = inbound_store(workspace)
    looked_at_before = query(store, "select count(*) from inbound.hand_raises")[0][0]
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
    assert query(store, "select count(*) from inbound.hand_raises")[0][0] == looked_at_before + 2 * len(accounts) + 1
    per_account = dict(
        query(
            store,
            "select account_id, count(*) from inbound.ownership_changes where list_position(?, account_id) is not null "
            "group by 1",
            [accounts],
        )
    )
    assert per_account == {account: 1 for account in accounts}, "racing routers booked an account twice"


def _cycle_began(workspace) -> bool:
    # The cycle and the routers take turns on the store: so does the test.
    with open_duckdb(inbound_store(workspace), read_only=True) as con:
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
    assert query(
        workspace.warehouse,
        "select count(*) from inbound.hand_raise_signals where account_id = ? and occurred_at = ?",
        [late, occurred_at],
    ) == [(1,)], "the hand raise posted days late did not reach the next cycle"
    signal_count, timing_score = query(
        workspace.warehouse, "select signal_count, timing_score from marts.account_scores where account_id = ?", [late]
    )[0]
    assert signal_count == 1 and timing_score > 0
    # The cycle reports as its own exactly the inbound changes routed before it started, the
    # sensor's among them (routing went on while it ran: later ones belong to the day after, and
    # a routing pass may have reported them since, the day after's)...
    reported = dict(
        query(
            workspace.warehouse,
            "select account_id, to_owner_id from marts.ownership_changes where change_type = 'inbound' and as_of = ?",
            [NEXT_DAY],
        )
    )
    routed_before = dict(
        query(
            inbound_store(workspace),
            "select account_id, to_owner_id from inbound.ownership_changes where as_of = ?",
            [NEXT_DAY],
        )
    )
    assert reported == routed_before
    assert {account: reported.get(account) for account in sensor.changes()} == sensor.changes()
    # ...counts the accounts in the reps' books and moves none of them.
    assert not query(
        workspace.warehouse,
        "select account_id from marts.ownership_changes where change_type <> 'inbound' and account_id in "
        "(select account_id from marts.ownership_changes where change_type = 'inbound' and as_of = ?)",
        [NEXT_DAY],
    )
    statuses = dict(
        query(
            workspace.warehouse,
            "select account_id, owner_id || ':' || status from marts.account_status where crm_field = 'owner_id' "
            "and account_id in (select account_id from inbound.ownership_changes)",
        )
    )
    for account, rep in sensor.routed.items():
        # In the rep's book: in its grace period, or working if the rep had touched it before.
        assert statuses[account] in (f"{rep}:new", f"{rep}:working")
    # Already applied by routing: the cycle's sync did not write them again.
    ledger = query(
        workspace.warehouse,
        "select count(*) from reverse_etl.sync_ledger where change_type = 'inbound' and status = 'applied' "
        "and list_position(?, account_id) is not null",
        [list(sensor.changes())],
    )[0][0]
    assert ledger == len(sensor.changes())


def _no_account_got_two_owners(workspace, accounts: list[str], others: list[str]) -> None:
    # Exactly one owner each: whatever the cycle planned for these accounts, the CRM holds the
    # inbound owner, and no account received two applied assignments.
    crm_owner = dict(query(workspace.crm, "select id, owner_id from salesforce.account"))
    inbound = dict(query(inbound_store(workspace), "select account_id, to_crm_owner_id from inbound.ownership_changes"))
    assert set(inbound) - set(others) == set(accounts)
    assert {account: crm_owner[account] for account in accounts} == {account: inbound[account] for account in accounts}
    doubled = query(
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
        for account, book in pool_accounts_by_book(workspace, 100)
        if book not in EDITED_BOOKS and account != late
    ][:30]
    first, later = racing[:20], racing[20:]
    _racing_routers_settle_each_hand_raise_once(workspace, first)

    edit_the_rules(workspace)
    _route_while_the_next_day_cycle_runs(workspace, later)

    _next_day_cycle_takes_the_sensors_routes_and_the_late_signal(workspace, sensor, late, occurred_at)
    _no_account_got_two_owners(workspace, racing, others=[*sensor.changes(), late])
    routing_follows_the_rules_the_cycle_ran_with(workspace)
