"""`bookflow simulate`: static territories against dynamic books, day by day, on the same accounts.

Two worlds start from the same CRM and live the same number of days:

* dynamic books: every day runs the real pipeline (extract -> dbt build for that as-of date ->
  sync of the ownership changes into the demo CRM, through `bookflow.cycle.run_cycle`); then the
  reps act on the books the CRM now shows, and what they do (activities, returns, opportunities)
  is written into the demo CRM, where the next day's run reads it.
* static territories: every account of the new-business TAM (NBTAM) belongs for good to one rep
  of its target book, carved by geography (`static_territories: geography`: billing country and
  state units dealt round-robin over the book's reps) or kept as the CRM had it before the first
  day (`crm`, with unowned accounts carved by geography). Nothing is ever retrieved or dealt.

Both worlds use the same behaviour model, so the only difference between them is who owns what:

1. Work: each day a rep works the best accounts of their book (by the first day's priority
   score), at most `floor(capacity x work_rate)` of them, capacity being the pipeline's measure
   for that day (ramp, time off). Accounts with an open opportunity or returned in the simulation
   have left the prospecting book and are not worked.
2. Returns: an account worked on `return_after_days` distinct days whose seeded draw
   `u(account, "return")` is below its tier's `return_rate` is returned that day by the rep
   working it, with a reason drawn from the rules' return reasons. A returned account never
   converts (it was a dud); in the dynamic world the return is a `book_return_c` row the next run
   processes.
3. Conversion, deterministic: an account is *qualified* once worked on `days_to_convert`
   distinct days; it counts for the rep who worked it last. Each day and tier a world's
   opportunities are topped up to `floor(conversion_rate x its qualified accounts)` (the expected
   value, rounded down), shared between reps by largest remainders of `conversion_rate x the rep's
   qualified accounts`, and opened on the qualified accounts each rep worked that day in the order
   of a seeded draw `u(account, "convert")`. So a rep with 60 qualified good accounts at 10% opens
   exactly 6 opportunities, never a lucky 8: the Jane/Joe example reproduces exactly, rep by rep. In the dynamic world each one is an open opportunity in
   the CRM, owned by the rep, so the account stays with them and leaves the prospecting book.

Scores, tiers and NBTAM membership are the pipeline's (`marts.account_scores`, `account_status`)
on the first day, for both worlds. The measures:

* opportunities: opened during the simulation;
* top-tier coverage: share of the tier-1 NBTAM accounts with a simulated touch in the last 30
  days (only simulated touches count, so both worlds start from zero);
* book productivity: opportunities per account slot of capacity (the reps' summed capacity,
  averaged over the days). In the Jane/Joe example capacity is 120, the number of good accounts,
  so this is the "8 / 120 good accounts" of docs/concepts.md.

Everything per account is set-based SQL in DuckDB; Python only loops over days.
"""

from __future__ import annotations

import contextlib
import csv
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path

import duckdb

from bookflow import simulate_scenarios
from bookflow.simulate_scenarios import SCENARIOS

WORLDS = ("static", "dynamic")
WORLD_LABELS = {"static": "static territories", "dynamic": "dynamic books"}
TIERS = (1, 2, 3)
COVERAGE_WINDOW_DAYS = 30


class SimulationError(Exception):
    """The simulation cannot run: bad settings, or a pipeline day failed."""


