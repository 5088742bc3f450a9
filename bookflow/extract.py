"""Land the CRM's raw tables in the warehouse, the way Fivetran would.

For the demo the CRM is a DuckDB file; the copy is one transaction, so a failed extract leaves
the previous raw tables untouched, and the input contract is checked before anything is copied.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bookflow.contract import RAW_TABLES
from bookflow.validation import InputError, check_raw_tables


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def extract_demo_crm(crm_path: Path, warehouse_path: Path) -> dict[str, int]:
    """Copy the contract's tables from the demo CRM file into the warehouse; return row counts."""
    if not Path(crm_path).exists():
        raise InputError(f"demo CRM {crm_path} does not exist: run `bookflow demo` to create it")
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse_path)) as con:
        # ATTACH takes no bound parameters; the path is quoted as a string literal instead.
        con.execute(f"attach '{str(crm_path).replace(chr(39), chr(39) * 2)}' as crm (read_only)")
        try:
            check_raw_tables(con, "crm")
            con.execute("begin transaction")
            for schema, tables in RAW_TABLES.items():
                con.execute(f"create schema if not exists {schema}")
                for table, columns in tables.items():
                    column_list = ", ".join(_quoted(column) for column in columns)
                    target = f"{schema}.{_quoted(table)}"
                    con.execute(
                        f"create or replace table {target} as select {column_list} from crm.{schema}.{_quoted(table)}"
                    )
                    counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
            con.execute("commit")
        except Exception:
            try:
                con.execute("rollback")
            except duckdb.Error:
                pass  # no transaction was open: the failure came before it
            raise
        finally:
            con.execute("detach crm")
    return counts


def check_warehouse_inputs(warehouse_path: Path) -> None:
    """For users who load raw tables themselves: check the contract in the warehouse."""
    if not Path(warehouse_path).exists():
        raise InputError(f"warehouse {warehouse_path} does not exist: load the raw tables first (see README)")
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        check_raw_tables(con)
