"""The day loop, in the process that holds the dynamic world's pipeline (bookflow.simulate.runner
starts it): set up the world, then each day the pipeline, both worlds' behaviour, the measures
and what arrives."""

from __future__ import annotations

import contextlib
import csv
import math
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb

from bookflow.simulate import scenarios
from bookflow.simulate.config import TIERS, SimulationConfig, SimulationError
from bookflow.simulate.measures import SimulationResult, Timing, report
from bookflow.simulate.pipeline import Pipeline
from bookflow.simulate.queries import query

COVERAGE_WINDOW_DAYS = 30
WORLDS_IN_ORDER = ("dynamic", "static")


def simulate_here(
    config: SimulationConfig,
    *,
    scenario: str,
    workdir: Path,
    rules_source: Path | None,
    verbose: bool,
    echo: Callable[[str], None],
) -> SimulationResult:
    """Replay `config.days` days in both worlds under `workdir` (which must be empty)."""
    started = time.perf_counter()
    start = config.start or date.today()
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
    try:
        scenarios.set_rules_settings(rules_dir, config.rules_settings)
    except ValueError as error:
        raise SimulationError(str(error)) from error
    rules = _rules_facts(rules_dir, config)
    successions = scenarios.plan_roster(
        rules_dir,
        crm,
        start=start,
        days=config.days,
        leavers_per_year=config.leavers_per_year,
        backfill_days=config.backfill_days,
        seed=config.seed,
    )
    arrivals_per_day = config.new_accounts_per_1000_per_day * config.accounts / 1000
    future = workdir / "future_crm.duckdb"
    if scenario == "demo" and arrivals_per_day > 0:
        arriving = math.ceil(arrivals_per_day * config.days) + 1
        scenarios.write_future_accounts(
            future, rules_dir, accounts=config.accounts, arriving=arriving, seed=config.seed, start=start
        )
    _create_state(sim, crm, future, config, rules, successions)
    future.unlink(missing_ok=True)

    variables = {**rules["variables"], **_setting_variables(config, start, rules)}
    pipeline = Pipeline(warehouse=warehouse, rules_dir=rules_dir, crm=crm, workdir=workdir, verbose=verbose)
    set_up_s = time.perf_counter() - started
    for offset in range(config.days):
        day = start + timedelta(days=offset)
        day_variables = {
            **variables,
            "day": day,
            "arrived_before": math.floor(arrivals_per_day * offset),
            "arrived_by": math.floor(arrivals_per_day * (offset + 1)),
        }
        with _day_connection(warehouse, sim, crm, day_variables) as con:
            con.execute(query("leavers"))
        ran = pipeline.run(day)
        behaving = time.perf_counter()
        with _day_connection(warehouse, sim, crm, day_variables) as con:
            con.execute(
                """
                insert into pipeline_days
                select ?, ?, ?, ?, 0,
                    (select count(*) from warehouse.marts.account_status
                     where ready and crm_field = 'owner_id'
                        and account_id not in (select account_id from warehouse.marts.ranked_assignments)),
                    (select sum(open_slots_after) from warehouse.marts.rep_capacity where crm_field = 'owner_id')
                """,
                [day, ran.extract_s, ran.dbt_s, ran.sync_s],
            )
            _live_day(con, first=offset == 0)
            con.execute("update pipeline_days set behaviour_s = ? where day = ?", [time.perf_counter() - behaving, day])
            echo(f"day {offset + 1}/{config.days} {day.isoformat()}: pipeline {ran.seconds:.1f}s, {_day_line(con)}")

    with duckdb.connect(str(sim)) as con:
        _set(con, {**variables, "day": start + timedelta(days=config.days - 1)})
        timing = Timing(
            set_up_s=set_up_s,
            **dict(
                zip(
                    ("extract_s", "dbt_s", "sync_s", "behaviour_s"),
                    con.execute(
                        "select sum(extract_s), sum(dbt_s), sum(sync_s), sum(behaviour_s) from pipeline_days"
                    ).fetchone(),
                    strict=True,
                )
            ),
        )
        return report(
            con, scenario=scenario, config=config, start=start, workdir=workdir, timing=timing, started=started
        )


def _live_day(con: duckdb.DuckDBPyConnection, *, first: bool) -> None:
    """After the morning's pipeline run: both worlds work, are measured, and the day's arrivals land."""
    con.execute(query("day_inputs"))
    if first:
        con.execute(query("first_day"))
    con.execute(query("carve_territories"))
    for world in WORLDS_IN_ORDER:
        con.execute("set variable world = ?", [world])
        con.execute(query(f"{world}_book"))
        con.execute(query("latest"))
        con.execute(query("behave"))
        if world == "dynamic":
            con.execute(query("dynamic_write_back"))
        con.execute(query("latest"))
        con.execute(query("measure_day"))
    con.execute(query("arrivals"))


