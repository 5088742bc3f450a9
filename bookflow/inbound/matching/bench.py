"""`bookflow bench-match`: precision and recall of lead-to-account matching on a fixture.

The fixture's accounts are loaded into a scratch warehouse as raw Salesforce accounts, dbt builds
marts.account_match_keys there (the same models the daily cycle runs), and every lead goes
through the same lookup and scoring as a routing pass. A lead counts as matched only when the
matcher decides `matched`; `review` and `new_account` are not matches.

    precision = matched to the right account / matched
    recall    = matched to the right account / leads that have an account
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.inbound.matching.candidates import Lead, match_leads
from bookflow.inbound.matching.keys import lead_keys
from bookflow.inbound.matching.scoring import MATCH_AT, MATCHED, REVIEW, REVIEW_AT

FIXTURE_DIR = paths.REPO_ROOT / "tests" / "fixtures" / "matching"
_POOL_USER = "005Dn00000000EXIAY"


@dataclass
class MatchFigures:
    leads: int = 0
    with_account: int = 0
    matched: int = 0
    right: int = 0
    review: int = 0
    wrong: list[str] = field(default_factory=list)
    by_case: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def precision(self) -> float:
        return self.right / self.matched if self.matched else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.with_account if self.with_account else 1.0

    def format(self) -> str:
        lines = [
            f"{self.leads} leads, {self.with_account} with an account in the CRM; "
            f"{self.matched} matched, {self.review} to review",
            f"precision {self.precision:.3f} (goal 0.98)   recall {self.recall:.3f} (goal 0.90)",
            "",
            "| case | leads | right | wrong | review | no match |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for case, counts in sorted(self.by_case.items()):
            lines.append(
                f"| {case} | {sum(counts.values())} | {counts['right']} | {counts['wrong']} | "
                f"{counts['review']} | {counts['none']} |"
            )
        lines += [f"  wrong: {line}" for line in self.wrong]
        return "\n".join(lines)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def build_match_keys(accounts: list[dict[str, str]], warehouse: Path) -> None:
    """Load `accounts` as raw Salesforce accounts and let dbt build marts.account_match_keys."""
    from orchestration.dbt_project import dbt_environment, dbt_executable

    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema salesforce")
        con.execute(
            """
            create table salesforce.account (
                id varchar, name varchar, owner_id varchar, type varchar, industry varchar,
                number_of_employees integer, annual_revenue double, billing_country varchar,
                billing_state varchar, created_date timestamp, is_deleted boolean, website varchar
            )
            """
        )
        con.executemany(
            "insert into salesforce.account values (?, ?, ?, 'Prospect', null, ?, null, ?, null, timestamp '2026-01-01', false, ?)",
            [
                (
                    a["account_id"],
                    a["name"],
                    _POOL_USER,
                    int(a["number_of_employees"]),
                    a["billing_country"],
                    a["website"] or None,
                )
                for a in accounts
            ],
        )
        con.execute('create table salesforce."user" (id varchar, name varchar, email varchar, is_active boolean)')
        con.execute("insert into salesforce.\"user\" values (?, 'Account Pool', null, true)", [_POOL_USER])
    # dbt in its own process, as the cycle runs it: in-process, dbt-duckdb keeps the file attached.
    with dbt_environment(str(warehouse), str(paths.BUNDLED_RULES_DIR)):
        run = subprocess.run(
            [
                dbt_executable(), "build", "--select", "+account_match_keys", "--exclude", "resource_type:unit_test",
                # Only tests whose every parent is built here (the roster's relationship test is not).
                "--indirect-selection", "cautious", "--quiet",
                "--target-path", str(paths.DBT_PROJECT_DIR / "target" / "bench_match"),
                "--profiles-dir", str(paths.DBT_PROJECT_DIR),
            ],
            cwd=paths.DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
        )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"dbt could not build the match keys:\n{run.stdout}{run.stderr}")


def run_match_benchmark(
    fixture_dir: Path = FIXTURE_DIR,
    *,
    match_at: float = MATCH_AT,
    review_at: float = REVIEW_AT,
    keep_warehouse: Path | None = None,
) -> MatchFigures:
    """The figures of matching the fixture's leads; `keep_warehouse`, a new file, keeps the
    scratch warehouse where dbt built the accounts' match keys (removed otherwise)."""
    accounts = _read(fixture_dir / "accounts.csv")
    rows = _read(fixture_dir / "leads.csv")
    with tempfile.TemporaryDirectory(prefix="bookflow-match-") as scratch:
        warehouse = keep_warehouse or Path(scratch) / "warehouse.duckdb"
        if warehouse.exists():
            raise FileExistsError(f"{warehouse} exists: the match keys are built in a new file")
        build_match_keys(accounts, warehouse)
        leads = [
            Lead(
                lead_id=row["lead_id"],
                account_id=row["account_id"] or None,
                keys=lead_keys(
                    email=row["email"] or None,
                    website=row["website"] or None,
                    company_name=row["company_name"] or None,
                    country=row["country"] or None,
                    employees=int(row["employees"]) if row["employees"] else None,
                ),
            )
            for row in rows
        ]
        with duckdb.connect() as con:
            con.execute(f"attach '{warehouse}' as facts (read_only)")
            matches = match_leads(con, leads, match_at=match_at, review_at=review_at)

    figures = MatchFigures(leads=len(rows))
    for row in rows:
        expected = row["expected_account_id"] or None
        match = matches[row["lead_id"]]
        figures.with_account += expected is not None
        if match.decision == MATCHED:
            figures.matched += 1
            if match.account_id == expected:
                figures.right += 1
                verdict = "right"
            else:
                verdict = "wrong"
                figures.wrong.append(
                    f"{row['lead_id']} ({row['case']}): {row['company_name'] or row['email'] or row['website']!r} "
                    f"-> {match.account_id} by {match.rule} ({match.confidence}), expected {expected}"
                )
        elif match.decision == REVIEW:
            figures.review += 1
            verdict = "review"
        else:
            verdict = "none"
        figures.by_case[row["case"]][verdict] += 1
    return figures
