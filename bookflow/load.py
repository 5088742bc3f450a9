"""Load the demo CRM's raw tables into a warehouse other than DuckDB, the way Fivetran would.

The dbt models read the same sources on every target (models/staging/*/_*_sources.yml): the raw
CRM tables of the input contract and `reverse_etl.sync_ledger`. For the demo they come from the
demo CRM file; each load replaces the raw tables and creates the ledger, empty, if it is missing
(a ledger is history and never dropped). The contract is checked before anything is written.

Postgres gets the rows through COPY (DuckDB writes CSV, psycopg2 streams it); Spark reads
Parquet that DuckDB writes, so neither needs a DuckDB extension nor a Python loop over rows.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.contract import RAW_TABLES
from bookflow.extract import extract_demo_crm
from bookflow.targets import profile_output
from bookflow.validation import InputError, check_raw_tables

# reverse_etl.sync_ledger's columns and types (reverse_etl/ledger.py creates it on DuckDB;
# tests/test_portability.py checks the two agree).
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("change_id", "varchar"),
    ("destination", "varchar"),
    ("status", "varchar"),
    ("attempts", "integer"),
    ("error", "varchar"),
    ("applied_at", "timestamp"),
    ("as_of", "date"),
    ("account_id", "varchar"),
    ("change_type", "varchar"),
    ("from_owner_id", "varchar"),
    ("to_owner_id", "varchar"),
    ("updated_at", "timestamp"),
    ("crm_field", "varchar"),
)

# Inbound routing's tables as the extract lands them (bookflow/inbound/handoff.py): empty until
# hand raisers are routed against this warehouse, but the models read them as sources.
INBOUND_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "ownership_changes": (
        ("change_id", "varchar"),
        ("as_of", "date"),
        ("account_id", "varchar"),
        ("from_owner_id", "varchar"),
        ("to_owner_id", "varchar"),
        ("change_type", "varchar"),
        ("reason", "varchar"),
        ("from_crm_owner_id", "varchar"),
        ("to_crm_owner_id", "varchar"),
        ("signal_type", "varchar"),
        ("received_at", "timestamp"),
        ("routed_at", "timestamp"),
    ),
    "cycles": (("as_of", "date"), ("started_at", "timestamp")),
    "hand_raise_signals": (
        ("account_id", "varchar"),
        ("signal_type", "varchar"),
        ("occurred_at", "timestamp"),
        ("strength", "double precision"),
        ("received_at", "timestamp"),
    ),
}

# DuckDB types of the demo's raw columns, spelled for Postgres and Spark.
_POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}
_SPARK_TYPES = {
    "varchar": "string",
    "integer": "int",
    "timestamp": "timestamp",
    "date": "date",
    "double precision": "double",
}


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _raw_columns(crm: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of one raw table: the contract's columns in its order, then the
    optional ones the CRM has (the SDR owner field, who an activity was with)."""
    described = crm.execute(f"describe {schema}.{_quoted(table)}").fetchall()
    types = {name: column_type for name, column_type, *_ in described}
    columns = RAW_TABLES[schema][table]
    return [(name, types[name]) for name in columns] + [
        (name, column_type) for name, column_type in types.items() if name not in columns
    ]


def _open_checked_crm(crm_path: Path) -> duckdb.DuckDBPyConnection:
    if not Path(crm_path).exists():
        raise InputError(f"demo CRM {crm_path} does not exist: run `bookflow demo --no-run` to create it")
    crm = duckdb.connect(str(crm_path), read_only=True)
    try:
        check_raw_tables(crm)
    except Exception:
        crm.close()
        raise
    return crm


def load_duckdb(crm_path: Path, warehouse_path: Path) -> dict[str, int]:
    """The pipeline's own extract, and the ledger as the extract asset leaves it."""
    counts = extract_demo_crm(crm_path, warehouse_path)
    from bookflow.inbound.handoff import land_in_warehouse

    # Creates the ledger too, as the extract asset does.
    land_in_warehouse(paths.inbound_store_path(warehouse_path), warehouse_path)
    return counts


def postgres_connect():
    """A psycopg2 connection with the settings of the profile's postgres target."""
    import psycopg2

    settings = profile_output("postgres")
    return psycopg2.connect(
        host=settings["host"],
        port=int(settings["port"]),
        user=settings["user"],
        password=settings["password"],
        dbname=settings["dbname"],
        sslmode=settings.get("sslmode", "prefer"),
    )


