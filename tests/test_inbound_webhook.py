"""The hand raisers' webhook: what it refuses, with a reason and nothing written, and who may post."""

from __future__ import annotations

import json as jsonlib
import time

import pytest

from tests.conftest import query
from tests.inbound_webhook import (
    SECRET,
    inbound_store,
    webhook,
)


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
    # A long body is named by its size, not its text (a 1,001-item list).
    ids=lambda value: f"{len(value):,}-byte body" if isinstance(value, bytes) and len(value) > 80 else None,
)
def test_bad_webhook_payloads_get_a_4xx_with_a_reason_and_nothing_is_written(workspace, body, status, words):
    def inbox():
        return query(inbound_store(workspace), "select * from inbound.hand_raise_inbox order by all")

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
    assert query(inbound_store(workspace), "select count(*) from inbound.hand_raise_inbox") == [(1,)]