@dataclass
class SimulationConfig:
    """The behaviour model's assumptions (see the module docstring). YAML keys are these names."""

    days: int = 7
    start: date | None = None
    accounts: int = 5000
    seed: int = 42
    work_rate: float = 1.0
    days_to_convert: int = 3
    conversion_rate: dict[int, float] = field(default_factory=lambda: {1: 0.10, 2: 0.04, 3: 0.01})
    return_after_days: int = 2
    return_rate: dict[int, float] = field(default_factory=lambda: {1: 0.02, 2: 0.05, 3: 0.10})
    static_territories: str = "geography"

    def updated(self, values: dict, origin: str) -> SimulationConfig:
        known = {item.name for item in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SimulationError(
                f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        merged = asdict(self) | values
        for name in ("conversion_rate", "return_rate"):
            merged[name] = _tier_rates(merged[name], f"{origin}: {name}", base=getattr(self, name))
        if isinstance(merged["start"], str):
            merged["start"] = _parse_date(merged["start"], f"{origin}: start")
        config = SimulationConfig(**merged)
        config.check(origin)
        return config

    def check(self, origin: str = "settings") -> None:
        problems = []
        for name in ("days", "accounts", "days_to_convert", "return_after_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a whole number of at least 1, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            problems.append(f"seed must be a whole number, got {self.seed!r}")
        if not isinstance(self.work_rate, int | float) or not 0 <= self.work_rate <= 1:
            problems.append(f"work_rate must be between 0 and 1, got {self.work_rate!r}")
        if self.static_territories not in ("geography", "crm"):
            problems.append(f"static_territories must be geography or crm, got {self.static_territories!r}")
        if problems:
            raise SimulationError(f"{origin}: " + "; ".join(problems))


def _parse_date(value, origin: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise SimulationError(f"{origin}: {value!r} is not a date (YYYY-MM-DD)") from error


def _tier_rates(value, origin: str, base: dict[int, float]) -> dict[int, float]:
    """Rates by tier 1-3, each between 0 and 1; tiers left out keep `base`."""
    if not isinstance(value, dict):
        raise SimulationError(f"{origin} must map tiers 1-3 to rates, got {value!r}")
    rates = dict(base)
    for tier, rate in value.items():
        if str(tier) not in ("1", "2", "3"):
            raise SimulationError(f"{origin}: tier must be 1, 2 or 3, got {tier!r}")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise SimulationError(f"{origin}: rate of tier {tier} must be between 0 and 1, got {rate!r}")
        rates[int(tier)] = float(rate)
    return rates


def load_config(scenario: str, config_file: Path | None, overrides: dict) -> SimulationConfig:
    """Defaults, then the scenario's settings, then the YAML file, then the command line."""
    import yaml

    if scenario not in SCENARIOS:
        raise SimulationError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    config = SimulationConfig()
    if scenario == "jane-joe":
        config = config.updated(simulate_scenarios.JANE_JOE_SETTINGS, "scenario jane-joe")
    if config_file is not None:
        try:
            values = yaml.safe_load(Path(config_file).read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise SimulationError(f"{config_file}: cannot read the settings: {error}") from error
        if not isinstance(values, dict):
            raise SimulationError(f"{config_file}: expected a mapping of setting: value")
        config = config.updated(values, str(config_file))
    given = {name: value for name, value in overrides.items() if value is not None}
    return config.updated(given, "command line") if given else config


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
    simulate_scenarios.prepare_rules(rules_source, rules_dir)
    if scenario == "jane-joe":
        simulate_scenarios.write_jane_joe(crm, rules_dir, start=start)
    else:
        simulate_scenarios.write_demo(crm, rules_dir, accounts=config.accounts, seed=config.seed, start=start)

    with duckdb.connect(str(sim)) as con:
        _set_variables(con, config, rules_dir)
        _create_state(con, config, crm)

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
                _capture_truth(con)
            con.execute(
                "insert into capacity select getvariable('day'), rep_id, capacity from warehouse.marts.rep_capacity"
            )
            _dynamic_day(con)
            moved = sum(outcome.figures.get(kind, 0) for kind in ("distribute", "retrieve", "return"))
            echo(
                f"day {offset + 1}/{config.days} {day.isoformat()}: pipeline {outcome.seconds:.0f}s, "
                f"{moved:,} ownership changes synced; {_day_line(con, 'dynamic')}"
            )

    with duckdb.connect(str(sim)) as con:
        _set_variables(con, config, rules_dir)
        for offset in range(config.days):
            con.execute("set variable day = ?", [start + timedelta(days=offset)])
            _static_day(con)
        daily, per_rep, capacity, top_tier = _measures(con)

    csv_path = workdir / "simulate_daily.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(daily[0]))
        writer.writeheader()
        writer.writerows(daily)
    result = SimulationResult(
        scenario=scenario,
        config=config,
        start=start,
        daily=daily,
        per_rep=per_rep,
        capacity=capacity,
        top_tier_accounts=top_tier,
        chart_path=workdir / "simulate.html",
        csv_path=csv_path,
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


def _create_state(con: duckdb.DuckDBPyConnection, config: SimulationConfig, crm: Path) -> None:
    """Rate tables, the simulation's event tables, and the CRM's owners before the first day."""
    # Uniform in [0, 1), fixed per account and purpose: the same account draws the same number in
    # both worlds, so they differ only by who owns what.
    con.execute("create macro u(k, salt) as (hash(k, getvariable('seed'), salt) % 1000000) / 1000000.0")
    con.execute("create table rates (tier integer, conversion_rate double, return_rate double)")
    con.executemany(
        "insert into rates values (?, ?, ?)",
        [(tier, config.conversion_rate[tier], config.return_rate[tier]) for tier in TIERS],
    )
    con.execute("create table touches (world varchar, day date, account_id varchar, rep_id varchar)")
    con.execute("create table returns (world varchar, day date, account_id varchar, rep_id varchar, reason varchar)")
    con.execute(
        "create table opportunities (world varchar, day date, account_id varchar, rep_id varchar, tier integer)"
    )
    con.execute("create table capacity (day date, rep_id varchar, capacity integer)")
    _attach(con, crm, None)
    con.execute(
        """create table initial_owners as
           select id as account_id, owner_id, billing_country, billing_state
           from crm.salesforce.account where not coalesce(is_deleted, false)"""
    )
    con.execute("detach crm")


def _capture_truth(con: duckdb.DuckDBPyConnection) -> None:
    """The first day's scores and NBTAM, the roster, and the static territories carved from them."""
    con.execute(
        """
        create table truth as
        select
            scores.account_id,
            scores.tier,
            scores.priority_score,
            status.target_book,
            status.target_book is not null
                and status.status not in ('customer', 'excluded', 'converted') as is_nbtam,
            coalesce(owners.billing_country, '') || '-' || coalesce(owners.billing_state, '') as geography
        from warehouse.marts.account_scores as scores
        inner join warehouse.marts.account_status as status using (account_id)
        left join initial_owners as owners using (account_id)
        """
    )
    con.execute(
        "create table reps as select rep_id, rep_name, target_book from warehouse.marts.rep_capacity order by rep_id"
    )
    con.execute(
        """
        create table static_territories as
        with units as (
            select target_book, geography,
                row_number() over (partition by target_book order by geography) - 1 as unit_number
            from (select distinct target_book, geography from truth where is_nbtam)
        ),
        book_reps as (
            select target_book, rep_id,
                row_number() over (partition by target_book order by rep_id) - 1 as rep_number,
                count(*) over (partition by target_book) as rep_count
            from reps
        ),
        by_geography as (
            select truth.account_id, book_reps.rep_id
            from truth
            inner join units using (target_book, geography)
            inner join book_reps
                on book_reps.target_book = truth.target_book
                and book_reps.rep_number = units.unit_number % book_reps.rep_count
            where truth.is_nbtam
        ),
        in_crm as (
            select owners.account_id, owners.owner_id as rep_id
            from initial_owners as owners
            inner join truth using (account_id)
            inner join reps on reps.rep_id = owners.owner_id
            where truth.is_nbtam
        )
        select by_geography.account_id,
            case when getvariable('static_territories') = 'crm'
                then coalesce(in_crm.rep_id, by_geography.rep_id)
                else by_geography.rep_id
            end as rep_id
        from by_geography
        left join in_crm using (account_id)
        union all
        -- NBTAM accounts a rep owns outside the roster's target books stay with that rep in the crm mode.
        select in_crm.account_id, in_crm.rep_id
        from in_crm
        anti join by_geography using (account_id)
        where getvariable('static_territories') = 'crm'
        """
    )


def _dynamic_day(con: duckdb.DuckDBPyConnection) -> None:
    """Reps work the books the pipeline just synced to the CRM; their actions go back into the CRM."""
    con.execute(
        """
        create or replace temp table book as
        select accounts.id as account_id, accounts.owner_id as rep_id
        from crm.salesforce.account as accounts
        inner join reps on reps.rep_id = accounts.owner_id
        where not coalesce(accounts.is_deleted, false)
        """
    )
    _behave(con, "dynamic")
    con.execute(
        """
        insert into crm.salesforce.task (id, account_id, owner_id, type, activity_date, is_deleted)
        select 'SIMT' || strftime(day, '%Y%m%d') || account_id, account_id, rep_id,
            getvariable('activity_type'), day + interval 10 hour, false
        from touches where world = 'dynamic' and day = getvariable('day')
        """
    )
    con.execute(
        """
        insert into crm.salesforce.book_return_c (id, account_c, returned_by_c, reason_c, created_date, is_deleted)
        select 'SIMR' || strftime(day, '%Y%m%d') || account_id, account_id, rep_id, reason,
            day + interval 16 hour, false
        from returns where world = 'dynamic' and day = getvariable('day')
        """
    )
    con.execute(
        """
        insert into crm.salesforce.opportunity
            (id, account_id, owner_id, stage_name, is_closed, is_won, created_date, close_date, is_deleted)
        select 'SIMO' || strftime(day, '%Y%m%d') || account_id, account_id, rep_id, 'Discovery', false, false,
            day + interval 17 hour, day + 90, false
        from opportunities where world = 'dynamic' and day = getvariable('day')
        """
    )


def _static_day(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create or replace temp table book as select account_id, rep_id from static_territories")
    _behave(con, "static")


def _behave(con: duckdb.DuckDBPyConnection, world: str) -> None:
    """One day of rep behaviour on the temp table `book` (account_id, rep_id) of `world`."""
    con.execute("set variable world = ?", [world])
    # The prospecting book: NBTAM accounts not yet converted or returned in this world.
    con.execute(
        """
        create or replace temp table worked as
        with prospecting as (
            select book.account_id, book.rep_id, truth.priority_score
            from book
            inner join truth using (account_id)
            where truth.is_nbtam
                and book.account_id not in (
                    select account_id from opportunities where world = getvariable('world')
                    union all
                    select account_id from returns where world = getvariable('world')
                )
        ),
        ranked as (
            select prospecting.*, capacity.capacity,
                row_number() over (
                    partition by prospecting.rep_id order by prospecting.priority_score desc, prospecting.account_id
                ) as place
            from prospecting
            inner join capacity
                on capacity.rep_id = prospecting.rep_id and capacity.day = getvariable('day')
        )
        select account_id, rep_id from ranked
        where place <= floor(capacity * getvariable('work_rate'))
        """
    )
    con.execute("insert into touches select getvariable('world'), getvariable('day'), account_id, rep_id from worked")
    con.execute(
        """
        create or replace temp table days_worked as
        select account_id, count(distinct day) as days_worked
        from touches where world = getvariable('world') group by account_id
        """
    )
    con.execute(
        """
        insert into returns
        select getvariable('world'), getvariable('day'), worked.account_id, worked.rep_id,
            getvariable('reasons')[1 + (hash(worked.account_id, getvariable('seed'), 'reason')
                % len(getvariable('reasons')))::bigint]
        from worked
        inner join days_worked using (account_id)
        inner join truth using (account_id)
        inner join rates using (tier)
        where days_worked.days_worked >= getvariable('return_after_days')
            and u(worked.account_id, 'return') < rates.return_rate
        """
    )
    con.execute(
        """
        insert into opportunities
        with last_worked_by as (
            select account_id, arg_max(rep_id, day) as rep_id
            from touches where world = getvariable('world') group by account_id
        ),
        qualified as (
            -- A qualified account counts for the rep who worked it last.
            select account_id, last_worked_by.rep_id, truth.tier
            from days_worked
            inner join last_worked_by using (account_id)
            inner join truth using (account_id)
            where days_worked.days_worked >= getvariable('days_to_convert')
                and account_id not in (select account_id from returns where world = getvariable('world'))
        ),
        opened as (
            select rep_id, tier, count(*) as opened
            from opportunities where world = getvariable('world') group by rep_id, tier
        ),
        shares as (
            select qualified.rep_id, qualified.tier, rates.conversion_rate * count(*) as share
            from qualified
            inner join rates using (tier)
            group by qualified.rep_id, qualified.tier, rates.conversion_rate
        ),
        floored as (
            -- The epsilon keeps 0.1 x 30 = 3.0000000000000004 and 0.7 x 10 = 6.999999999999999 whole.
            select *,
                floor(share + 1e-9) as base,
                share - floor(share + 1e-9) as remainder,
                floor(sum(share) over (partition by tier) + 1e-9)
                    - sum(floor(share + 1e-9)) over (partition by tier) as extra,
                row_number() over (
                    partition by tier order by share - floor(share + 1e-9) desc, hash(rep_id, getvariable('seed'))
                ) as remainder_rank
            from shares
        ),
        due as (
            -- Largest remainders: the world converts floor(rate x all its qualified accounts) of a
            -- tier, each rep their whole share and the reps with the largest fractions one more.
            select floored.rep_id, floored.tier,
                cast(floored.base + case when floored.remainder_rank <= floored.extra then 1 else 0 end as integer)
                    - coalesce(opened.opened, 0) as due
            from floored
            left join opened using (rep_id, tier)
        ),
        candidates as (
            select worked.account_id, worked.rep_id, qualified.tier,
                row_number() over (
                    partition by worked.rep_id, qualified.tier
                    order by u(worked.account_id, 'convert'), worked.account_id
                ) as place
            from worked
            inner join qualified using (account_id, rep_id)
            where worked.account_id not in (
                select account_id from opportunities where world = getvariable('world')
            )
        )
        select getvariable('world'), getvariable('day'), candidates.account_id, candidates.rep_id, candidates.tier
        from candidates
        inner join due using (rep_id, tier)
        where candidates.place <= due.due
        """
    )


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


def _measures(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict], float, int]:
    daily_rows = con.execute(
        """
        with days as (select distinct day from capacity),
        worlds as (select unnest(['static', 'dynamic']) as world),
        top_tier as (select account_id from truth where is_nbtam and tier = 1),
        capacity_by_day as (select day, sum(capacity) as capacity from capacity group by day),
        grid as (
            select worlds.world, days.day,
                (select avg(capacity) from capacity_by_day where capacity_by_day.day <= days.day) as capacity
            from worlds cross join days
        )
        select
            grid.world,
            grid.day,
            (select count(*) from opportunities as opps
                where opps.world = grid.world and opps.day <= grid.day) as opportunities,
            (select count(*) from opportunities as opps
                where opps.world = grid.world and opps.day <= grid.day and opps.tier = 1) as top_tier_opportunities,
            (select count(distinct touches.account_id) from touches
                where touches.world = grid.world and touches.day = grid.day) as accounts_worked,
            (select count(*) from returns
                where returns.world = grid.world and returns.day <= grid.day) as returns,
            (select count(distinct touches.account_id) from touches
                inner join top_tier using (account_id)
                where touches.world = grid.world
                    and touches.day > grid.day - getvariable('coverage_window')
                    and touches.day <= grid.day) as top_tier_worked,
            (select count(*) from top_tier) as top_tier_accounts,
            grid.capacity
        from grid
        order by grid.world desc, grid.day
        """
    ).fetchall()
    columns = [
        "world",
        "day",
        "opportunities",
        "top_tier_opportunities",
        "accounts_worked",
        "returns",
        "top_tier_worked",
        "top_tier_accounts",
        "capacity",
    ]
    daily = []
    for values in daily_rows:
        row = dict(zip(columns, values, strict=True))
        row["day"] = row["day"].isoformat()
        row["top_tier_coverage"] = (
            row["top_tier_worked"] / row["top_tier_accounts"] if row["top_tier_accounts"] else 0.0
        )
        row["book_productivity"] = row["opportunities"] / row["capacity"] if row["capacity"] else 0.0
        daily.append(row)
    per_rep = [
        dict(zip(("rep_name", "static_worked", "static_opps", "dynamic_worked", "dynamic_opps"), values, strict=True))
        for values in con.execute(
            """
            select
                reps.rep_name,
                (select count(distinct account_id) from touches where world = 'static' and rep_id = reps.rep_id),
                (select count(*) from opportunities where world = 'static' and rep_id = reps.rep_id),
                (select count(distinct account_id) from touches where world = 'dynamic' and rep_id = reps.rep_id),
                (select count(*) from opportunities where world = 'dynamic' and rep_id = reps.rep_id)
            from reps order by reps.rep_name
            """
        ).fetchall()
    ]
    final = daily[-1]
    return daily, per_rep, final["capacity"], final["top_tier_accounts"]


def write_chart(result: SimulationResult) -> Path:
    """One self-contained HTML page (plotly's JS inlined): the three measures for both worlds."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("Opportunities created (cumulative)", "Top-tier coverage (30 days)", "Book productivity"),
    )
    colours = {"static": "#8c8c8c", "dynamic": "#1f77b4"}
    for world in WORLDS:
        rows = [row for row in result.daily if row["world"] == world]
        days = [row["day"] for row in rows]
        style = {"name": WORLD_LABELS[world], "legendgroup": world, "marker_color": colours[world]}
        figure.add_trace(
            go.Scatter(x=days, y=[row["opportunities"] for row in rows], mode="lines+markers", **style), 1, 1
        )
        figure.add_trace(
            go.Scatter(
                x=days,
                y=[row["top_tier_coverage"] for row in rows],
                mode="lines+markers",
                showlegend=False,
                **style,
            ),
            1,
            2,
        )
        figure.add_trace(
            go.Bar(
                x=[WORLD_LABELS[world]],
                y=[rows[-1]["book_productivity"]],
                text=[f"{rows[-1]['book_productivity']:.1%}"],
                showlegend=False,
                **style,
            ),
            1,
            3,
        )
    figure.update_yaxes(tickformat=".0%", row=1, col=2, range=[0, 1.05])
    figure.update_yaxes(tickformat=".1%", row=1, col=3)
    figure.update_layout(
        title=f"Static territories vs dynamic books: {result.scenario}, {result.config.days} day(s)",
        height=480,
        template="plotly_white",
    )
    figure.write_html(result.chart_path, include_plotlyjs=True, full_html=True)
    return result.chart_path
