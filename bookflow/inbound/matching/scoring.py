"""Pick the account a lead is about among its few candidates, with a rule and a confidence.

In order:
1. `account_id`: the lead names an account that the cycle knows;
2. `email_domain` / `website_domain`: the company's own registrable domain (free-mail never counts)
   is one account's website domain; several accounts on one domain (a group and its
   subsidiaries) are told apart by name, then country, then size, and a close call goes to review;
3. `company_name`: the folded names compared with rapidfuzz (ratio and token order), plus small
   tie-breakers: the same billing country, a size in the same band.
A confidence at or above `match_at` is a match; from `review_at` it goes to `review` (a person
decides); below, or with no candidate at all, the lead is a new-account candidate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bookflow.inbound.matching.keys import LeadKeys, fold_company_name

MATCHED, REVIEW, NEW_ACCOUNT = "matched", "review", "new_account"
MATCH_AT = 0.90
REVIEW_AT = 0.75
# Points a tie-breaker moves a name score (out of 100): enough to separate look-alikes, never a
# weak name.
_COUNTRY_POINTS = 4.0
_SIZE_POINTS = 2.0
# Two accounts closer than this (in adjusted points) are a close call.
_CLOSE_CALL = 3.0


@dataclass(frozen=True)
class Candidate:
    account_id: str
    account_name: str
    website_domain: str | None
    billing_country: str | None
    employee_count: int | None


@dataclass(frozen=True)
class Match:
    account_id: str | None
    rule: str | None
    confidence: float
    decision: str  # matched, review, new_account
    reason: str


# A lead that spells out the account's whole name and adds words ("Acme Robotics - EMEA office").
_WHOLE_NAME_AND_MORE = 92.0


def name_score(lead_folded: str, account_name: str) -> float:
    """0-100: how alike two company names are once folded (typos, word order, words added)."""
    folded = fold_company_name(account_name)
    if not lead_folded or not folded:
        return 0.0
    score = max(fuzz.ratio(lead_folded, folded), fuzz.token_sort_ratio(lead_folded, folded))
    words = folded.split(" ")
    if len(words) >= 2 and set(words) <= set(lead_folded.split(" ")):
        score = max(score, _WHOLE_NAME_AND_MORE)
    return score


def _same_size_band(left: int | None, right: int | None) -> bool:
    # Within a factor of three: 40 and 100 employees are one company told twice, 40 and 4,000 are not.
    if not left or not right or left <= 0 or right <= 0:
        return False
    return abs(math.log(left) - math.log(right)) <= math.log(3)


def _tie_breakers(lead: LeadKeys, candidate: Candidate) -> float:
    points = 0.0
    if lead.country and candidate.billing_country:
        points += _COUNTRY_POINTS if lead.country == candidate.billing_country else -_COUNTRY_POINTS
    if _same_size_band(lead.employees, candidate.employee_count):
        points += _SIZE_POINTS
    return points


def _decide(account_id: str | None, rule: str, confidence: float, reason: str, *, match_at: float, review_at: float):
    confidence = round(max(0.0, min(1.0, confidence)), 3)
    if confidence >= match_at:
        return Match(account_id, rule, confidence, MATCHED, reason)
    if confidence >= review_at:
        return Match(account_id, rule, confidence, REVIEW, reason + "; below the match threshold: a person decides")
    return Match(None, rule, confidence, NEW_ACCOUNT, "no account close enough: a new-account candidate")


def _ranked(lead: LeadKeys, candidates: Iterable[Candidate]) -> list[tuple[float, float, Candidate]]:
    """(adjusted score, name score, candidate), best first; ties by account id so a rerun agrees."""
    scored = []
    for candidate in candidates:
        score = name_score(lead.folded_name, candidate.account_name)
        scored.append((score + _tie_breakers(lead, candidate), score, candidate))
    scored.sort(key=lambda row: (-row[0], row[2].account_id))
    return scored


def match_lead(
    lead: LeadKeys,
    candidates: list[Candidate],
    *,
    account_id: str | None = None,
    match_at: float = MATCH_AT,
    review_at: float = REVIEW_AT,
) -> Match:
    """The account `lead` is about among `candidates` (those sharing a domain or a name block)."""
    if account_id:
        if any(candidate.account_id == account_id for candidate in candidates):
            return Match(account_id, "account_id", 1.0, MATCHED, "the hand raise names the account")
        return Match(None, "account_id", 0.0, NEW_ACCOUNT, f"account {account_id} is not among the cycle's accounts")

    on_domain = [candidate for candidate in candidates if lead.domain and candidate.website_domain == lead.domain]
    rule = f"{lead.domain_source}_domain"
    if len(on_domain) == 1:
        return _decide(on_domain[0].account_id, rule, 0.97, f"{lead.domain_source} domain {lead.domain}",
                       match_at=match_at, review_at=review_at)  # fmt: skip
    if on_domain:
        ranked = _ranked(lead, on_domain)
        best, runner_up = ranked[0], ranked[1]
        margin = best[0] - runner_up[0]
        # One domain, several accounts: the name (and country, size) must single one out.
        confidence = 0.95 if margin >= _CLOSE_CALL and best[1] >= 80 else 0.80
        reason = f"{lead.domain_source} domain {lead.domain} is the website of {len(on_domain)} accounts; by name {best[1]:.0f}/100"
        return _decide(best[2].account_id, rule, confidence, reason, match_at=match_at, review_at=review_at)

    if not lead.folded_name:
        return Match(None, None, 0.0, NEW_ACCOUNT, "no account shares its domain and it names no company")
    ranked = _ranked(lead, candidates)
    if not ranked:
        return Match(None, None, 0.0, NEW_ACCOUNT, "no account shares its domain or a name block")
    best = ranked[0]
    confidence = min(best[0], 100.0) / 100
    reason = f"company name {best[1]:.0f}/100"
    rivals = [row for row in ranked[1:] if best[0] - row[0] < _CLOSE_CALL]
    if rivals:
        # A look-alike as close as the best: never an automatic match.
        confidence = min(confidence, (match_at + review_at) / 2)
        reason += f", {len(rivals)} look-alike(s) as close"
    return _decide(best[2].account_id, "company_name", confidence, reason, match_at=match_at, review_at=review_at)
