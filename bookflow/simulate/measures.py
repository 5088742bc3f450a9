"""What the simulation measured, day by day, week by week and rep by rep: the CSVs and the tables a
person reads."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from bookflow.simulate.config import SimulationConfig
from bookflow.simulate.queries import query

WORLDS = ("static", "dynamic")
WORLD_LABELS = {"static": "static territories", "dynamic": "dynamic books"}
# A 90-day demo run should take under ten minutes on two cores (issue #26): the table says by how much it does not.
AIM_S = 600


@dataclass
class Timing:
    """Where the run's time went: set-up (demo CRM, dbt parse), the pipeline's steps, the behaviour."""

    set_up_s: float
    extract_s: float
    dbt_s: float
    sync_s: float
    behaviour_s: float

    def format(self, total_s: float, days: int) -> str:
        pipeline = self.extract_s + self.dbt_s + self.sync_s
        return (
            f"run time {_duration(total_s)}: set-up {_duration(self.set_up_s)}, pipeline {_duration(pipeline)} "
            f"({pipeline / max(days, 1):.1f}s a day: extract {_duration(self.extract_s)}, dbt build "
            f"{_duration(self.dbt_s)}, sync {_duration(self.sync_s)}), behaviour and measures "
            f"{_duration(self.behaviour_s)}"
        )


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{seconds:.1f}s"


@dataclass
class SimulationResult:
    scenario: str
    config: SimulationConfig
    start: date
    daily: list[dict]
    weekly: list[dict]
    by_tier: list[dict]
    per_rep: list[dict]
    capacity: float
    top_tier_accounts: int
    chart_path: Path
    csv_path: Path
    weekly_csv_path: Path
    timing: Timing
    seconds: float

    def final(self, world: str) -> dict:
        return [row for row in self.daily if row["world"] == world][-1]

    def weeks(self, world: str, rep_id: str = "all") -> list[dict]:
        return [row for row in self.weekly if row["world"] == world and row["rep_id"] == rep_id]

    def format(self) -> str:
        lines = [
            f"bookflow simulate --scenario {self.scenario}: {self.config.days} day(s) from {self.start.isoformat()}, "
            f"{self.top_tier_accounts:,} tier-1 NBTAM accounts, capacity {self.capacity:,.0f} account slots",
            "",
            f"  {'model':<20} {'opportunities':>13} {'top-tier coverage':>18} {'book productivity':>18} "
            f"{'completions':>12} {'returns':>8} {'touches a day':>14}",
        ]
        for world in WORLDS:
            row, days = self.final(world), [day for day in self.daily if day["world"] == world]
            working = [day["touches"] for day in days if day["touches"] + day["unused_touches"] > 0]
            lines.append(
                f"  {WORLD_LABELS[world]:<20} {row['opportunities']:>13,} {row['top_tier_coverage']:>18.1%} "
                f"{row['book_productivity']:>18.1%} {sum(day['completions'] for day in days):>12,} "
                f"{row['returns']:>8,} {sum(working) / max(len(working), 1):>14,.0f}"
            )
        lines.append("")
        for world in WORLDS:
            tiers = [row for row in self.by_tier if row["world"] == world]
            lines.append(
                f"  {WORLD_LABELS[world] + ', tiers 1/2/3:':<32} opportunities "
                + "/".join(f"{row['opportunities']:,}" for row in tiers)
                + " of completions "
                + "/".join(f"{row['completions']:,}" for row in tiers)
            )
        lines += [
            "",
            "  week by week, static / dynamic (the state at the week's last day, opportunities opened in it):",
        ]
        lines.append(
            f"  {'week':>4} {'ends':>10} {'opportunities':>15} {'to date':>13} {'top-tier cov.':>15} "
            f"{'pool depth':>13} {'idle slots':>13} {'books touched':>15}"
        )
        for static, dynamic in zip(self.weeks("static"), self.weeks("dynamic"), strict=True):
            lines.append(
                f"  {static['week']:>4} {static['week_end']:>10} "
                f"{_pair(static['opportunities'], dynamic['opportunities'], 15)} "
                f"{_pair(static['opportunities_to_date'], dynamic['opportunities_to_date'], 13)} "
                f"{_pair(static['top_tier_coverage'], dynamic['top_tier_coverage'], 15, '.0%')} "
                f"{_pair(static['pool_depth'], dynamic['pool_depth'], 13)} "
                f"{_pair(static['idle_slots'], dynamic['idle_slots'], 13)} "
                f"{_pair(static['book_touched_share'], dynamic['book_touched_share'], 15, '.0%')}"
            )
        # As wide as the longest name: a hire is named after the leaver they replace.
        width = max([24, *(len(rep["rep_name"]) for rep in self.per_rep)])
        lines += [
            "",
            f"  {'per rep':<{width}} {'static: worked':>15} {'opps':>5}   {'dynamic: worked':>16} {'opps':>5}",
        ]
        for rep in self.per_rep:
            lines.append(
                f"  {rep['rep_name']:<{width}} {rep['static_worked']:>15,} {rep['static_opps']:>5,}   "
                f"{rep['dynamic_worked']:>16,} {rep['dynamic_opps']:>5,}"
            )
        over = self.seconds - AIM_S
        lines += [
            "",
            "  touches a day: on average, over the working days; per rep, worked: distinct accounts touched, "
            "opps: opportunities opened.",
            "  top-tier coverage: tier-1 NBTAM accounts touched in the last 30 days; "
            "book productivity: opportunities per account slot of capacity.",
            "  pool depth: ready accounts waiting (dynamic: the pool left after dealing; static: ready accounts "
            "no rep touched in 30 days).",
            "  idle slots: capacity with no account the rep can still work; books touched: share of each book "
            "(static: territory) touched in 30 days.",
            "  "
            + self.timing.format(self.seconds, self.config.days)
            + (f", {_duration(over)} over the 10-minute aim" if self.config.days >= 90 and over > 0 else ""),
            f"  chart: {self.chart_path}",
            f"  daily figures: {self.csv_path}",
            f"  weekly figures, all reps and each rep: {self.weekly_csv_path}",
        ]
        return "\n".join(lines)


def _pair(static, dynamic, width: int, spec: str = ",") -> str:
    def shown(value) -> str:
        return "-" if value is None else format(value, spec)

    return f"{shown(static) + ' / ' + shown(dynamic):>{width}}"


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> list[dict]:
    cursor = con.execute(query(name))
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def _share(part, whole) -> float | None:
    return None if part is None or not whole else part / whole


def report(
    con: duckdb.DuckDBPyConnection,
    *,
    scenario: str,
    config: SimulationConfig,
    start: date,
    workdir: Path,
    timing: Timing,
    started: float,
) -> SimulationResult:
    """Read the measures out of the simulation's file (on `con`) and write the CSVs."""
    daily = _rows(con, "report_daily")
    for row in daily:
        row["day"] = row["day"].isoformat()
        row["top_tier_coverage"] = _share(row["top_tier_worked"], row["top_tier_accounts"]) or 0.0
        row["book_productivity"] = _share(row["opportunities"], row["capacity"]) or 0.0
        row["book_touched_share"] = _share(row["book_touched_30d"], row["book_accounts"])
    weekly = _rows(con, "report_weekly")
    for row in weekly:
        row["week_start"], row["week_end"] = row["week_start"].isoformat(), row["week_end"].isoformat()
        row["top_tier_coverage"] = _share(row["top_tier_touched_30d"], row["top_tier_accounts"])
        row["book_touched_share"] = _share(row["book_touched_30d"], row["book_accounts"])
    per_rep = [
        dict(zip(("rep_name", "static_worked", "static_opps", "dynamic_worked", "dynamic_opps"), values, strict=True))
        for values in con.execute(query("report_per_rep")).fetchall()
    ]
    final = daily[-1]
    return SimulationResult(
        scenario=scenario,
        config=config,
        start=start,
        daily=daily,
        weekly=weekly,
        by_tier=_rows(con, "report_by_tier"),
        per_rep=per_rep,
        capacity=final["capacity"],
        top_tier_accounts=final["top_tier_accounts"],
        chart_path=workdir / "simulate.html",
        csv_path=_write_csv(daily, workdir / "simulate_daily.csv"),
        weekly_csv_path=_write_csv(weekly, workdir / "simulate_weekly.csv"),
        timing=timing,
        seconds=time.perf_counter() - started,
    )


def _write_csv(rows: list[dict], path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
