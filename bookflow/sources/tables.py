"""How a raw table is landed: its columns with their SQL types, and the key that says which
landed rows a newer pull of the same record replaces."""

from __future__ import annotations

from dataclasses import dataclass

TEXT, BOOL, INT, FLOAT, TIMESTAMP, DATE = "varchar", "boolean", "bigint", "double", "timestamp", "date"
# Every landing column is text (dlt's merge then never meets a type it must widen); the
# publish step casts to these.


@dataclass(frozen=True)
class RawTable:
    schema: str
    name: str
    columns: dict[str, str]  # contract column -> SQL type
    key: str  # rows of one record (or, for association and history tables, of one parent) share it
    optional: bool = False
    # Columns the CRM may not have, or may hide from the integration user (Account.Website, an
    # activity's WhoId): left out of the raw table until one lands.
    optional_columns: tuple[str, ...] = ()
    # A table made from a column of another landed table (associations, property history): the
    # parent table, its key column, and SQL over `landed` (the parent's landed rows) giving this
    # table's columns as text and _dlt_load_id. Pulling a parent again replaces all its rows here.
    parent: str | None = None
    parent_key: str | None = None
    rows_sql: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def landed_table(self) -> str:
        return self.parent or self.name
