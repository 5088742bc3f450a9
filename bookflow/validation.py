"""Checks on inputs before a run writes anything.

Rules files are checked in full and every problem is reported at once, with file, line and
column, because RevOps edit them by hand. Raw tables are checked for the columns the models
read. Row-level problems in CRM data (null owners, duplicate ids...) are not errors: the models
quarantine those rows with a reason.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bookflow.contract import raw_tables


class InputError(ValueError):
    """Input that bookflow cannot run on; the message names the file or table and column."""


def check_rules(rules_dir: Path, crm: str = "salesforce") -> None:
    """Raise InputError listing every error in the roster and rules CSVs of `rules_dir`.

    In HubSpot the pool is the unowned companies, so `pool_owner_id` is optional there. Warnings
    do not stop a run; `bookflow rules check` shows them (bookflow.rules).
    """
    from bookflow.rules import review_rules

    errors = [problem for problem in review_rules(Path(rules_dir), crm=crm) if problem.severity == "error"]
    if errors:
        raise InputError(f"rules in {rules_dir} are invalid:\n  - " + "\n  - ".join(str(error) for error in errors))


def check_raw_tables(
    con: duckdb.DuckDBPyConnection,
    database: str | None = None,
    crm: str = "salesforce",
    *,
    sdr_owner_column: str | None = None,
) -> None:
    """Raise InputError naming each raw table or column the models need and `con` lacks.

    `database` names an attached catalog to check (e.g. the demo CRM) instead of the default one;
    `crm` says whose tables (bookflow.contract.raw_tables); `sdr_owner_column`, the SDR owner
    column settings.csv names, is then needed on the accounts.
    """
    found: dict[tuple[str, str], set[str]] = {}
    rows = con.execute(
        """
        select table_schema, table_name, column_name
        from information_schema.columns
        where table_catalog = coalesce(?, current_database())
        """,
        [database],
    ).fetchall()
    for schema, table, column in rows:
        found.setdefault((schema.lower(), table.lower()), set()).add(column.lower())
    problems = []
    for schema, tables in raw_tables(crm).items():
        for table, columns in tables.items():
            have = found.get((schema, table))
            if have is None:
                problems.append(f"table {schema}.{table} is missing")
                continue
            wanted = (
                (*columns, sdr_owner_column)
                if sdr_owner_column and (schema, table) in (("salesforce", "account"), ("hubspot", "company"))
                else columns
            )
            problems += [f"table {schema}.{table} is missing column '{c}'" for c in wanted if c not in have]
    if problems:
        where = f" in {database}" if database else ""
        raise InputError("raw CRM tables" + where + " do not match the input contract:\n  - " + "\n  - ".join(problems))
