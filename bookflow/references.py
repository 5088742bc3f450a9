"""The users the rules name, checked against the CRM's users before anything is built.

The pool user owns every pool account in the CRM, and the sync writes it as the owner of each
retrieved or returned account: if it is not an active CRM user, every such write would fail at
the very end of the run. A roster rep who is not a CRM user is a typing mistake in reps.csv
that would leave the rep's slots idle. Both stop the run at once, naming the file, line and id.

A rep who is a CRM user but inactive has left: the models give them no capacity and retrieve
their book; that is reported after the run (marts.rep_capacity's capacity_state), not an error.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from bookflow.validation import InputError

# Where each CRM keeps its users: (table, id column).
_USERS = {"salesforce": ('salesforce."user"', "id"), "hubspot": ("hubspot.owner", "owner_id")}


def check_references(
    con: duckdb.DuckDBPyConnection, rules_dir: Path, catalog: str | None = None, crm: str = "salesforce"
) -> None:
    """Raise InputError naming the pool user or roster reps that are not active users of `crm`.

    HubSpot's pool may have no owner (the unowned companies): an empty pool_owner_id is checked
    only in Salesforce, where the pool is a user."""
    rules_dir = Path(rules_dir)
    with (rules_dir / "settings.csv").open(newline="", encoding="utf-8") as handle:
        pool_owner = next(
            (row["value"].strip() for row in csv.DictReader(handle) if row["setting"].strip() == "pool_owner_id"), ""
        )
    with (rules_dir / "reps.csv").open(newline="", encoding="utf-8") as handle:
        reps = [
            (line, row["rep_id"].strip(), row["rep_name"].strip()) for line, row in enumerate(csv.DictReader(handle), 2)
        ]

    users_table, id_column = _USERS[crm]
    shown = users_table.replace('"', "")
    check_pool = bool(pool_owner) or crm == "salesforce"
    wanted = sorted({*([pool_owner] if check_pool else []), *(rep_id for _, rep_id, _ in reps)})
    users = dict(
        con.execute(
            f"""
            -- true as the staging model reads it, also from text (macros/typed_input.sql)
            select cast({id_column} as varchar),
                lower(trim(cast(is_active as varchar))) in ('true', 't', 'yes', 'y', '1')
            from {catalog + "." if catalog else ""}{users_table}
            where cast({id_column} as varchar) in (select unnest($ids))
            """,
            {"ids": wanted},
        ).fetchall()
    )
    problems = []
    if check_pool and pool_owner not in users:
        problems.append(
            f"settings.csv: pool_owner_id {pool_owner} is not a user in {shown}: "
            "the pool's accounts could not be written back to the CRM"
        )
    elif check_pool and not users[pool_owner]:
        problems.append(
            f"settings.csv: pool_owner_id {pool_owner} is an inactive user in {shown}: "
            "the CRM refuses an inactive owner"
        )
    problems += [
        f"reps.csv line {line}: rep_id {rep_id} ({name}) is not a user in {shown}"
        for line, rep_id, name in reps
        if rep_id not in users
    ]
    if problems:
        raise InputError("the rules name users the CRM does not have:\n  - " + "\n  - ".join(problems))
