"""Blue/green slots: a run's dbt relations become current all together, or not at all.

dbt commits model by model, so a run that fails halfway would leave some marts at the new day and
others at the last one. On DuckDB a cycle therefore builds every dbt relation (seeds, staging,
intermediate, marts) into the slot no reader uses, and only after every model and test passed
makes it current in one transaction:

    rules, staging, intermediate, marts    views onto the current slot: what every reader reads
    <schema>__blue, <schema>__green        the two slots (dbt picks one through BOOKFLOW_SLOT)
    runs.current_slot                      which slot is current, for which day, since when

A failed or killed run leaves only its own slot half-built; the next run empties that slot and
starts again. Incremental models (the activity aggregate, the *_history tables) hold what earlier
runs counted, so the slot being built starts with a copy of the current slot's: a failed run
changes no table a reader or the next run starts from. Two fixed slots rather than one schema
per run keep dbt's partial parsing warm (one parse state per slot; a schema name dbt has not
seen before means a full parse).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import duckdb

from reverse_etl.duckdb_files import open_duckdb

SLOTS = ("blue", "green")
SLOT_ENV = "BOOKFLOW_SLOT"
# The schemas dbt builds: each is a slot pair plus the plain schema of views onto the current one.
SCHEMAS = ("rules", "reference", "staging", "intermediate", "marts")
STATE_SCHEMA = "runs"


def slot_schema(schema: str, slot: str) -> str:
    return f"{schema}__{slot}"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def current_slot(con: duckdb.DuckDBPyConnection) -> str | None:
    """The slot the public schemas show, or None before the first run made one current."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = 'current_slot'",
        [STATE_SCHEMA],
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"select slot from {STATE_SCHEMA}.current_slot").fetchone()
    return row[0] if row else None


def warehouse_slots(warehouse: Path) -> tuple[str | None, str]:
    """(current slot or None, the slot the next run builds) of a warehouse file."""
    if not Path(warehouse).exists():
        return None, SLOTS[0]
    with open_duckdb(Path(warehouse), read_only=True) as con:
        current = current_slot(con)
    return current, SLOTS[1] if current == SLOTS[0] else SLOTS[0]


def current_relation(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str:
    """The table behind the public name `schema.name`, for the few writers outside dbt."""
    slot = current_slot(con)
    return f"{_quoted(slot_schema(schema, slot) if slot else schema)}.{_quoted(name)}"


def _relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[str, str]]:
    """(name, 'table' or 'view') of every relation in `schema`."""
    return con.execute(
        """
        select table_name, 'table' from duckdb_tables() where schema_name = $schema and database_name = current_database()
        union all
        select view_name, 'view' from duckdb_views()
        where schema_name = $schema and database_name = current_database() and not internal
        order by 1
        """,
        {"schema": schema},
    ).fetchall()


def prepare_slot(warehouse: Path, slot: str, carried: Iterable[tuple[str, str]]) -> list[str]:
    """Empty `slot` and copy into it, from the current slot, the tables in `carried`
    ((schema, name) of the incremental models); return the tables copied.

    Before the first slotted run the plain schemas hold tables (an older bookflow, or dbt run by
    hand): those are what the incremental models start from then.
    """
    copied = []
    with open_duckdb(Path(warehouse)) as con:
        current = current_slot(con)
        if current == slot:
            raise ValueError(f"slot {slot} is current: a run builds the other one")
        con.execute("begin transaction")
        for schema in SCHEMAS:
            con.execute(f"drop schema if exists {_quoted(slot_schema(schema, slot))} cascade")
        for schema, name in carried:
            source = slot_schema(schema, current) if current else schema
            if (name, "table") not in _relations(con, source):
                continue
            target = _quoted(slot_schema(schema, slot))
            con.execute(f"create schema if not exists {target}")
            con.execute(f"create table {target}.{_quoted(name)} as select * from {_quoted(source)}.{_quoted(name)}")
            copied.append(f"{schema}.{name}")
        con.execute("commit")
    return copied


def make_current(
    warehouse: Path,
    slot: str,
    as_of: date,
    *,
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    record: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> int:
    """Point every public schema at `slot` in one transaction; return the relations it shows.

    `check` runs first inside the transaction and may raise to keep the current slot (a guard
    that reads the new slot); `record` runs inside it too, so what it writes (the run's volumes)
    becomes the last good run's together with the marts.
    """
    with open_duckdb(Path(warehouse)) as con:
        con.execute("begin transaction")
        try:
            if check:
                check(con)
            shown = 0
            previous = current_slot(con)
            for schema in SCHEMAS:
                con.execute(f"create schema if not exists {_quoted(schema)}")
                built = {name for name, _ in _relations(con, slot_schema(schema, slot))}
                shown_before = (
                    {name for name, _ in _relations(con, slot_schema(schema, previous))} if previous else set()
                )
                # The views onto the other slot, and tables of the layout before slots (or of dbt
                # run by hand) under the same names; relations of anyone else stay.
                for name, kind in _relations(con, schema):
                    if name in built | shown_before:
                        con.execute(f"drop {kind} {_quoted(schema)}.{_quoted(name)}")
                for name in sorted(built):
                    con.execute(
                        f"create view {_quoted(schema)}.{_quoted(name)} as "
                        f"select * from {_quoted(slot_schema(schema, slot))}.{_quoted(name)}"
                    )
                    shown += 1
            con.execute(f"create schema if not exists {STATE_SCHEMA}")
            con.execute(
                f"create table if not exists {STATE_SCHEMA}.current_slot "
                "(slot varchar not null, as_of date not null, made_current_at timestamp not null)"
            )
            con.execute(f"delete from {STATE_SCHEMA}.current_slot")
            con.execute(
                f"insert into {STATE_SCHEMA}.current_slot values (?, ?, timezone('UTC', current_timestamp))",
                [slot, as_of],
            )
            if record:
                record(con)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return shown
