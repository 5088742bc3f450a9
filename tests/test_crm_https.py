"""HTTPS only, and errors a person must fix are never retried."""

import logging

import pytest

from bookflow.crm.errors import CrmConfigurationError
from bookflow.crm.transport import PLAIN_HTTP_ENV, require_https
from bookflow.local_crm import SESSION_EXPIRED
from reverse_etl import ConfigurationError, HubSpotDestination
from tests.test_crm_destinations import A1, JANE, READS, _acc, salesforce


def test_plain_http_is_refused_with_the_reason_and_the_setting():
    with pytest.raises(CrmConfigurationError, match="SALESFORCE_LOGIN_URL.*HTTPS only.*clear text"):
        require_https("http://acme.my.salesforce.com", "the Salesforce login URL (SALESFORCE_LOGIN_URL)", {})
    # The exception for a test server on this machine does not reach any other host.
    with pytest.raises(CrmConfigurationError, match="HTTPS only"):
        require_https("http://acme.my.salesforce.com", "URL", {PLAIN_HTTP_ENV: "1"})
    with pytest.raises(CrmConfigurationError, match="not an https:// URL"):
        require_https("acme.my.salesforce.com", "URL", {})
    assert require_https("https://acme.my.salesforce.com/", "URL", {}) == "https://acme.my.salesforce.com"
    with pytest.raises(ConfigurationError, match="HUBSPOT_BASE_URL.*HTTPS only"):
        HubSpotDestination("pat-token", base_url="http://api.hubapi.com")


def test_plain_http_to_this_machine_only_when_asked_and_loudly(caplog):
    with pytest.raises(CrmConfigurationError, match="HTTPS only"):
        require_https("http://127.0.0.1:8080", "URL", {})
    with caplog.at_level(logging.WARNING, logger="bookflow.crm.transport"):
        assert require_https("http://127.0.0.1:8080", "URL", {PLAIN_HTTP_ENV: "1"}) == "http://127.0.0.1:8080"
    assert "travel unencrypted" in caplog.text and PLAIN_HTTP_ENV in caplog.text


def test_credentials_refused_after_a_fresh_login_are_not_retried(crm, certificate):
    crm.accounts = {A1: _acc(JANE)}
    crm.fail_next(2, 401, path=READS, body=SESSION_EXPIRED)
    with pytest.raises(ConfigurationError, match="credentials were rejected"):
        salesforce(crm, certificate).read_owners([A1])
    assert (crm.requests_to("/oauth2/token"), crm.requests_to(READS)) == (2, 2)

    with pytest.raises(ConfigurationError, match="invalid_client"):
        salesforce(crm, certificate, client_secret="wrong").read_owners([A1])
    assert crm.requests_to("/oauth2/token") == 3  # one refused login, not retried


def test_json_bodies_go_and_come_back_as_the_standard_library_would_read_them():
    import json

    import httpx

    from bookflow.crm.transport import json_answer, json_body

    payload = {"allOrNone": False, "records": [{"id": "001A0000006Vm9rIAC", "OwnerId": None, "Name": 'Zoë "Z" Ltd'}]}
    seen = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen["type"] = request.headers["Content-Type"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, content=json.dumps([{"id": "001A0000006Vm9rIAC", "success": True, "errors": []}]))

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        response = client.request("PATCH", "https://crm.example/composite/sobjects", **json_body(payload))
    assert seen == {"type": "application/json", "body": payload}
    assert json_answer(response) == [{"id": "001A0000006Vm9rIAC", "success": True, "errors": []}]
