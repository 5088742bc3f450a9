"""Look up each lead's candidate accounts in the warehouse's match keys, in one query per pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from bookflow.inbound.matching.keys import LeadKeys
from bookflow.inbound.matching.scoring import Candidate, Match, match_lead
from bookflow.inbound.sql import read_sql

# Name candidates scored per lead at most: a common first word ("global") may block thousands.
PER_LEAD = 200


@dataclass(frozen=True)
class Lead:
    """One hand raise to match: its id in the pass, the account it names (if any) and its keys."""

    lead_id: str
    account_id: str | None
    keys: LeadKeys


def find_candidates(con: duckdb.DuckDBPyConnection, leads: Sequence[Lead]) -> dict[str, list[Candidate]]:
    """Candidates per lead id; `con` has the marts attached as `facts`."""
    con.execute(
        """
        create or replace temp table lead_keys (
            lead_id varchar, account_id varchar, domain varchar, country varchar,
            block_1 varchar, block_2 varchar, block_3 varchar
        )
        """
    )
    if not leads:
        return {}
    rows = []
    for lead in leads:
        rows.append((lead.lead_id, lead.account_id, lead.keys.domain, lead.keys.country, *lead.keys.blocks))
    con.executemany("insert into lead_keys values (?, ?, ?, ?, ?, ?, ?)", rows)
    found: dict[str, list[Candidate]] = {lead.lead_id: [] for lead in leads}
    for lead_id, *candidate in con.execute(read_sql("match_candidates"), {"per_lead": PER_LEAD}).fetchall():
        found[lead_id].append(Candidate(*candidate))
    return found


def match_leads(con: duckdb.DuckDBPyConnection, leads: Sequence[Lead], **thresholds: float) -> dict[str, Match]:
    """The match of every lead, by its candidates."""
    candidates = find_candidates(con, leads)
    return {
        lead.lead_id: match_lead(lead.keys, candidates[lead.lead_id], account_id=lead.account_id, **thresholds)
        for lead in leads
    }
