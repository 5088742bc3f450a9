"""CRM -> landing -> raw: the extract of a real CRM, and how it never half-lands.

1. Pull: a dlt pipeline (bookflow.sources.salesforce or .hubspot) merges what changed since its
   cursors into a landing DuckDB file beside the warehouse (<warehouse>.extract/landing.duckdb;
   a table's first pull appends, as there is nothing to merge with);
   dlt keeps its cursors there too and its working files in <warehouse>.extract/dlt/. A pull that
   dies (kill -9, a CRM outage) leaves the raw tables untouched: the next one finishes dlt's
   pending loads first, then pulls from the cursors, and merging on each record's key lands every
   record once.
2. Publish: in one warehouse transaction, the landed rows newer than the last publish replace
   their records' rows in the raw tables (salesforce.* or hubspot.*, shaped like Fivetran's, each
   row stamped `_fivetran_synced` with when dlt landed it); the input contract is checked before
   the commit. A failure anywhere leaves the previous raw tables as they were.

A pull holds the writer's turn on the landing file (reverse_etl/duckdb_files.py) from before dlt
first opens it until dlt closed it for the last time, and a publish reads it in a reader's turn:
a second pull of the same warehouse (`bookflow extract` while a cycle pulls) or a publish waits,
instead of opening the file as dlt checkpoints it and writing over what dlt had landed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bookflow.sources.tables import RawTable
from bookflow.validation import InputError, check_raw_tables
from reverse_etl.duckdb_files import DEFAULT_LOCK_TIMEOUT_S, attach_read_only, copying_from, open_duckdb, turn

LANDED_AT = "_fivetran_synced"
PUBLISHED = "crm_extract.published_loads"  # the newest dlt load published, per CRM
# How long a pull waits for another pull (or a publish) of the same warehouse to let go of the landing.
PULL_WAIT_S = DEFAULT_LOCK_TIMEOUT_S


def extract_dir(warehouse: Path) -> Path:
    """Where the extract of one warehouse keeps its landing file and dlt's state."""
    warehouse = Path(warehouse).resolve()
    return warehouse.with_name(warehouse.stem + ".extract")


def landing_path(warehouse: Path) -> Path:
    return extract_dir(warehouse) / "landing.duckdb"


@dataclass
class ExtractReport:
    crm: str
    pulled: dict[str, int] = field(default_factory=dict)  # landed rows per table in this pull
    published: dict[str, int] = field(default_factory=dict)  # rows per raw table after the publish
    requests: int = 0
    seconds: float = 0.0

    def format(self) -> str:
        lines = [f"extract from {self.crm} in {self.seconds:.1f}s ({self.requests:,} API requests)"]
        for table, rows in sorted(self.published.items()):
            lines.append(f"  {table:<36} {rows:>10,} rows   pulled {self.pulled.get(table.split('.')[-1], 0):,}")
        return "\n".join(lines)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_catalog = ? and table_schema = ? "
        "and table_name = ? order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def _published_columns(raw: RawTable, landed_columns: list[str]) -> dict[str, str]:
    """The raw table's columns and types: an optional one only once it has landed. A column of
    nulls would tell the models the CRM keeps it (an org hiding WhoId would count no contact on
    any account); left out, they read it as a loader that lacks it, as null."""
    return {
        column: kind
        for column, kind in raw.columns.items()
        if column not in raw.optional_columns or column in landed_columns
    }


def _select(raw: RawTable, landed: str, since: str | None, landed_columns: list[str]) -> str:
    """The raw table's rows (all, or those landed after `since`), cast to their types."""
    casts = ", ".join(
        f"cast({_quoted(c) if c in landed_columns or raw.rows_sql else 'null'} as {kind}) as {_quoted(c)}"
        for c, kind in _published_columns(raw, landed_columns).items()
    )
    stamp = f"cast(to_timestamp(cast(_dlt_load_id as double)) at time zone 'UTC' as timestamp) as {LANDED_AT}"
    rows = f"({raw.rows_sql.replace('{landed}', landed)})" if raw.rows_sql else landed
    where = f" where _dlt_load_id > '{since}'" if since else ""
    return f"select {casts}, {stamp} from {rows} as landed_rows{where}"


