"""The day loop: the real pipeline for the dynamic world, the behaviour model for both worlds."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb

from bookflow.simulate import scenarios
from bookflow.simulate.chart import write_chart
from bookflow.simulate.config import SimulationConfig, SimulationError
from bookflow.simulate.measures import SimulationResult, measure, write_daily_csv
from bookflow.simulate.queries import query

TIERS = (1, 2, 3)
COVERAGE_WINDOW_DAYS = 30


def run_simulation(
    config: SimulationConfig,
    *,
    scenario: str,
    workdir: Path,
    rules_source: Path | None = None,
    echo: Callable[[str], None] = lambda _line: None,
    log_level: str = "WARNING",
) -> SimulationResult:
    """Replay `config.days` days in both worlds under `workdir` (replaced) and chart the outcome."""
    from bookflow.cycle import run_cycle

    started = time.perf_counter()
    start = config.start or date.today()
    workdir = Path(workdir).resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    rules_dir, crm, warehouse, sim = (
        workdir / "rules",
        workdir / "demo_crm.duckdb",
        workdir / "warehouse.duckdb",
        workdir / "simulation.duckdb",
    )
    scenarios.prepare_rules(rules_source, rules_dir)
    if scenario == "jane-joe":
        scenarios.write_jane_joe(crm, rules_dir, start=start)
    else:
        scenarios.write_demo(crm, rules_dir, accounts=config.accounts, seed=config.seed, start=start)

    with duckdb.connect(str(sim)) as con:
        _set_variables(con, config, rules_dir)
        _attach(con, crm, None)
        con.execute(query("state"))
        con.executemany(
            "insert into rates values (?, ?, ?)",
            [(tier, config.conversion_rate[tier], config.return_rate[tier]) for tier in TIERS],
        )
        con.execute("detach crm")

    for offset in range(config.days):
        day = start + timedelta(days=offset)
        # The simulation owns its copy of the CRM: moving a whole static territory book on the
        # first day is the point, so the blast-radius guard is overridden.
        with _pipeline_log(workdir / "pipeline.log", verbose=log_level == "DEBUG"):
            outcome = run_cycle(
                as_of=day,
                warehouse_path=warehouse,
                rules_dir=rules_dir,
                demo_crm_path=crm,
                source="demo",
                destination="demo",
                force=True,
                log_level=log_level,
            )
        if not outcome.success:
            raise SimulationError(f"the pipeline failed on day {offset + 1} ({day.isoformat()}):\n" + outcome.format())
        with duckdb.connect(str(sim)) as con:
            _set_variables(con, config, rules_dir)
            _attach(con, crm, warehouse)
            con.execute("set variable day = ?", [day])
            if offset == 0:
                con.execute(query("truth"))
                con.execute(query("static_territories"))
            con.execute(
                "insert into capacity select getvariable('day'), rep_id, capacity from warehouse.marts.rep_capacity"
            )
            con.execute(query("dynamic_book"))
            _behave(con, "dynamic")
            con.execute(query("dynamic_write_back"))
            moved = sum(outcome.figures.get(kind, 0) for kind in ("distribute", "retrieve", "return"))
            echo(
                f"day {offset + 1}/{config.days} {day.isoformat()}: pipeline {outcome.seconds:.0f}s, "
                f"{moved:,} ownership changes synced; {_day_line(con, 'dynamic')}"
            )

    with duckdb.connect(str(sim)) as con:
        _set_variables(con, config, rules_dir)
        for offset in range(config.days):
            con.execute("set variable day = ?", [start + timedelta(days=offset)])
            con.execute(query("static_book"))
            _behave(con, "static")
        daily, per_rep, capacity, top_tier = measure(con)

    result = SimulationResult(
        scenario=scenario,
        config=config,
        start=start,
        daily=daily,
        per_rep=per_rep,
        capacity=capacity,
        top_tier_accounts=top_tier,
        chart_path=workdir / "simulate.html",
        csv_path=write_daily_csv(daily, workdir / "simulate_daily.csv"),
        seconds=time.perf_counter() - started,
    )
    write_chart(result)
    return result


@contextlib.contextmanager
def _pipeline_log(path: Path, *, verbose: bool):
    """dbt's log lines (dagster-dbt writes them to stdout) go to a file unless asked for."""
    if verbose:
        yield
        return
    with path.open("a") as log, contextlib.redirect_stdout(log):
        yield


def _quoted_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _attach(con: duckdb.DuckDBPyConnection, crm: Path, warehouse: Path | None) -> None:
    con.execute(f"attach {_quoted_path(crm)} as crm")
    if warehouse is not None:
        con.execute(f"attach {_quoted_path(warehouse)} as warehouse (read_only)")


def _set_variables(con: duckdb.DuckDBPyConnection, config: SimulationConfig, rules_dir: Path) -> None:
    """The settings the SQL reads with getvariable(); DuckDB keeps variables per connection."""
    con.execute("set variable seed = ?::bigint", [config.seed])
    for name in ("work_rate", "days_to_convert", "return_after_days", "static_territories"):
        con.execute(f"set variable {name} = ?", [getattr(config, name)])
    con.execute("set variable coverage_window = ?", [COVERAGE_WINDOW_DAYS])
    reasons = [
        row[0]
        for row in con.execute(
            "select trim(reason) from read_csv(?, header = true, all_varchar = true) order by 1",
            [str(rules_dir / "return_reasons.csv")],
        ).fetchall()
    ]
    if not reasons:
        raise SimulationError(f"{rules_dir / 'return_reasons.csv'} lists no return reason")
    con.execute("set variable reasons = ?", [reasons])
    activity = con.execute(
        """select trim(activity_type) from read_csv(?, header = true, all_varchar = true)
           where lower(trim(is_meaningful)) = 'true' order by 1 limit 1""",
        [str(rules_dir / "activity_types.csv")],
    ).fetchone()
    if activity is None:
        raise SimulationError(f"{rules_dir / 'activity_types.csv'} has no meaningful activity type for reps to log")
    con.execute("set variable activity_type = ?", [activity[0]])


def _behave(con: duckdb.DuckDBPyConnection, world: str) -> None:
    """One day of rep behaviour on the temp table `book` (account_id, rep_id) of `world`."""
    con.execute("set variable world = ?", [world])
    con.execute(query("behave"))


def _day_line(con: duckdb.DuckDBPyConnection, world: str) -> str:
    worked, returned, opened = con.execute(
        """
        select
            (select count(*) from touches where world = $world and day = getvariable('day')),
            (select count(*) from returns where world = $world and day = getvariable('day')),
            (select count(*) from opportunities where world = $world and day = getvariable('day'))
        """,
        {"world": world},
    ).fetchone()
    return f"reps worked {worked:,} accounts, returned {returned:,}, opened {opened:,} opportunities"
