"""End-to-end timing of `bookflow run` on demo CRMs of several sizes.

Each size gets its own demo CRM and warehouse; `bookflow run` is timed as a separate process,
the way a user or a schedule runs it, so interpreter and Dagster start-up are included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

BENCH_AS_OF = date(2026, 6, 1)
LOWER_BOUND_SQL = Path(__file__).resolve().parent.parent / "benchmarks" / "lower_bound.sql"


def lower_bound_query() -> str:
    """The hand-written single DuckDB query the pipeline is measured against (needs variable as_of)."""
    return LOWER_BOUND_SQL.read_text().strip().rstrip(";")


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return seconds


def run_benchmark(sizes: Iterable[int], workdir: Path | None, echo: Callable[[str], None] = print) -> list[dict]:
    """Generate, run once cold and once more on the same data; print a table and return the rows."""
    from bookflow.demo_crm import generate_demo_crm

    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="bookflow-bench-"))
    bookflow = [sys.executable, "-m", "bookflow.cli"]
    rows = []
    for accounts in sizes:
        folder = root / f"{accounts}"
        folder.mkdir(parents=True, exist_ok=True)
        crm, warehouse = folder / "demo_crm.duckdb", folder / "warehouse.duckdb"
        warehouse.unlink(missing_ok=True)
        started = time.perf_counter()
        generate_demo_crm(crm, accounts=accounts, as_of=BENCH_AS_OF)
        generate_seconds = time.perf_counter() - started
        env = {**os.environ, "BOOKFLOW_WAREHOUSE": str(warehouse), "BOOKFLOW_DEMO_CRM": str(crm)}
        run = bookflow + ["run", "--as-of", BENCH_AS_OF.isoformat(), "--warehouse", str(warehouse), "--crm", str(crm)]
        first = _timed(run, env)
        # The rerun sees the owners the first run synced: the steady state of a daily schedule.
        second = _timed(run, env)
        rows.append({"accounts": accounts, "generate_s": generate_seconds, "first_run_s": first, "rerun_s": second})
        echo(f"{accounts:>10,} accounts: generate {generate_seconds:6.1f}s  run {first:6.1f}s  rerun {second:6.1f}s")

    echo("")
    echo(
        "| accounts | generate demo (s) | bookflow run (s) | rerun (s) | accounts/s | time ratio vs smallest | size ratio |"
    )
    echo("|---:|---:|---:|---:|---:|---:|---:|")
    base = rows[0] if rows else None
    for row in rows:
        echo(
            f"| {row['accounts']:,} | {row['generate_s']:.1f} | {row['first_run_s']:.1f} | {row['rerun_s']:.1f} "
            f"| {row['accounts'] / row['first_run_s']:,.0f} | {row['first_run_s'] / base['first_run_s']:.2f}x "
            f"| {row['accounts'] / base['accounts']:.0f}x |"
        )
    echo(f"\nfiles kept in {root}")
    return rows