@contextlib.contextmanager
def _day_connection(warehouse: Path, sim: Path, crm: Path, variables: dict) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse with the simulation's file and the CRM attached.

    dbt-duckdb keeps the warehouse open in this process between dbt calls; a connection with the
    default settings shares that database rather than opening the file a second time. Attached
    files belong to the database, not to the connection: they are detached again, so the sync
    and the next day's extract open the CRM on their own.
    """
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"attach {_quoted(sim)} as sim")
        con.execute(f"attach {_quoted(crm)} as crm")
        con.execute("use sim")
        _set(con, variables)
        yield con
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"use {_quoted_name(warehouse.stem)}")
        for alias in ("crm", "sim"):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"detach {alias}")
        con.close()


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _quoted_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _set(con: duckdb.DuckDBPyConnection, variables: dict) -> None:
    """The settings the SQL reads with getvariable(); DuckDB keeps variables per connection."""
    for name, value in variables.items():
        con.execute(f"set variable {name} = ?", [value])


def _create_state(
    sim: Path,
    crm: Path,
    future: Path,
    config: SimulationConfig,
    rules: dict,
    successions: list[scenarios.Succession],
) -> None:
    with duckdb.connect(str(sim)) as con:
        _set(con, {"seed": config.seed})
        con.execute(f"attach {_quoted(crm)} as crm (read_only)")
        con.execute(query("state"))
        con.executemany("insert into rates values (?, ?)", [(tier, config.conversion_rate[tier]) for tier in TIERS])
        con.executemany("insert into reasons values (?, ?, ?, ?, ?)", rules["reason_bands"])
        for succession in successions:
            con.execute(
                "insert into successions values (?, ?, ?, ?)",
                [succession.leaver_id, succession.leaves_on, succession.hire_id, succession.starts_on],
            )
        if future.exists():
            con.execute(f"attach {_quoted(future)} as future (read_only)")
            con.execute(query("future_accounts"))
            con.execute("detach future")
        con.execute("detach crm")


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return [{key.strip(): (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def _rules_facts(rules_dir: Path, config: SimulationConfig) -> dict:
    """What the behaviour model takes from the rules: thresholds, rest days, return reasons, types."""
    settings = {row["setting"]: row["value"] for row in _read_rows(rules_dir / "settings.csv")}
    reasons = {row["reason"]: row for row in _read_rows(rules_dir / "return_reasons.csv")}
    unknown = sorted(set(config.return_reasons) - set(reasons))
    if unknown:
        raise SimulationError(
            f"return_reasons: {', '.join(unknown)} not in {rules_dir / 'return_reasons.csv'} "
            f"(it has {', '.join(sorted(reasons))})"
        )
    total = sum(config.return_reasons.values())
    bands, low = [], 0.0
    for reason, weight in sorted(config.return_reasons.items()):
        if weight > 0:
            row = reasons[reason]
            high = low + weight / total
            bands.append((reason, low, high, int(row["rest_days"] or 0), row["goes_to_review"].lower() == "true"))
            low = high
    bands[-1] = (*bands[-1][:2], 1.0, *bands[-1][3:])  # the last band ends at 1 whatever the rounding
    signal_rows = _read_rows(rules_dir / "signal_weights.csv")
    meaningful = sorted(
        row["activity_type"]
        for row in _read_rows(rules_dir / "activity_types.csv")
        if row["is_meaningful"].lower() == "true"
    )
    if not meaningful:
        raise SimulationError(f"{rules_dir / 'activity_types.csv'} has no meaningful activity type for reps to log")
    return {
        "reason_bands": bands,
        "working_sla_days": int(settings["working_sla_days"]),
        "default_rest_days": int(settings["default_rest_days"]),
        "variables": {
            "fit_threshold": float(settings["fit_threshold"]),
            "timing_threshold": float(settings["timing_threshold"]),
            "rest_break_min_strength": float(settings["rest_break_min_strength"]),
            "pool_owner_id": settings["pool_owner_id"],
            "activity_type": meaningful[0],
            "signal_types": sorted(r["signal_type"] for r in signal_rows if r["is_hand_raise"].lower() != "true"),
            "hand_raise_types": sorted(r["signal_type"] for r in signal_rows if r["is_hand_raise"].lower() == "true"),
        },
    }


def _setting_variables(config: SimulationConfig, start: date, rules: dict) -> dict:
    cooldown = config.cooldown_days
    if cooldown == "auto":
        cooldown = rules["working_sla_days"] + rules["default_rest_days"]
    return {
        "seed": config.seed,
        "start": start,
        "coverage_window": COVERAGE_WINDOW_DAYS,
        "touches_per_day_per_slot": float(config.touches_per_day_per_slot),
        "weekends_off": config.weekends_off,
        "sequence_touches": config.sequence_touches,
        "touch_interval_days": config.touch_interval_days,
        "return_share": float(config.return_share),
        "cooldown_days": int(cooldown),
        "signals_per_1000": float(config.signals_per_1000_accounts_per_day),
        "hand_raises_per_1000": float(config.hand_raises_per_1000_accounts_per_day),
        "static_territories": config.static_territories,
    }


def _day_line(con: duckdb.DuckDBPyConnection) -> str:
    parts = []
    for world in WORLDS_IN_ORDER:
        touches, completions, opportunities = con.execute(
            """select sum(touches), sum(completions), sum(opportunities) from rep_days
               where world = ? and day = getvariable('day')""",
            [world],
        ).fetchone()
        parts.append(f"{world} {touches:,} touches, {completions:,} completed, {opportunities:,} opportunities")
    return "; ".join(parts)
