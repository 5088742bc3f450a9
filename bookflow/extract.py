"""Land the CRM's raw tables in the warehouse, the way Fivetran would.

For the demo the CRM is a DuckDB file; the copy is one transaction, so a failed extract leaves
the previous raw tables untouched, and the input contract is checked before anything is copied.

Activities and signals (about twenty rows per account) only grow, so after the first copy they
are extracted incrementally, the way Fivetran syncs append-mostly objects: the rows of the last
`LOOKBACK_DAYS` before the newest one already landed are compared with the CRM's rows from that
day on, and only the rows that are new or edited land again. Late rows inside the window, and
edits or deletions inside it, are picked up; a table whose row count still differs from the
CRM's afterwards lost rows before the window, and is copied whole; an edit to an older row needs
`full_refresh` (`bookflow run --full-refresh`). Accounts, users, opportunities and returns are
small next to them and change in place, so they are copied whole, with every column the CRM has
(custom fields such as the SDR owner among them, as Fivetran lands them).

A signal can arrive long after it occurred (a hand raise posted to the webhook names when it
happened): where the CRM stamps when a row arrived (`received_at`, which the webhook writes), that
stamp lands too and opens a second window, so a row that arrived lately lands whenever it occurred.

Like Fivetran, every landed row carries `_fivetran_synced`, when it landed: a row that did not
change keeps its stamp, so downstream models can read only what landed since their last run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from bookflow.contract import OPTIONAL_COLUMNS, RAW_TABLES
from bookflow.inbound.handoff import begin_cycle, land_in_warehouse
from bookflow.rules import required_sdr_owner_column
from bookflow.validation import InputError, check_raw_tables, check_rules
from reverse_etl.duckdb_files import attach_read_only, copying_from, open_duckdb


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _column_list(columns: tuple[str, ...]) -> str:
    return ", ".join(_quoted(column) for column in columns)


# Append-mostly tables and the timestamp that orders their rows.
INCREMENTAL_TABLES: dict[tuple[str, str], str] = {
    ("salesforce", "task"): "activity_date",
    ("salesforce", "event"): "activity_date",
    ("signals", "account_signal"): "occurred_at",
}
# When the CRM stamps a row's arrival beside the time it names: a second window, on that stamp.
ARRIVAL_STAMPS: dict[tuple[str, str], str] = {("signals", "account_signal"): "received_at"}
LOOKBACK_DAYS = 3
# Fivetran's name for it, so models read the same column whoever loads the raw tables.
LANDED_AT = "_fivetran_synced"
# A plain UTC timestamp (no time zone): models compare it with their watermark as it is stored,
# so the warehouse can skip whole blocks of rows that landed before it.
LANDED_NOW = "timezone('UTC', current_timestamp)"


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str, catalog: str | None = None) -> dict[str, str]:
    """Column -> type, in order."""
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = coalesce(?, current_database()) and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [catalog, schema, table],
        ).fetchall()
    )


def _window(stamps: tuple[str, ...], newest: tuple, alias: str) -> str:
    """Rows within `LOOKBACK_DAYS` of the newest landed value of any stamp (a stamp none has yet: all
    rows that carry it), and rows without the first."""
    prefix = f"{alias}." if alias else ""
    terms = [
        f"{_stamp(prefix, stamp)} >= cast($newest_{i} as timestamp) - interval {LOOKBACK_DAYS} day"
        if newest[i] is not None
        else f"{_stamp(prefix, stamp)} is not null"
        for i, stamp in enumerate(stamps)
    ]
    return "(" + " or ".join([*terms, f"{_stamp(prefix, stamps[0])} is null"]) + ")"


def _stamp(prefix: str, stamp: str) -> str:
    """A stamp as a timestamp. A CRM may hold it as text: a value that does not convert counts as
    none (such a row is in every window, and dbt quarantines it), instead of failing the extract."""
    return f"try_cast({prefix}{_quoted(stamp)} as timestamp)"


def _copy_window(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: tuple[str, ...], stamps: tuple[str, ...]
) -> bool:
    """Land the window's new and edited rows (and drop its gone ones); False when a full copy is
    needed (nothing landed yet, or rows gone before the window)."""
    target, source = f"{schema}.{_quoted(table)}", f"crm.{schema}.{_quoted(table)}"
    maxima = ", ".join(f"max({_stamp('', stamp)})" for stamp in stamps)
    newest = con.execute(f"select {maxima} from {target}").fetchone()
    if newest[0] is None:
        return False
    params = {f"newest_{i}": value for i, value in enumerate(newest) if value is not None}
    crm_in_window, landed_in_window = _window(stamps, newest, ""), _window(stamps, newest, "landed")
    same_row = " and ".join(f"landed.{_quoted(c)} is not distinct from crm_row.{_quoted(c)}" for c in columns)
    con.execute(
        f"create or replace temp table crm_window as select {_column_list(columns)} from {source} "
        f"where {crm_in_window}",
        params,
    )
    # Rows the CRM no longer has as they are (edited or deleted) leave; rows it has anew land now.
    con.execute(
        f"""
        delete from {target} where rowid in (
            select landed.rowid from {target} as landed
            where {landed_in_window}
                and not exists (select 1 from crm_window as crm_row where {same_row})
        )
        """,
        params,
    )
    con.execute(
        f"""
        insert into {target}
        select crm_row.*, {LANDED_NOW} as {LANDED_AT} from crm_window as crm_row
        where not exists (
            select 1 from {target} as landed
            where {landed_in_window} and {same_row}
        )
        """,
        params,
    )
    con.execute("drop table crm_window")
    # The window is now as the CRM has it: a count that still differs means rows changed before
    # it (deleted, mostly), which only a whole copy lands.
    return con.execute(f"select (select count(*) from {target}) = (select count(*) from {source})").fetchone()[0]


def extract_demo_crm(
    crm_path: Path,
    warehouse_path: Path,
    *,
    full_refresh: bool = False,
    sdr_owner_column: str | None = None,
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> dict[str, int]:
    """Copy the contract's tables from the demo CRM file into the warehouse; return row counts.

    Without `full_refresh`, activities and signals already in the warehouse are topped up from a
    window of recent days instead of copied again (see the module docstring). `sdr_owner_column`
    (settings.csv) must then be a column of the CRM's accounts. `check` sees the CRM (attached as
    `crm`) inside the transaction before anything is copied: an exception there (a guard) lands
    nothing.
    """
    if not Path(crm_path).exists():
        raise InputError(f"demo CRM {crm_path} does not exist: run `bookflow demo` to create it")
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    # The webhook and inbound routing write these files too, each for a moment: wait for them
    # rather than fail the cycle.
    with open_duckdb(Path(warehouse_path)) as con:
        # The same limits as the dbt profile: copying hundreds of millions of activities must fit a laptop.
        con.execute("set memory_limit = ?", [os.environ.get("BOOKFLOW_DUCKDB_MEMORY_LIMIT", "6GB")])
        con.execute("set preserve_insertion_order = false")
        attach_read_only(con, Path(crm_path), "crm")
        with copying_from(con, "crm"):
            check_raw_tables(con, "crm", sdr_owner_column=sdr_owner_column)
            con.execute("begin transaction")
            if check:
                check(con)
            for schema, tables in RAW_TABLES.items():
                con.execute(f"create schema if not exists {schema}")
                for table, contract_columns in tables.items():
                    target = f"{schema}.{_quoted(table)}"
                    stamp = INCREMENTAL_TABLES.get((schema, table))
                    arrival = ARRIVAL_STAMPS.get((schema, table))
                    crm_columns = _columns(con, schema, table, catalog="crm")
                    has_arrival = arrival is not None and arrival in crm_columns
                    optional = tuple(c for c in OPTIONAL_COLUMNS.get((schema, table), ()) if c in crm_columns)
                    if stamp is None:
                        # Copied whole: every column, the contract's first.
                        optional = tuple(c for c in crm_columns if c not in contract_columns)
                    columns = (*contract_columns, *optional, *((arrival,) if has_arrival else ()))
                    stamps = (stamp, arrival) if has_arrival else (stamp,)
                    # A warehouse landed before the CRM kept the arrival stamp, or before a column
                    # changed its type in the CRM, is copied whole, once.
                    landed = _columns(con, schema, table)
                    appended = (
                        stamp is not None
                        and not full_refresh
                        and list(landed) == [*columns, LANDED_AT]
                        and all(landed[column] == crm_columns.get(column) for column in columns)
                        and _copy_window(con, schema, table, columns, stamps)
                    )
                    if not appended:
                        con.execute(
                            f"create or replace table {target} as select {_column_list(columns)}, "
                            f"{LANDED_NOW} as {LANDED_AT} from crm.{schema}.{_quoted(table)}"
                        )
                    counts[f"{schema}.{table}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
            con.execute("commit")
    return counts


def check_warehouse_inputs(
    warehouse_path: Path, crm: str = "salesforce", *, sdr_owner_column: str | None = None
) -> None:
    """For users who load raw tables themselves: check the contract (of `crm`'s tables) in the warehouse."""
    if not Path(warehouse_path).exists():
        raise InputError(
            f"warehouse {warehouse_path} does not exist: load the raw tables first (see docs/warehouses.md)"
        )
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        check_raw_tables(con, crm=crm, sdr_owner_column=sdr_owner_column)


# The sources whose raw tables a landing asset pulls from the CRM's API before the cycle starts.
PULLED_SOURCES = ("salesforce", "hubspot")


def land_cycle_inputs(
    *,
    rules_dir: Path,
    warehouse_path: Path,
    inbound_store_path: Path,
    run_date: date,
    source: str,
    crm: str,
    demo_crm_path: Path,
    full_refresh: bool = False,
    check: Callable[[duckdb.DuckDBPyConnection, str | None], None] | None = None,
) -> tuple[dict[str, int], int]:
    """A cycle's first step, whoever runs it (the `crm_extract` asset, `bookflow simulate`).

    Checks the rules (of `crm`, whose tables the models read), marks the cycle's start for hand
    raisers, lands the raw tables (copied from the demo CRM, published from what the CRM's landing
    asset pulled from its API, or checked where users loaded them) and copies inbound routing's
    changes in. Returns the landed row counts (empty for `warehouse`) and the inbound changes
    copied; a broken input raises InputError before anything of the cycle is built.

    `check(con, catalog)` (the input guards) sees the tables before anything lands: the demo CRM's
    (attached as catalog `crm`) before they are copied, the published ones inside the publish's
    transaction, the user-loaded ones in a transaction of their own; what it raises lands nothing.
    """
    check_rules(rules_dir, crm)
    # Needed from the CRM only when a rep of the roster holds the SDR field.
    sdr_owner_column = required_sdr_owner_column(rules_dir)
    # First: hand raises routed from here on belong to the next cycle, so none falls between two.
    begin_cycle(inbound_store_path, run_date)
    if source == "demo":
        counts = extract_demo_crm(
            demo_crm_path,
            warehouse_path,
            full_refresh=full_refresh,
            sdr_owner_column=sdr_owner_column,
            check=(lambda con: check(con, "crm")) if check else None,
        )
    elif source in PULLED_SOURCES:
        # Imported here: dlt and pyarrow load only for the cycles that pull from a CRM's API.
        from bookflow.crm.errors import CrmError
        from bookflow.crm.sdr_field import needed_sdr_field
        from bookflow.sources.run import publish_crm

        try:
            sdr_field = needed_sdr_field(rules_dir, crm)
        except CrmError as error:
            raise InputError(str(error)) from error
        before_commit = (lambda con: check(con, None)) if check else None
        counts = publish_crm(crm, warehouse_path, full=full_refresh, sdr_field=sdr_field, before_commit=before_commit)
    else:
        check_warehouse_inputs(warehouse_path, crm, sdr_owner_column=sdr_owner_column)
        if check:
            with open_duckdb(warehouse_path) as con:
                con.execute("begin transaction")
                check(con, None)
                con.execute("commit")
        counts = {}
    # Also creates the ledger the models read as ownership history, if this is the first run.
    return counts, land_in_warehouse(inbound_store_path, warehouse_path)
