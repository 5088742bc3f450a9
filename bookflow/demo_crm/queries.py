"""The demo generator's SQL, one statement per file in `sql/`, read once and run by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def text(name: str) -> str:
    """The statement in `sql/<name>.sql`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run(con: duckdb.DuckDBPyConnection, name: str, params: list | dict | None = None) -> duckdb.DuckDBPyConnection:
    """Execute `sql/<name>.sql` with `params` (positional `?` or named `$name`)."""
    return con.execute(text(name), params) if params is not None else con.execute(text(name))
