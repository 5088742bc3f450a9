"""Lead-to-account matching: the warehouse's keys, the scoring, and bench-match's figures."""

from __future__ import annotations

import csv
import re
import shutil

import duckdb
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.inbound.matching.bench import FIXTURE_DIR
from bookflow.inbound.matching.keys import fold_company_name, lead_keys, name_blocks, registrable_domain
from bookflow.inbound.matching.scoring import MATCHED, NEW_ACCOUNT, REVIEW, Candidate, match_lead

# Accounts at addresses the fixture lacks: wildcard and exception rules, IPs, free mail, ports.
EXTRA_ACCOUNTS = [
    ("https://a.b.city.kawasaki.jp/x", "Kawasaki City Office"),
    ("http://www.foo.kawasaki.jp", "Foo KK"),
    ("HTTPS://Shop.Example.CO.UK:8443/path?q=1#top", "Example Shop Ltd."),
    ("http://10.0.0.7/", "Internal Tools"),
    ("https://www.gmail.com", "Not A Mailbox Inc"),
    ("user@mail.acme.com.au", "O'Neil & Söhne GmbH & Co. KG"),
    ("localhost", "The Co., Inc."),
]


def test_bench_match_reaches_its_goals_and_its_warehouse_folds_accounts_as_routing_folds_leads(tmp_path):
    """bench-match on the fixture and the extra accounts (no lead names them: they can only be
    matched wrongly), keeping the warehouse where dbt built the match keys, which must fold every
    account as routing folds a lead."""
    fixture = tmp_path / "fixture"
    shutil.copytree(FIXTURE_DIR, fixture)
    with (fixture / "accounts.csv").open(newline="", encoding="utf-8") as handle:
        accounts = list(csv.DictReader(handle))
    for index, (website, name) in enumerate(EXTRA_ACCOUNTS):
        accounts.append(
            {"account_id": f"001EXT{index:012d}", "name": name, "website": website, "billing_country": "US",
             "number_of_employees": "10"}
        )  # fmt: skip
    with (fixture / "accounts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(accounts[0]))
        writer.writeheader()
        writer.writerows(accounts)
    warehouse = tmp_path / "match_keys.duckdb"

    result = CliRunner().invoke(main, ["bench-match", "--fixture", str(fixture), "--keep-warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    precision, recall = (
        float(value) for value in re.search(r"precision ([\d.]+).*recall ([\d.]+)", result.output).groups()
    )
    assert precision >= 0.98 and recall >= 0.90, result.output
    assert "| free_mail_no_company | 12 | 0 | 0 | 0 | 12 |" in result.output  # free mail never matches

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

    # A kept warehouse is never written over.
    again = CliRunner().invoke(main, ["bench-match", "--keep-warehouse", str(warehouse)])
    assert again.exit_code == 2 and "exists: name a new file" in again.output


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