def load_postgres(crm_path: Path) -> dict[str, int]:
    """Replace the raw tables in the Postgres of the profile and create the ledger if missing, in one transaction."""
    counts: dict[str, int] = {}
    with _open_checked_crm(crm_path) as crm, tempfile.TemporaryDirectory(prefix="bookflow-load-") as scratch:
        connection = postgres_connect()
        try:
            with connection, connection.cursor() as cursor:
                for schema, tables in RAW_TABLES.items():
                    cursor.execute(f"create schema if not exists {_quoted(schema)}")
                    for table in tables:
                        columns = _raw_columns(crm, schema, table)
                        unknown = [f"{name} {kind}" for name, kind in columns if kind not in _POSTGRES_TYPES]
                        if unknown:
                            raise InputError(f"{schema}.{table}: no Postgres type for {', '.join(unknown)}")
                        target = f"{_quoted(schema)}.{_quoted(table)}"
                        # cascade: the staging views on the old table go too; the dbt build after the
                        # load creates them again.
                        cursor.execute(f"drop table if exists {target} cascade")
                        definition = ", ".join(f"{_quoted(name)} {_POSTGRES_TYPES[kind]}" for name, kind in columns)
                        cursor.execute(f"create table {target} ({definition})")
                        csv_path = Path(scratch) / f"{schema}.{table}.csv"
                        column_list = ", ".join(_quoted(name) for name, _ in columns)
                        crm.execute(
                            f"copy (select {column_list} from {schema}.{_quoted(table)}) to "
                            f"'{str(csv_path).replace(chr(39), chr(39) * 2)}' (format csv, header false)"
                        )
                        # DuckDB writes NULL as an empty field and '' as "", which is what COPY's CSV reads.
                        with csv_path.open() as rows:
                            cursor.copy_expert(f"copy {target} ({column_list}) from stdin with (format csv)", rows)
                        counts[f"{schema}.{table}"] = cursor.rowcount
                        # The build that follows plans its queries from these statistics: a new
                        # table has none until autovacuum comes by (macros/analyze_relation.sql).
                        cursor.execute(f"analyze {target}")
                ledger = ", ".join(f"{_quoted(name)} {kind}" for name, kind in LEDGER_COLUMNS)
                cursor.execute("create schema if not exists reverse_etl")
                cursor.execute(
                    f"create table if not exists reverse_etl.sync_ledger ({ledger}, primary key (change_id, destination))"
                )
                cursor.execute("create schema if not exists inbound")
                for table, columns in INBOUND_TABLES.items():
                    definition = ", ".join(f"{_quoted(name)} {kind}" for name, kind in columns)
                    cursor.execute(f"create table if not exists inbound.{table} ({definition})")
        finally:
            connection.close()
    return counts


def spark_session():
    """The SparkSession dbt-spark's session mode opens, with the profile's parameters.

    dbt-spark calls getOrCreate with the same builder, so a dbt run in this process reuses it;
    ANSI mode is off as dbt-spark sets it.
    """
    from pyspark.logger import PySparkLogger
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    parameters = dict(profile_output("spark").get("server_side_parameters") or {})
    parameters["spark.sql.ansi.enabled"] = "false"
    for key, value in parameters.items():
        builder = builder.config(key, str(value))
    session = builder.getOrCreate()
    # dbt-spark asks for the session once per statement, and Spark warns each time it hands back
    # the existing one: hundreds of lines that would bury dbt's own output.
    session.sparkContext.setLogLevel("ERROR")
    # PySpark logs every failed statement with its Java stack trace before raising it. dbt-spark
    # asks for relations that may not exist yet (a first build, a CRM's tables another source
    # lands) and takes the error as "not there": a hundred lines each time. dbt reports the errors
    # that matter from the exception itself.
    PySparkLogger.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return session


def load_spark(crm_path: Path) -> dict[str, int]:
    """Replace the raw tables in the Spark catalog of the profile and create the ledger if missing."""
    counts: dict[str, int] = {}
    spark = spark_session()
    with _open_checked_crm(crm_path) as crm, tempfile.TemporaryDirectory(prefix="bookflow-load-") as scratch:
        for schema, tables in RAW_TABLES.items():
            spark.sql(f"create database if not exists {schema}")
            for table in tables:
                columns = _raw_columns(crm, schema, table)
                parquet_path = Path(scratch) / f"{schema}.{table}.parquet"
                column_list = ", ".join(_quoted(name) for name, _ in columns)
                crm.execute(
                    f"copy (select {column_list} from {schema}.{_quoted(table)}) to "
                    f"'{str(parquet_path).replace(chr(39), chr(39) * 2)}' (format parquet)"
                )
                frame = spark.read.parquet(str(parquet_path))
                # Parquet from DuckDB holds zone-less timestamps, which Spark reads as timestamp_ntz;
                # the models expect Spark's ordinary timestamp (the session runs in UTC).
                for name, kind in columns:
                    if kind == "TIMESTAMP":
                        frame = frame.withColumn(name, frame[name].cast("timestamp"))
                frame.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.`{table}`")
                counts[f"{schema}.{table}"] = crm.execute(f"select count(*) from {schema}.{_quoted(table)}").fetchone()[
                    0
                ]
    spark.sql("create database if not exists reverse_etl")
    ledger = ", ".join(f"{name} {_SPARK_TYPES[kind]}" for name, kind in LEDGER_COLUMNS)
    spark.sql(f"create table if not exists reverse_etl.sync_ledger ({ledger}) using parquet")
    spark.sql("create database if not exists inbound")
    for table, columns in INBOUND_TABLES.items():
        definition = ", ".join(f"{name} {_SPARK_TYPES[kind]}" for name, kind in columns)
        spark.sql(f"create table if not exists inbound.{table} ({definition}) using parquet")
    return counts


def load_demo(target: str, crm_path: Path, warehouse_path: Path | None = None) -> dict[str, int]:
    """Replace `target`'s raw tables with the demo CRM's and create the ledger if missing; return row counts."""
    if target == "duckdb":
        return load_duckdb(crm_path, warehouse_path)
    if target == "postgres":
        return load_postgres(crm_path)
    if target == "spark":
        return load_spark(crm_path)
    raise ValueError(f"unknown target {target!r}")
