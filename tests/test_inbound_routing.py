"""`bookflow watch` routes hand raisers at once: into the local HTTPS Salesforce, each owner written
once, never back to the owner who left the account unworked, and only after a first cycle."""

from __future__ import annotations

from click.testing import CliRunner

from bookflow.cli import main
from tests.conftest import query
from tests.inbound_webhook import (
    POOL,
    inbound_store,
    open_capacity,
    pool_accounts_by_book,
    reps_always_at_work,  # noqa: F401 (an autouse fixture: pytest finds it by name)
    webhook,
)


def test_watch_syncs_hand_raisers_to_the_local_salesforce_server(cycled_workspace, crm, certificate, monkeypatch):
    # The demo's ids are valid 18-character Salesforce ids: the owners routing picks land in the
    # local HTTPS Salesforce, each written once.
    workspace = cycled_workspace  # one daily cycle at AS_OF already ran
    accounts = [account for account, _ in pool_accounts_by_book(workspace, 3)]
    reps = [rep for (rep,) in query(workspace.warehouse, "select rep_id from marts.rep_capacity")]
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
    routed = dict(query(inbound_store(workspace), "select account_id, to_crm_owner_id from inbound.ownership_changes"))
    assert set(routed) == set(accounts)
    assert {account: crm.accounts[account].owner_id for account in accounts} == routed
    assert sorted(account for account, _ in crm.owner_writes) == sorted(accounts)  # each written once

    again = CliRunner().invoke(main, ["watch", "--once", *args])
    assert again.exit_code == 0, again.output
    assert len(crm.owner_writes) == len(accounts)  # nothing new: nothing written again


def test_a_hand_raise_never_goes_back_to_the_owner_who_left_it_unworked(cycled_workspace):
    workspace = cycled_workspace  # one daily cycle at AS_OF already ran
    room = open_capacity(workspace)
    # An account the cycle retrieved from a rep who, after the cycle, has the most room in the book.
    retrieved = query(
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
    fresh = next(account for account, account_book in pool_accounts_by_book(workspace, 500) if account_book == book)

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
        for account, source, target, reason in query(
            inbound_store(workspace),
            "select account_id, from_owner_id, to_owner_id, reason from inbound.ownership_changes",
        )
    }
    source, target, reason = changes[unworked]
    assert source is None and target != idle_rep and room[target][0] == book
    assert "retrieved today from an owner who left it unworked" in reason
    # The other hand raise of the book still goes to the rep with the most room.
    assert changes[fresh][:2] == (None, idle_rep)
    crm_owner = dict(
        query(workspace.crm, "select id, owner_id from salesforce.account where id in (?, ?)", [unworked, fresh])
    )
    assert crm_owner == {unworked: target, fresh: idle_rep}


def test_routing_waits_for_a_first_cycle(workspace):
    result = CliRunner().invoke(
        main, ["watch", "--once", "--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm)]
    )
    assert result.exit_code == 2
    assert "run `bookflow run` once" in result.output
