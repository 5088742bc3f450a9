"""Scale benchmark: `bookflow run` on demo CRMs of 100k to 10M accounts, full and incremental.

For each size: a demo CRM with about twenty activities per account; its raw tables landed in the
warehouse (`extract`, the part a connector such as Fivetran does for real users, timed apart); a
full run for day 1 from those raw tables (`bookflow run --source warehouse --full-refresh`: dbt
build with every data test, publication for BI, report; no sync); the lower bound (one
hand-written DuckDB query for the same ranked assignments, benchmarks/lower_bound.sql) on the
same raw tables; the sync of day 1's changes to the demo CRM (timed apart); one more day of CRM
life (1% of accounts with new activities, a third of them with signals), landed incrementally;
and the incremental run for day 2. Every step runs as its own process, the way a user or a
schedule runs it (interpreter and Dagster start-up included), and the peak memory is the largest
sum of the resident memory of that process and all its children, sampled every 50 ms from /proc.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

BENCH_AS_OF = date(2026, 6, 1)
LOWER_BOUND_SQL = Path(__file__).resolve().parent.parent / "benchmarks" / "lower_bound.sql"


def lower_bound_query() -> str:
    """The hand-written single DuckDB query the pipeline is measured against (needs variable as_of)."""
    return LOWER_BOUND_SQL.read_text().strip().rstrip(";")


ACTIVITY_RATIO = 20.0
DAILY_SHARE = 0.01
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}


def parse_sizes(text: str) -> list[int]:
    """'100k,1m,10m' -> [100000, 1000000, 10000000]; plain numbers are accepted too."""
    sizes = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part in SIZES:
            sizes.append(SIZES[part])
        elif part.isdigit():
            sizes.append(int(part))
        else:
            raise ValueError(f"unknown size {part!r}: use {', '.join(SIZES)} or a number of accounts")
    return sizes


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, stack, page = 0, [root], os.sysconf("SC_PAGE_SIZE")
    while stack:
        pid = stack.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        stack.extend(children.get(pid, []))
    return total


def _measured(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run a command; return (wall seconds, CPU seconds, peak bytes of its process tree, stdout).

    CPU seconds count too because on a shared machine wall time includes waiting for a core.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stdout}\n{stderr}")
    return seconds, cpu, peak[0], stdout


LOWER_BOUND_SCRIPT = """
import sys, time, duckdb
from bookflow.benchmark import lower_bound_query
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("set preserve_insertion_order = false")
con.execute("set enable_progress_bar = false")
con.execute("set variable as_of = ?::date", [sys.argv[2]])
started = time.perf_counter()
con.execute("create temp table lower_bound as " + lower_bound_query())
seconds = time.perf_counter() - started
differences = con.execute(
    "select count(*) from ((select * from marts.ranked_assignments except all select * from lower_bound)"
    " union all (select * from lower_bound except all select * from marts.ranked_assignments))"
).fetchone()[0]
print("lower-bound", seconds, differences, con.execute("select count(*) from lower_bound").fetchone()[0])
"""


def _latest_dbt_build() -> tuple[float, list[tuple[str, float]]]:
    """Wall seconds of the latest dbt build and its slowest nodes (dagster-dbt keeps one target dir per run).

    Nodes run two at a time, so a node's seconds include waiting for the cores its neighbour holds.
    """
    import json

    from bookflow import paths

    results = sorted((paths.DBT_PROJECT_DIR / "target").glob("*/run_results.json"), key=lambda p: p.stat().st_mtime)
    if not results:
        return 0.0, []
    run = json.loads(results[-1].read_text())
    timed = sorted(
        ((n["unique_id"].split(".", 2)[-1], n["execution_time"]) for n in run["results"]), key=lambda x: -x[1]
    )
    return run["elapsed_time"], timed[:6]


LOAD_SCRIPT = """
import sys, time
from bookflow.extract import extract_demo_crm
started = time.perf_counter()
extract_demo_crm(sys.argv[1], sys.argv[2], full_refresh=sys.argv[3] == "full")
print("loaded", time.perf_counter() - started)
"""


def run_benchmark(
    sizes: Iterable[int], workdir: Path | None, echo: Callable[[str], None] = print, keep_demo: bool = True
) -> list[dict]:
    """Run the scale benchmark for each size; print one line per step and a table; return the rows."""
    from bookflow.demo_crm import add_demo_day, generate_demo_crm

    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="bookflow-bench-"))
    bookflow = [sys.executable, "-m", "bookflow.cli"]
    day_one, day_two = BENCH_AS_OF, BENCH_AS_OF + timedelta(days=1)
    rows = []
    for accounts in sizes:
        folder = root / f"{accounts}"
        folder.mkdir(parents=True, exist_ok=True)
        pristine, crm, warehouse = (
            folder / "demo_crm.day1.duckdb",
            folder / "demo_crm.duckdb",
            folder / "warehouse.duckdb",
        )
        # The day-1 demo is kept between benchmarks in --workdir: generating 10M accounts takes minutes.
        generate_s = 0.0
        if not pristine.exists():
            started = time.perf_counter()
            generate_demo_crm(pristine, accounts=accounts, as_of=day_one, activity_ratio=ACTIVITY_RATIO)
            generate_s = time.perf_counter() - started
        shutil.copy(pristine, crm)
        for stale in (warehouse, Path(str(warehouse) + ".wal"), Path(str(crm) + ".wal")):
            stale.unlink(missing_ok=True)
        env = {**os.environ, "BOOKFLOW_WAREHOUSE": str(warehouse), "BOOKFLOW_DEMO_CRM": str(crm)}
        where = ["--warehouse", str(warehouse), "--crm", str(crm)]
        run = bookflow + ["run", *where, "--source", "warehouse", "--destination", "none"]

        land = [sys.executable, "-c", LOAD_SCRIPT, str(crm), str(warehouse)]
        load_s = _measured(land + ["full"], env)[0]
        full_s, full_cpu, full_peak, _ = _measured(run + ["--as-of", day_one.isoformat(), "--full-refresh"], env)
        full_dbt_s, slowest = _latest_dbt_build()
        script = [sys.executable, "-c", LOWER_BOUND_SCRIPT, str(warehouse), day_one.isoformat()]
        _, _, lower_peak, out = _measured(script, env)
        lower_s, lower_differences, dealt = out.split()[-3:]
        lower_s = float(lower_s)
        sync_s, _, _, _ = _measured(bookflow + ["sync", *where, "--force"], env)
        activities = _count(
            crm, "select (select count(*) from salesforce.task) + (select count(*) from salesforce.event)"
        )
        added = add_demo_day(crm, day=day_two, share=DAILY_SHARE)
        incremental_load_s = _measured(land + ["incremental"], env)[0]
        incremental_s, incremental_cpu, incremental_peak, _ = _measured(run + ["--as-of", day_two.isoformat()], env)
        incremental_dbt_s, incremental_slowest = _latest_dbt_build()
        row = {
            "accounts": accounts,
            "activities": activities,
            "generate_s": generate_s,
            "load_s": load_s,
            "full_s": full_s,
            "full_dbt_s": full_dbt_s,
            "full_peak_gb": full_peak / 1e9,
            "full_cpu_s": full_cpu,
            "incremental_cpu_s": incremental_cpu,
            "lower_bound_s": lower_s,
            "lower_bound_peak_gb": lower_peak / 1e9,
            "lower_bound_matches": int(lower_differences) == 0,
            "dealt": int(dealt),
            "ratio": full_s / lower_s,
            "sync_s": sync_s,
            "new_rows": sum(added.values()),
            "incremental_load_s": incremental_load_s,
            "incremental_s": incremental_s,
            "incremental_dbt_s": incremental_dbt_s,
            "incremental_peak_gb": incremental_peak / 1e9,
            "incremental_share": incremental_s / full_s,
            "slowest": slowest,
            "incremental_slowest": incremental_slowest,
        }
        rows.append(row)
        echo(
            f"{accounts:>10,} accounts, {activities:,} activities: raw tables landed in {load_s:.1f}s; "
            f"full run {full_s:.1f}s (cpu {full_cpu:.1f}s, dbt build {full_dbt_s:.1f}s, peak {full_peak / 1e9:.2f} GB), "
            f"lower bound {lower_s:.1f}s ({'matches' if row['lower_bound_matches'] else 'DIFFERS from'} "
            f"ranked_assignments, {int(dealt):,} dealt), sync {sync_s:.1f}s; "
            f"day 2 (+{row['new_rows']:,} rows) landed in {incremental_load_s:.1f}s, incremental run {incremental_s:.1f}s "
            f"(cpu {incremental_cpu:.1f}s, dbt build {incremental_dbt_s:.1f}s, peak {incremental_peak / 1e9:.2f} GB)"
        )
        echo("    slowest dbt nodes, full run: " + ", ".join(f"{name} {sec:.1f}s" for name, sec in slowest))
        echo(
            "    slowest dbt nodes, incremental run: "
            + ", ".join(f"{name} {sec:.1f}s" for name, sec in incremental_slowest)
        )
        if not keep_demo:
            shutil.rmtree(folder)

    echo("")
    echo(
        "| accounts | activities | land raw tables (s) | full run (s) | full run CPU (s) | of which dbt build (s) "
        "| peak memory (GB) | lower bound (s) | full / lower bound | land day 2 (s) | incremental run (s) "
        "| incremental CPU (s) | of which dbt build (s) | incremental / full | sync day 1 (s) |"
    )
    echo("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        echo(
            f"| {row['accounts']:,} | {row['activities']:,} | {row['load_s']:.1f} | {row['full_s']:.1f} "
            f"| {row['full_cpu_s']:.1f} | {row['full_dbt_s']:.1f} "
            f"| {max(row['full_peak_gb'], row['incremental_peak_gb']):.2f} | {row['lower_bound_s']:.1f} "
            f"| {row['ratio']:.1f}x | {row['incremental_load_s']:.1f} | {row['incremental_s']:.1f} "
            f"| {row['incremental_cpu_s']:.1f} | {row['incremental_dbt_s']:.1f} "
            f"| {100 * row['incremental_share']:.0f}% | {row['sync_s']:.1f} |"
        )
    echo(f"\nfiles kept in {root}")
    return rows


def _count(database: Path, sql: str) -> int:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchone()[0]