def publish(
    crm: str,
    tables: Iterable[RawTable],
    warehouse: Path,
    *,
    full: bool = False,
    memory_limit: str | None = None,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> dict[str, int]:
    """Move what landed since the last publish into the raw tables, in one transaction; row counts.

    `before_commit` sees the published tables inside that transaction: raising there (an input
    guard) leaves the previous raw tables as they were."""
    landing = landing_path(warehouse)
    if not landing.exists():
        raise InputError(
            f"nothing has landed from {crm} yet ({landing} is missing): run `bookflow extract --crm {crm}`"
        )
    counts: dict[str, int] = {}
    with open_duckdb(Path(warehouse)) as con:
        con.execute("set memory_limit = ?", [memory_limit or os.environ.get("BOOKFLOW_DUCKDB_MEMORY_LIMIT", "6GB")])
        con.execute("set preserve_insertion_order = false")
        attach_read_only(con, landing, "landing")
        with copying_from(con, "landing"):
            warehouse_catalog = con.execute("select current_database()").fetchone()[0]
            newest = con.execute(f"select max(load_id) from landing.{crm}._dlt_loads where status = 0").fetchone()[0]
            con.execute("begin transaction")
            con.execute("create schema if not exists crm_extract")
            con.execute(
                f"create table if not exists {PUBLISHED} (crm varchar primary key, load_id varchar, published_at timestamp)"
            )
            row = con.execute(f"select load_id from {PUBLISHED} where crm = ?", [crm]).fetchone()
            since = None if full or row is None else row[0]
            for raw in tables:
                landed_columns = _columns(con, "landing", crm, raw.landed_table)
                if not landed_columns:
                    if raw.optional:
                        continue
                    raise InputError(
                        f"{crm} landed no {raw.landed_table} table: the extract did not finish; run it again"
                    )
                landed = f"landing.{crm}.{_quoted(raw.landed_table)}"
                target = f"{raw.schema}.{_quoted(raw.name)}"
                con.execute(f"create schema if not exists {raw.schema}")
                # A raw table of another shape (loaded by hand, or by the demo extract) is replaced whole.
                whole = since is None or _columns(con, warehouse_catalog, raw.schema, raw.name) != [
                    *_published_columns(raw, landed_columns),
                    LANDED_AT,
                ]
                if whole:
                    con.execute(f"create or replace table {target} as {_select(raw, landed, None, landed_columns)}")
                else:
                    # dlt merged each pulled record over its old row: the record's (or parent's)
                    # rows are replaced, so an association removed in the CRM goes here too.
                    parent_key = _quoted(raw.parent_key or raw.key)
                    con.execute(
                        f"delete from {target} where {_quoted(raw.key)} in "
                        f"(select cast({parent_key} as {raw.columns[raw.key]}) from {landed} where _dlt_load_id > ?)",
                        [since],
                    )
                    con.execute(f"insert into {target} {_select(raw, landed, since, landed_columns)}")
                counts[raw.qualified] = con.execute(f"select count(*) from {target}").fetchone()[0]
            _ensure_signals(con)
            check_raw_tables(con, crm=crm)
            if before_commit:
                before_commit(con)
            con.execute(
                f"insert or replace into {PUBLISHED} values (?, ?, timezone('UTC', current_timestamp))", [crm, newest]
            )
            con.execute("commit")
    return counts


def _ensure_signals(con: duckdb.DuckDBPyConnection) -> None:
    """Timing signals are not CRM data: the data team loads them. Until it does, an empty table
    (no account is in-market), so the rest of the cycle runs."""
    con.execute("create schema if not exists signals")
    con.execute(
        "create table if not exists signals.account_signal "
        "(account_id varchar, signal_type varchar, occurred_at timestamp, strength double)"
    )


def _cause(error: BaseException) -> BaseException:
    """The CRM's own error inside dlt's wrapping (it names the object, field or limit), if any."""
    from bookflow.crm.errors import CrmError

    seen = error
    while seen is not None:
        if isinstance(seen, CrmError | InputError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return error


def pull(crm: str, source, warehouse: Path, *, full_refresh: bool = False) -> dict[str, int]:
    """Run the dlt pipeline of `source` into the landing, in the landing's turn; rows landed per table."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    # Arrow pages keep dlt's load id on every row: publish reads what landed after its last run.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    # dlt warns at every pull that text columns came as Arrow strings and that a mass update gave
    # many records one cursor value; both are expected here.
    logging.getLogger("dlt").setLevel(logging.ERROR)
    folder = extract_dir(warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as held:
        try:
            held.enter_context(turn(landing_path(warehouse), shared=False, timeout_s=PULL_WAIT_S))
        except duckdb.IOException as error:
            raise InputError(
                f"another pull from a CRM into {landing_path(warehouse)} (or a publish from it) went on for "
                f"{PULL_WAIT_S:g} s: run this extract again once it finished"
            ) from error
        return _pull_in_turn(crm, source, warehouse, full_refresh=full_refresh)


def _pull_in_turn(crm: str, source, warehouse: Path, *, full_refresh: bool) -> dict[str, int]:
    import dlt
    from dlt.pipeline.exceptions import PipelineStepFailed

    folder = extract_dir(warehouse)
    pipeline = dlt.pipeline(
        pipeline_name=f"bookflow_{crm}",
        destination=dlt.destinations.duckdb(str(landing_path(warehouse))),
        dataset_name=crm,
        pipelines_dir=str(folder / "dlt"),
    )
    # A pull killed before it loaded is finished first: its rows are merged by key, so none twice.
    if pipeline.has_pending_data:
        pipeline.normalize()
        pipeline.load()
    # A column the pull now reads (a field the rules came to need) holds nothing in the records
    # landed before it: they are all read again, once.
    full_refresh = full_refresh or bool(_columns_not_landed(source, crm, warehouse))
    _append_where_nothing_landed(source, crm, warehouse, everything=full_refresh)
    try:
        info = pipeline.run(source, refresh="drop_sources" if full_refresh else None)
        info.raise_on_failed_jobs()
    except PipelineStepFailed as error:
        raise _cause(error) from error
    counts: dict[str, int] = {}
    for table, rows in (pipeline.last_trace.last_normalize_info.row_counts or {}).items():
        if not table.startswith("_dlt"):
            counts[table] = rows
    return counts


def _columns_not_landed(source, crm: str, warehouse: Path) -> list[str]:
    """`table.column` of each column the source's resources declare that their landed table lacks
    (tables not landed yet aside)."""
    landing = landing_path(warehouse)
    if not landing.exists():
        return []
    # Inside the pull's own turn, as in _append_where_nothing_landed.
    with duckdb.connect(str(landing), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = ?", [crm]
        ).fetchall()
    landed: dict[str, set[str]] = {}
    for table, column in rows:
        landed.setdefault(table, set()).add(column)
    return [
        f"{resource.table_name}.{column}"
        for resource in source.resources.values()
        if resource.table_name in landed
        for column in resource.columns or {}
        if column not in landed[resource.table_name]
    ]


def _append_where_nothing_landed(source, crm: str, warehouse: Path, *, everything: bool) -> None:
    """A table's first pull (or a full refresh) has nothing to merge with: its rows are appended,
    sparing dlt's merge (a staging copy of every row, then a delete and an insert). Later pulls
    merge on the record's key. dlt's pending loads are finished before this is asked, so a table
    a killed pull had already landed is merged into, never appended to twice."""
    landed: set[str] = set()
    landing = landing_path(warehouse)
    if not everything and landing.exists():
        # Inside the pull's own turn: a reader's turn taken here would wait for the pull itself.
        with duckdb.connect(str(landing), read_only=True) as con:
            landed = {
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables where table_schema = ?", [crm]
                ).fetchall()
            }
    for resource in source.resources.values():
        if resource.table_name not in landed:
            resource.apply_hints(write_disposition="append")
