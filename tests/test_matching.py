"""Lead-to-account matching: the warehouse's keys, the scoring, and bench-match's figures."""

from __future__ import annotations

import csv
import re

import duckdb
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.inbound.matching.bench import FIXTURE_DIR, build_match_keys
from bookflow.inbound.matching.keys import fold_company_name, lead_keys, name_blocks, registrable_domain
from bookflow.inbound.matching.scoring import MATCHED, NEW_ACCOUNT, REVIEW, Candidate, match_lead


def test_bench_match_reaches_its_goals_on_the_fixture():
    result = CliRunner().invoke(main, ["bench-match"])
    assert result.exit_code == 0, result.output
    precision, recall = (
        float(value) for value in re.search(r"precision ([\d.]+).*recall ([\d.]+)", result.output).groups()
    )
    assert precision >= 0.98 and recall >= 0.90, result.output
    assert "| free_mail_no_company | 12 | 0 | 0 | 0 | 12 |" in result.output  # free mail never matches


def test_the_warehouse_folds_accounts_as_routing_folds_leads(tmp_path):
    with (FIXTURE_DIR / "accounts.csv").open(newline="", encoding="utf-8") as handle:
        accounts = list(csv.DictReader(handle))
    extra = [  # addresses the fixture lacks: wildcard and exception rules, IPs, free mail, ports
        ("https://a.b.city.kawasaki.jp/x", "Kawasaki City Office"),
        ("http://www.foo.kawasaki.jp", "Foo KK"),
        ("HTTPS://Shop.Example.CO.UK:8443/path?q=1#top", "Example Shop Ltd."),
        ("http://10.0.0.7/", "Internal Tools"),
        ("https://www.gmail.com", "Not A Mailbox Inc"),
        ("user@mail.acme.com.au", "O'Neil & Söhne GmbH & Co. KG"),
        ("localhost", "The Co., Inc."),
    ]
    for index, (website, name) in enumerate(extra):
        accounts.append(
            {"account_id": f"001EXT{index:012d}", "name": name, "website": website, "billing_country": "US",
             "number_of_employees": "10"}
        )  # fmt: skip
    warehouse = tmp_path / "warehouse.duckdb"
    build_match_keys(accounts, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        built = {
            row[0]: row[1:]
            for row in con.execute(
                "select account_id, website_domain, name_block_1, name_block_2, name_block_3 from marts.account_match_keys"
            ).fetchall()
        }
    assert len(built) == len(accounts)
    for account in accounts:
        expected = (registrable_domain(account["website"] or None), *name_blocks(fold_company_name(account["name"])))
        assert built[account["account_id"]] == expected, account
    assert built["001EXT000000000000"][0] == "city.kawasaki.jp"  # an exception to *.kawasaki.jp
    assert built["001EXT000000000001"][0] == "www.foo.kawasaki.jp"  # under the wildcard
    assert built["001EXT000000000003"][0] is None and built["001EXT000000000004"][0] is None


def _candidate(account_id, name, domain=None, country=None, employees=None):
    return Candidate(account_id, name, domain, country, employees)


def test_domains_fold_subdomains_and_never_free_mail():
    keys = lead_keys(email="Jane.Doe@EU.Mail.Acme.co.uk", website=None, company_name=None, country="gb", employees=None)
    assert (keys.domain, keys.domain_source, keys.country) == ("acme.co.uk", "email", "GB")
    match = match_lead(keys, [_candidate("001A", "Acme Ltd", "acme.co.uk")])
    assert (match.account_id, match.rule, match.decision) == ("001A", "email_domain", MATCHED)

    free = lead_keys(email="jane@gmail.com", website=None, company_name=None, country=None, employees=None)
    assert free.domain is None
    # An account whose website is a free-mail domain is never matched through it.
    assert match_lead(free, [_candidate("001B", "Gmail Fan Club", None)]).decision == NEW_ACCOUNT


def test_look_alikes_go_to_review_unless_a_tie_breaker_separates_them():
    twins = [
        _candidate("001US", "Harper Robotics Inc.", None, "US", 400),
        _candidate("001DE", "Harper Robotics GmbH", None, "DE", 90),
    ]
    no_country = lead_keys(email=None, website=None, company_name="Harper Robotics", country=None, employees=None)
    assert match_lead(no_country, twins).decision == REVIEW
    german = lead_keys(email=None, website=None, company_name="Harper Robotics", country="DE", employees=None)
    match = match_lead(german, twins)
    assert (match.account_id, match.rule, match.decision) == ("001DE", "company_name", MATCHED)


def test_a_domain_shared_by_a_group_is_settled_by_name():
    group = [
        _candidate("001P", "Kingsley Media Ltd", "kingsley.co.uk", "GB"),
        _candidate("001S", "Kingsley Services Ltd", "kingsley.co.uk", "GB"),
    ]
    by_name = lead_keys(
        email="a@kingsley.co.uk", website=None, company_name="Kingsley Services", country=None, employees=None
    )
    assert match_lead(by_name, group).account_id == "001S"
    nameless = lead_keys(email="a@kingsley.co.uk", website=None, company_name=None, country=None, employees=None)
    assert match_lead(nameless, group).decision == REVIEW
