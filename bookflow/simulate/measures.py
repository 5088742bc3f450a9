"""What the simulation measured, day by day and rep by rep, and the table a person reads."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from bookflow.simulate.config import SimulationConfig
from bookflow.simulate.queries import query

WORLDS = ("static", "dynamic")
WORLD_LABELS = {"static": "static territories", "dynamic": "dynamic books"}
DAILY_COLUMNS = (
    "world",
    "day",
    "opportunities",
    "top_tier_opportunities",
    "accounts_worked",
    "returns",
    "top_tier_worked",
    "top_tier_accounts",
    "capacity",
)


@dataclass
class SimulationResult:
    scenario: str
    config: SimulationConfig
    start: date
    daily: list[dict]
    per_rep: list[dict]
    capacity: float
    top_tier_accounts: int
    chart_path: Path
    csv_path: Path
    seconds: float

    def final(self, world: str) -> dict:
        return [row for row in self.daily if row["world"] == world][-1]

    def format(self) -> str:
        lines = [
            f"bookflow simulate --scenario {self.scenario}: {self.config.days} day(s) from {self.start.isoformat()}, "
            f"{self.top_tier_accounts:,} tier-1 NBTAM accounts, capacity {self.capacity:,.0f} account slots "
            f"({self.seconds:.0f}s)",
            "",
            f"  {'model':<20} {'opportunities':>13} {'top-tier coverage':>18} {'book productivity':>18} "
            f"{'worked last day':>16} {'returns':>8}",
        ]
        for world in WORLDS:
            row = self.final(world)
            lines.append(
                f"  {WORLD_LABELS[world]:<20} {row['opportunities']:>13,} {row['top_tier_coverage']:>18.1%} "
                f"{row['book_productivity']:>18.1%} {row['accounts_worked']:>16,} {row['returns']:>8,}"
            )
        lines += ["", f"  {'per rep':<24} {'static: worked':>15} {'opps':>5}   {'dynamic: worked':>16} {'opps':>5}"]
        for rep in self.per_rep:
            lines.append(
                f"  {rep['rep_name'][:24]:<24} {rep['static_worked']:>15,} {rep['static_opps']:>5,}   "
                f"{rep['dynamic_worked']:>16,} {rep['dynamic_opps']:>5,}"
            )
        lines += [
            "",
            "  worked: distinct accounts a rep touched; opps: opportunities opened on them.",
            "  top-tier coverage: tier-1 NBTAM accounts touched in the last 30 days; "
            "book productivity: opportunities per account slot of capacity.",
            f"  chart: {self.chart_path}",
            f"  daily figures: {self.csv_path}",
        ]
        return "\n".join(lines)


def measure(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict], float, int]:
    """Daily rows of both worlds, the per-rep totals, the average capacity and the tier-1 NBTAM count."""
    daily = []
    for values in con.execute(query("measures_daily")).fetchall():
        row = dict(zip(DAILY_COLUMNS, values, strict=True))
        row["day"] = row["day"].isoformat()
        row["top_tier_coverage"] = (
            row["top_tier_worked"] / row["top_tier_accounts"] if row["top_tier_accounts"] else 0.0
        )
        row["book_productivity"] = row["opportunities"] / row["capacity"] if row["capacity"] else 0.0
        daily.append(row)
    per_rep = [
        dict(zip(("rep_name", "static_worked", "static_opps", "dynamic_worked", "dynamic_opps"), values, strict=True))
        for values in con.execute(query("measures_per_rep")).fetchall()
    ]
    final = daily[-1]
    return daily, per_rep, final["capacity"], final["top_tier_accounts"]


def write_daily_csv(daily: list[dict], path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(daily[0]))
        writer.writeheader()
        writer.writerows(daily)
    return path
