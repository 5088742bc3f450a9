"""`bookflow simulate --sweep SETTING=V1,V2,...`: the same simulation once per value, and the
static-vs-dynamic difference at each."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bookflow.simulate.config import SimulationConfig, sweep_values
from bookflow.simulate.measures import SimulationResult
from bookflow.simulate.runner import run_simulation

# A sweep runs the pipeline days x values times: without --days it replays nine weeks, long
# enough for sequences to complete, accounts to be retrieved and rest, and books to refill.
SWEEP_DAYS = 63
MEASURES = (
    ("opportunities", "opportunities"),
    ("top_tier_coverage", "top-tier coverage"),
    ("pool_depth", "pool depth"),
    ("idle_slots", "idle slots"),
    ("book_touched_share", "books touched"),
)


@dataclass
class SweepResult:
    setting: str
    days: int
    rows: list[dict]
    csv_path: Path

    def format(self) -> str:
        lines = [
            f"bookflow simulate --sweep {self.setting}: {self.days} day(s) a run, static / dynamic on the last day",
            "",
            f"  {'value':>12} {'opportunities':>15} {'dynamic - static':>17} {'tiers 1/2/3':>13} {'top-tier cov.':>15} "
            f"{'pool depth':>13} {'idle slots':>13} {'books touched':>15} {'run time':>9}",
        ]
        for row in self.rows:
            lines.append(
                f"  {row['value']:>12} {_pair(row, 'opportunities', ','):>15} {row['difference']:>+17,} "
                f"{'/'.join(format(row[f'difference_tier_{tier}'], '+') for tier in (1, 2, 3)):>13} "
                f"{_pair(row, 'top_tier_coverage', '.0%'):>15} {_pair(row, 'pool_depth', ','):>13} "
                f"{_pair(row, 'idle_slots', ','):>13} {_pair(row, 'book_touched_share', '.0%'):>15} "
                f"{row['seconds'] / 60:>8.1f}m"
            )
        lines += ["", f"  figures of each value: {self.csv_path}; each run's chart and CSVs beside it"]
        return "\n".join(lines)


def _pair(row: dict, measure: str, spec: str) -> str:
    def shown(value) -> str:
        return "-" if value is None else format(value, spec)

    return f"{shown(row['static_' + measure])} / {shown(row['dynamic_' + measure])}"


def run_sweep(
    config: SimulationConfig,
    spec: str,
    *,
    scenario: str,
    workdir: Path,
    rules_source: Path | None = None,
    echo: Callable[[str], None] = lambda _line: None,
    verbose: bool = False,
    done: dict[str, SimulationResult] | None = None,
) -> SweepResult:
    """One simulation per value of `spec` (`SETTING=V1,V2,...`), each in its own folder under `workdir`.

    `done` maps the settings of runs already made (by an earlier sweep of the same command, whose
    values often include the defaults) to their result: a run is never made twice.
    """
    setting, runs = sweep_values(config, spec)
    workdir = Path(workdir).resolve()
    done = {} if done is None else done
    rows = []
    for text, run_config in runs:
        key = repr(sorted(run_config.as_dict().items()))
        if key in done:
            echo(f"--sweep {setting}={text}: the same settings as a run already made, {done[key].chart_path.parent}")
        else:
            echo(f"--sweep {setting}={text}")
            done[key] = run_simulation(
                run_config,
                scenario=scenario,
                workdir=workdir / _slug(f"{setting}={text}"),
                rules_source=rules_source,
                echo=echo,
                verbose=verbose,
            )
        result = done[key]
        row = {"setting": setting, "value": text}
        for world in ("static", "dynamic"):
            final = result.final(world)
            row.update({f"{world}_{measure}": final[measure] for measure, _ in MEASURES})
        row["difference"] = row["dynamic_opportunities"] - row["static_opportunities"]
        for tier in (1, 2, 3):
            opened = {r["world"]: r["opportunities"] for r in result.by_tier if r["tier"] == tier}
            row[f"difference_tier_{tier}"] = opened["dynamic"] - opened["static"]
        row["seconds"] = result.seconds
        rows.append(row)
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / f"sweep_{_slug(setting)}.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return SweepResult(setting=setting, days=config.days, rows=rows, csv_path=csv_path)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text)
