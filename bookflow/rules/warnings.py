"""Warnings: rules that run but probably do not say what RevOps meant. With a warehouse, the
rules are also held against its accounts and its last run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from bookflow.rules.files import Problem, Row, Table

# A book whose ready pool is more than this many times its reps' capacity cannot be worked:
# most of its good accounts wait in the pool however fast books turn over.
READY_POOL_PER_CAPACITY = 3


def rules_warnings(tables: dict[str, Table], bands: list[Row], today: date) -> list[Problem]:
    warnings: list[Problem] = []
    segments = tables.get("segments.csv")
    if segments is not None:
        warnings += _band_gaps(segments, bands)
    reps = tables.get("reps.csv")
    for rep in reps.rows if reps else []:
        if rep["end_date"] and rep["end_date"] < today.isoformat():
            warnings.append(
                reps.problem(
                    rep,
                    "end_date",
                    f"{rep['rep_name'] or rep['rep_id']} left on {rep['end_date']}: remove the row",
                    "warning",
                )
            )
    return warnings


def _band_gaps(segments: Table, bands: list[Row]) -> list[Problem]:
    """Employee counts that fall between two segments' bands belong to no target book."""
    numbered = []
    for row in bands:
        try:
            numbered.append(
                (int(row["min_employees"]), int(row["max_employees"]) if row["max_employees"] else None, row)
            )
        except ValueError:
            continue
    numbered.sort(key=lambda item: item[0])
    gaps = []
    if numbered and numbered[0][0] > 1:
        gaps.append(
            segments.problem(
                numbered[0][2],
                "min_employees",
                f"accounts with 1..{numbered[0][0] - 1} employees fall in no segment",
                "warning",
            )
        )
    for (_, high, _), (low, _, row) in zip(numbered, numbered[1:], strict=False):
        if high is not None and low > high + 1:
            gaps.append(
                segments.problem(
                    row, "min_employees", f"accounts with {high + 1}..{low - 1} employees fall in no segment", "warning"
                )
            )
    return gaps


def warehouse_warnings(rules_dir: Path, warehouse: Path) -> list[Problem]:
    """Books with reps but no accounts in the warehouse's raw accounts, and books whose ready pool
    in the warehouse's last run dwarfs their capacity."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        if "salesforce.account" not in tables:
            return [
                Problem(
                    str(warehouse), "no raw salesforce.account: books not checked against accounts", severity="warning"
                )
            ]
        files = {name: str(rules_dir / f"{name}.csv") for name in ("reps", "segments", "theaters")}
        warnings = [
            Problem("reps.csv", f"book {book} has reps but no accounts in {warehouse}", severity="warning")
            for (book,) in con.execute(_sql("empty_books"), files).fetchall()
        ]
        if {"marts.account_status", "marts.rep_capacity"} <= tables:
            for book, ready, capacity in con.execute(
                _sql("ready_pool_over_capacity"), {"factor": READY_POOL_PER_CAPACITY}
            ).fetchall():
                warnings.append(
                    Problem(
                        "reps.csv",
                        f"book {book}: capacity {capacity:,} is far below its ready pool of {ready:,} accounts "
                        f"in the last run (more than {READY_POOL_PER_CAPACITY}x): add reps or raise readiness thresholds",
                        severity="warning",
                    )
                )
    return warnings


def _sql(name: str) -> str:
    return (Path(__file__).resolve().parent / "sql" / f"{name}.sql").read_text(encoding="utf-8")
