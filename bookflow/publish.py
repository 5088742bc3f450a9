"""Publish the marts where BI tools can read them while the next run writes the warehouse.

DuckDB lets one writing process lock every other process out of a database file, so BI tools
never open the warehouse. After each run the marts are copied out as Parquet files plus a small
DuckDB file of views over them, in a new version folder; then two names are swapped atomically
(`os.replace`), so a reader sees either the whole old version or the whole new one:

    <publish dir>/
      bookflow.duckdb         the newest version's DuckDB file (a hard link); open it read-only
      current -> versions/<id> the newest version's folder, for tools that read Parquet
      versions/<id>/          <table>.parquet for every table of schema marts, bookflow.duckdb, manifest.json

A reader that opened an older version keeps reading it: its DuckDB file stays open even after
the swap, and its views point at that version's own Parquet files, which are deleted only once
`keep` newer versions exist and the version was replaced more than `min_age_seconds` ago.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bookflow import paths

SCHEMA = "marts"
DATABASE_NAME = "bookflow.duckdb"
MANIFEST_NAME = "manifest.json"
CURRENT_LINK = "current"
VERSIONS_DIR = "versions"
DEFAULT_KEEP = 3
DEFAULT_MIN_AGE_SECONDS = 3600.0


class PublishError(RuntimeError):
    """The marts could not be published; the previous version stays in place."""


@dataclass(frozen=True)
class Publication:
    """One published version: where it is and what it holds."""

    publish_dir: Path
    version: str
    as_of: str | None
    tables: dict[str, int]
    removed_versions: list[str]

    @property
    def database(self) -> Path:
        return self.publish_dir / DATABASE_NAME

    def format(self) -> str:
        rows = sum(self.tables.values())
        return (
            f"published {len(self.tables)} tables ({rows:,} rows) as version {self.version}\n"
            f"  DuckDB (open read-only): {self.database}\n"
            f"  Parquet: {self.publish_dir / CURRENT_LINK}/<table>.parquet"
        )


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _export_marts(warehouse_path: Path, folder: Path) -> tuple[dict[str, int], str | None]:
    """Copy every table of schema marts to <folder>/<table>.parquet; return row counts and the latest as_of."""
    try:
        con = duckdb.connect(str(warehouse_path), read_only=True)
    except duckdb.Error as error:
        raise PublishError(f"cannot read the warehouse {warehouse_path}: {error}") from error
    with con:
        tables = [
            name
            for (name,) in con.execute(
                # Views too: account_status and account_scores are views over intermediate tables.
                "select table_name from information_schema.tables where table_schema = ? order by table_name",
                [SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise PublishError(f"the warehouse {warehouse_path} has no tables in schema {SCHEMA}: run bookflow first")
        counts = {}
        for table in tables:
            name = f"{_quote_identifier(SCHEMA)}.{_quote_identifier(table)}"
            parquet = _quote_literal(str(folder / f"{table}.parquet"))
            # COPY takes no bound parameters: names and paths are quoted instead. It answers with
            # the rows it wrote, so a view is not computed a second time to count them.
            counts[table] = con.execute(f"copy (select * from {name}) to {parquet} (format parquet)").fetchone()[0]
        as_of = None
        if "account_status" in tables:
            latest = con.execute(f"select max(as_of) from {SCHEMA}.account_status").fetchone()[0]
            as_of = latest.isoformat() if latest else None
    return counts, as_of


def _write_views(folder: Path, tables: dict[str, int], manifest: dict) -> None:
    """A DuckDB file whose views read this version's Parquet files (absolute paths: see docs/bi.md)."""
    with duckdb.connect(str(folder / DATABASE_NAME)) as con:
        con.execute(f"create schema {_quote_identifier(SCHEMA)}")
        for table in tables:
            parquet = _quote_literal(str(folder / f"{table}.parquet"))
            # DDL takes no bound parameters: names and paths are quoted instead.
            con.execute(
                f"create view {_quote_identifier(SCHEMA)}.{_quote_identifier(table)} "
                f"as select * from read_parquet({parquet})"
            )
        con.execute("create table publication (version varchar, as_of date, published_at timestamp)")
        con.execute(
            "insert into publication values (?, ?, ?)",
            [manifest["version"], manifest["as_of"], manifest["published_at"]],
        )
        con.execute("checkpoint")


def _swap(publish_dir: Path, folder: Path) -> None:
    """Point `current` and `bookflow.duckdb` at the new version; each rename is atomic."""
    version = folder.name
    link_tmp = publish_dir / f".{CURRENT_LINK}.{version}"
    link_tmp.unlink(missing_ok=True)
    os.symlink(Path(VERSIONS_DIR) / version, link_tmp, target_is_directory=True)
    os.replace(link_tmp, publish_dir / CURRENT_LINK)

    database_tmp = publish_dir / f".{DATABASE_NAME}.{version}"
    database_tmp.unlink(missing_ok=True)
    try:
        # A hard link keeps the old inode alive for readers of the old file and costs no copy.
        os.link(folder / DATABASE_NAME, database_tmp)
    except OSError:
        shutil.copy2(folder / DATABASE_NAME, database_tmp)
    os.replace(database_tmp, publish_dir / DATABASE_NAME)


def _clean_up(publish_dir: Path, current: str, keep: int, min_age_seconds: float) -> list[str]:
    """Remove versions that are neither among the newest `keep` nor replaced less than `min_age_seconds` ago.

    A version's replacement time is when the next newer one was published; folders without a
    manifest are publications that never finished (a crash) and go once they are that old too.
    """
    versions_dir = publish_dir / VERSIONS_DIR
    folders = sorted(path for path in versions_dir.iterdir() if path.is_dir())
    complete = [folder for folder in folders if (folder / MANIFEST_NAME).exists()]
    now = time.time()
    removed = []
    for index, folder in enumerate(complete[: max(0, len(complete) - keep)]):
        replaced_at = (complete[index + 1] / MANIFEST_NAME).stat().st_mtime
        if folder.name != current and now - replaced_at > min_age_seconds:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    for folder in folders:
        if folder not in complete and folder.name != current and now - folder.stat().st_mtime > min_age_seconds:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def publish(
    warehouse_path: Path | None = None,
    publish_dir: Path | None = None,
    *,
    keep: int = DEFAULT_KEEP,
    min_age_seconds: float = DEFAULT_MIN_AGE_SECONDS,
) -> Publication:
    """Publish every table of schema marts as a new version and make it the current one."""
    if keep < 1:
        raise PublishError(f"keep must be at least 1, got {keep}")
    warehouse_path = Path(warehouse_path or paths.warehouse_path()).resolve()
    publish_dir = Path(publish_dir or paths.publish_dir(warehouse_path)).resolve()
    if not warehouse_path.exists():
        raise PublishError(f"warehouse {warehouse_path} does not exist: run bookflow first")
    published_at = datetime.now(UTC)
    # Names sort by time, so the newest version is the last folder.
    version = published_at.strftime("%Y%m%dT%H%M%S%fZ")
    folder = publish_dir / VERSIONS_DIR / version
    folder.mkdir(parents=True)
    try:
        tables, as_of = _export_marts(warehouse_path, folder)
        manifest = {
            "version": version,
            "as_of": as_of,
            "published_at": published_at.isoformat(),
            "warehouse": str(warehouse_path),
            "tables": tables,
        }
        _write_views(folder, tables, manifest)
        # Written last: a folder with a manifest is complete.
        (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _swap(publish_dir, folder)
    removed = _clean_up(publish_dir, version, keep, min_age_seconds)
    return Publication(publish_dir, version, as_of, tables, removed)
