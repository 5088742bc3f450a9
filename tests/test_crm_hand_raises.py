"""Hand raises read from the CRM itself by `bookflow watch --crm-source`: leads created in the local
HTTPS Salesforce, contacts in the local HubSpot portal, matched, routed and written back."""

from __future__ import annotations

from click.testing import CliRunner

from bookflow.cli import main
from tests.conftest import query
from tests.inbound_webhook import POOL, inbound_store

WEB = "LeadSource = 'Web'"


def _pool_accounts_named_alone(workspace, limit: int) -> list[tuple[str, str, str]]:
    """(account id, name, country) of pool accounts routing may deal, each the only one of its
    name in its country: the demo's accounts have no website, and share names across countries."""
    return query(
        workspace.warehouse,
        """
        select keys.account_id, keys.account_name, keys.billing_country
        from marts.account_match_keys as keys
        inner join marts.account_status as status on keys.account_id = status.account_id
        where status.owner_id is null and status.target_book is not null
            and status.status in ('pool', 'resting', 'review')
            and keys.account_id not in (select account_id from marts.ownership_changes)
            and (keys.name_block_1, keys.name_block_2, keys.name_block_3, keys.billing_country) in (
                select (name_block_1, name_block_2, name_block_3, billing_country)
                from marts.account_match_keys group by all having count(*) = 1
            )
        order by keys.account_id limit ?
        """,
        [limit],
    )


def _watch_once(workspace, *options: str):
    args = ["watch", "--once", "--warehouse", str(workspace.warehouse), "--crm", str(workspace.crm), *options]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result


def test_a_web_lead_created_in_salesforce_ends_as_the_owner_of_its_account(cycled_workspace, salesforce_env):
    from bookflow.crm.salesforce import SalesforceCredentials, SalesforceSession
    from bookflow.local_crm import Account

    workspace, crm = cycled_workspace, salesforce_env
    (raised, raised_name, raised_country), (other, other_name, other_country) = _pool_accounts_named_alone(workspace, 2)
    reps = [rep for (rep,) in query(workspace.warehouse, "select rep_id from marts.rep_capacity")]
    crm.users = {POOL: True, **{rep: True for rep in reps}}
    crm.accounts = {raised: Account(owner_id=POOL), other: Account(owner_id=POOL)}
    options = ("--destination", "salesforce", "--crm-source", "salesforce", "--lead-condition", WEB)

    _watch_once(workspace, *options)  # the watcher starts: the CRM is read from now on
    with SalesforceSession(SalesforceCredentials.from_env()) as session:

        def create_lead(**fields) -> str:
            response = session.api("POST", f"{session.data_path}/sobjects/Lead", idempotent=False, json=fields)
            assert response.status_code == 201, response.text
            return response.json()["id"]

        # Free-mail addresses never match: the company name and country do.
        web_lead = create_lead(
            LastName="Doe", Email="jane.doe@gmail.com", Company=raised_name, Country=raised_country, LeadSource="Web"
        )
        partner_lead = create_lead(
            LastName="Roe", Email="joe.roe@gmail.com", Company=other_name, Country=other_country, LeadSource="Partner"
        )

        result = _watch_once(workspace, *options)
        assert "1 routed" in result.output and "1 new from the CRM" in result.output
        store = inbound_store(workspace)
        assert query(store, "select source, source_id from inbound.hand_raise_inbox") == [("salesforce_lead", web_lead)]
        ((account, rule, owner),) = query(
            store,
            """
            select hand_raises.account_id, hand_raises.match_rule, changes.to_crm_owner_id
            from inbound.hand_raises inner join inbound.ownership_changes as changes using (change_id)
            """,
        )
        assert (account, rule) == (raised, "company_name")
        assert owner in reps and crm.accounts[raised].owner_id == owner  # written to the matched account
        assert crm.accounts[other].owner_id == POOL  # the partner lead is no hand raise
        assert crm.owner_writes == [(raised, owner)]

        _watch_once(workspace, *options)  # read again within the overlap: nothing new, nothing written
        assert len(query(store, "select * from inbound.hand_raise_inbox")) == 1
        assert crm.owner_writes == [(raised, owner)]

        # An edit that makes a lead a hand raise counts: the cursor is its SystemModstamp.
        edited = session.api(
            "PATCH", f"{session.data_path}/sobjects/Lead/{partner_lead}", idempotent=True, json={"LeadSource": "Web"}
        )
        assert edited.status_code == 204
    _watch_once(workspace, *options)
    assert {account for account, _ in crm.owner_writes} == {raised, other}
    assert len(crm.owner_writes) == 2


def test_a_bad_lead_condition_fails_the_pass_with_salesforces_error(cycled_workspace, salesforce_env):
    args = ["watch", "--once", "--warehouse", str(cycled_workspace.warehouse), "--destination", "none"]
    args += ["--crm-source", "salesforce", "--lead-condition", "NoSuchField__c = 'x'"]
    assert CliRunner().invoke(main, args).exit_code == 0  # the first pass only starts the watermark
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "reading hand raises from salesforce failed" in result.output and "INVALID_FIELD" in result.output


def test_a_marketing_qualified_hubspot_contact_is_matched_and_routed(cycled_workspace, crm, certificate, monkeypatch):
    import httpx

    workspace = cycled_workspace
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", crm.hubspot_token)
    monkeypatch.setenv("HUBSPOT_BASE_URL", crm.url)
    monkeypatch.setenv("BOOKFLOW_CA_BUNDLE", str(certificate[0]))
    (raised, raised_name, raised_country), (_, other_name, other_country) = _pool_accounts_named_alone(workspace, 2)
    options = ("--destination", "none", "--crm-source", "hubspot")

    _watch_once(workspace, *options)
    with httpx.Client(base_url=crm.url, verify=str(certificate[0])) as client:
        headers = {"Authorization": f"Bearer {crm.hubspot_token}"}

        def create_contact(**properties) -> str:
            response = client.post("/crm/v3/objects/contacts", json={"properties": properties}, headers=headers)
            assert response.status_code == 201, response.text
            return response.json()["id"]

        contact = create_contact(
            email="ana@gmail.com", company=raised_name, country=raised_country, lifecyclestage="marketingqualifiedlead"
        )
        create_contact(email="bo@gmail.com", company=other_name, country=other_country, lifecyclestage="subscriber")
        taken = client.post("/crm/v3/objects/contacts", json={"properties": {"email": "ANA@gmail.com"}},
                            headers=headers)  # fmt: skip
        assert taken.status_code == 409 and contact in taken.json()["message"]

    result = _watch_once(workspace, *options)
    assert "1 routed" in result.output
    rows = query(
        inbound_store(workspace),
        """
        select inbox.source, inbox.source_id, hand_raises.account_id, hand_raises.outcome
        from inbound.hand_raise_inbox as inbox inner join inbound.hand_raises using (hand_raise_id)
        """,
    )
    assert rows == [("hubspot_contact", contact, raised, "routed")]
