"""`bookflow explain`: one account's row of marts.account_explanations, in words.

Every reason comes from the mart, which dbt builds from the same models that decided the run;
nothing here restates a rule. While a cycle holds the warehouse, the published copy is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.contract import ACCOUNT_TABLES
from reverse_etl.duckdb_files import cycle_lock

MART = "marts.account_explanations"


class ExplainError(Exception):
    """The account cannot be explained from what the warehouse holds; the message says what to do."""


@dataclass(frozen=True)
class Explanation:
    row: dict
    source: Path

    def format(self) -> str:
        row = self.row
        rep = lambda owner: owner or "the pool"  # noqa: E731
        lines = [
            f"account {row['account_id']} on {row['as_of']} (from {self.source})",
            f"  status      {row['status']}{', ready to be dealt' if row['ready'] else ''}",
            f"  why         {row['status_reason']}",
            f"  owner       {rep(row['owner_id'])} before this run; target book {row['target_book'] or 'none'}"
            + (", pinned by RevOps" if row["is_pinned"] else ""),
            f"  fit         {_number(row['fit_score'])} = industry {row['industry'] or '?'} {_number(row['industry_points'])}"
            f" + employees {_number(row['employee_count'])} {_number(row['employee_points'])}"
            f" + revenue {_number(row['annual_revenue'])} {_number(row['revenue_points'])} (capped at 100)",
            f"  timing      {_number(row['timing_score'])} from {row['signal_count'] or 0} signals"
            + (f": {row['timing_parts']}" if row["timing_parts"] else ""),
            f"  priority    {_number(row['priority_score'])}, tier {row['tier']}",
        ]
        if row["pool_rank"] is not None:
            dealt = (
                f", dealt in round {row['deal_round']} to {row['dealt_to_rep_id']}"
                if row["deal_round"] is not None
                else ", not dealt: no open slot reached it"
            )
            lines.append(f"  deal        pool rank {row['pool_rank']} in {row['target_book']}{dealt}")
        if row["change_type"]:
            lines.append(
                f"  this run    {row['change_type']} to {rep(row['change_to_owner_id'])}: {row['change_reason']}"
            )
        else:
            lines.append("  this run    no ownership change")
        history = (row["owner_history"] or "").split("; ") if row["owner_history"] else []
        lines.append(f"  history     {row['owner_changes']} owner changes written to the CRM")
        lines += [f"    {entry}" for entry in history]
        return "\n".join(lines)


def _number(value) -> str:  # noqa: ANN001
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _readable_source(warehouse: Path) -> Path:
    """The warehouse, or its published copy while a cycle holds it."""
    published = paths.publish_dir(warehouse) / "bookflow.duckdb"
    if not warehouse.exists():
        if published.exists():
            return published
        raise ExplainError(f"{warehouse} does not exist: run `bookflow run` first")
    with cycle_lock(warehouse, wait=False) as free:
        if free:
            return warehouse
    if published.exists():
        return published
    raise ExplainError(f"a cycle is writing {warehouse} and nothing is published yet: try again when it ends")


def explain(account_id: str, *, warehouse: Path | None = None, as_of: date | None = None) -> Explanation:
    warehouse = Path(warehouse or paths.warehouse_path())
    source = _readable_source(warehouse)
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.IOException as error:  # a writer holds the file between two steps of a cycle
        published = paths.publish_dir(warehouse) / "bookflow.duckdb"
        if source == published or not published.exists():
            raise ExplainError(f"cannot read {source}: {error}") from error
        source, con = published, duckdb.connect(str(published), read_only=True)
    with con:
        try:
            cursor = con.execute(f"select * from {MART} where account_id = ?", [account_id])
        except duckdb.CatalogException as error:
            raise ExplainError(f"{source} has no {MART}: run `bookflow run` to build it") from error
        names = [column[0] for column in cursor.description]
        found = cursor.fetchone()
        if found is None:
            held = con.execute(
                "select reason from marts.quarantine where record_id = ? and source_table in (select unnest(?))",
                [account_id, list(ACCOUNT_TABLES)],
            ).fetchall()
            if held:
                reasons = "; ".join(reason for (reason,) in held)
                raise ExplainError(f"account {account_id} is held in marts.quarantine: {reasons}")
            raise ExplainError(f"account {account_id} is not in {MART} of {source}")
    row = dict(zip(names, found, strict=True))
    if as_of is not None and row["as_of"] != as_of:
        raise ExplainError(
            f"{source} holds the run of {row['as_of']}, not {as_of}: rebuild that day's marts with "
            f"`bookflow backfill --start {as_of} --end {as_of}` (no sync), then explain again"
        )
    return Explanation(row=row, source=source)
