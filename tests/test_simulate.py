"""`bookflow simulate` through the CLI: the Jane/Joe example exactly, the behaviour model on a small
demo through the real pipeline, the sweep, and settings refused before anything runs."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.simulate.config import bundled, sweep_values
from bookflow.simulate.scenarios import JANE_ID, JOE_ID, POOL_ID
from tests.cycles import made_once, world_environment

START = "2026-06-01"


def _simulate(workdir: Path, *args: str):
    return CliRunner().invoke(main, ["simulate", "--start", START, "--workdir", str(workdir), *args])


def _rows(path: Path) -> list[dict]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _final(workdir: Path) -> dict[str, dict]:
    rows = _rows(workdir / "simulate_daily.csv")
    return {world: [row for row in rows if row["world"] == world][-1] for world in ("static", "dynamic")}


def _simulated(
    tmp_path_factory: pytest.TempPathFactory, name: str, *args: str, config: str | None = None
) -> tuple[Path, str]:
    """The folder of `bookflow simulate ARGS` (with `config` as its --config file), run once for the
    session, and what it printed."""

    def simulate(root: Path) -> None:
        extra = []
        if config is not None:
            (root / "config.yml").write_text(config)
            extra = ["--config", str(root / "config.yml")]
        with world_environment(root):
            result = _simulate(root / "run", *args, *extra)
        assert result.exit_code == 0, result.output
        (root / "output.txt").write_text(result.output)

    root = made_once(tmp_path_factory, f"simulate_{name}", simulate)
    return root / "run", (root / "output.txt").read_text()


@pytest.fixture(scope="session")
def jane_joe(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """docs/concepts.md's Jane and Joe: two reps of capacity 60; Jane holds 20 good accounts (worked)
    and 80 marginal ones (untouched), Joe 100 good ones and works 60 (bookflow.simulate.scenarios).
    The dynamic world's pipeline retrieves what is not worked, deals the good accounts to open
    capacity and then has nothing left to move: each rep ends with 60 good accounts and the
    marginal ones stay in the pool."""
    return _simulated(tmp_path_factory, "jane_joe", "--scenario", "jane-joe")


@pytest.mark.world("jane_joe", seconds=25)
def test_jane_joe_retrieves_the_unworked_and_leaves_the_marginal_in_the_pool(jane_joe):
    workdir, _ = jane_joe
    # Moving from static territories retrieves 80 of Jane's 100 accounts and 40 of Joe's on the
    # first morning, all for want of the owner's work.
    with duckdb.connect(str(workdir / "simulation.duckdb"), read_only=True) as con:
        retrieved = con.execute(
            """select from_owner_id, reason, count(*) from pipeline_changes
               where day = ? and change_type = 'retrieve' group by all order by all""",
            [START],
        ).fetchall()
    unworked = "no meaningful activity by the owner in 30 days"
    assert retrieved == [(JANE_ID, unworked, 80), (JOE_ID, unworked, 40)]
    # The last morning found nothing left to move; the marginal accounts wait in the pool, not ready.
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.ownership_changes").fetchone()[0] == 0
        marginal = con.execute(
            "select status, ready, count(*) from marts.account_status where owner_id is null group by 1, 2"
        ).fetchall()
    assert marginal == [("pool", False, 80)]


@pytest.mark.world("jane_joe", seconds=25)
def test_jane_joe_reproduces_the_seed_table(jane_joe):
    workdir, output = jane_joe
    final = _final(workdir)
    assert (final["static"]["opportunities"], final["static"]["capacity"]) == ("8", "120.0")
    assert (final["dynamic"]["opportunities"], final["dynamic"]["capacity"]) == ("12", "120.0")
    lines = output.splitlines()
    assert any(line.split()[:5] == ["static", "territories", "8", "71.7%", "6.7%"] for line in lines), output
    assert any(line.split()[:5] == ["dynamic", "books", "12", "100.0%", "10.0%"] for line in lines), output
    # docs/concepts.md rep by rep: static Jane 2 and Joe 6; dynamic 6 each, on 60 good accounts each.
    assert ["Jane", "62", "2", "60", "6"] in [line.split() for line in lines]
    assert ["Joe", "66", "6", "60", "6"] in [line.split() for line in lines]


@pytest.mark.world("jane_joe", seconds=25)
def test_jane_joe_dynamic_world_goes_through_the_real_crm(jane_joe):
    workdir, _ = jane_joe
    # The dynamic world went through the real CRM: its opportunities are there, owned by the reps
    # the pipeline dealt the good accounts to, and the marginal accounts sit in the pool.
    with duckdb.connect(str(workdir / "demo_crm.duckdb"), read_only=True) as con:
        opportunities = dict(
            con.execute(
                "select owner_id, count(*) from salesforce.opportunity where id like 'SIMO%' group by 1"
            ).fetchall()
        )
        books = dict(
            con.execute(
                """select owner_id, count(*) filter (where industry = 'Software') || '/' || count(*)
                   from salesforce.account group by owner_id"""
            ).fetchall()
        )
    assert opportunities == {JANE_ID: 6, JOE_ID: 6}
    assert books == {JANE_ID: "60/60", JOE_ID: "60/60", POOL_ID: "0/80"}
    assert "<script" in (workdir / "simulate.html").read_text()[:100_000]


# Sequences of one touch, so accounts complete, convert, are returned or go idle from the first
# day; arrivals and leavers fast enough to happen within two days, the hire starting the day the
# leaver leaves. Two days are what the test needs: what day one left in the CRM (returns, new
# accounts, a leaver's deactivation) is what the second morning's run reads.
FAST_WORLD = """
touches_per_day_per_slot: 0.2
sequence_touches: 1
conversion_rate: {1: 0.3, 2: 0.2, 3: 0.1}
return_share: 0.5
signals_per_1000_accounts_per_day: 40
hand_raises_per_1000_accounts_per_day: 10
new_accounts_per_1000_per_day: 25
leavers_per_year: 20
backfill_days: 0
"""


DEMO_DAYS, SECOND_DAY = 2, "2026-06-02"  # the second day is the last


@pytest.fixture(scope="session")
def behaviour(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """FAST_WORLD's behaviour model on a small demo, through the real pipeline for two days."""
    args = ("--accounts", "400", "--days", str(DEMO_DAYS), "--seed", "3")
    return _simulated(tmp_path_factory, "behaviour", *args, config=FAST_WORLD)


@pytest.mark.world("behaviour", seconds=25)
def test_the_behaviour_model_keeps_to_its_territories_effort_and_rates(behaviour):
    workdir, _ = behaviour
    with duckdb.connect(str(workdir / "simulation.duckdb"), read_only=True) as con:
        one = lambda sql, *args: con.execute(sql, list(args)).fetchone()[0]  # noqa: E731
        # Every prospect of a book with reps lies in exactly one static territory, of its own book.
        assert one("select count(*) - count(distinct account_id) from territories") == 0
        assert (
            one(
                """select count(*) from territories join prospects using (account_id)
                   join reps using (rep_id) where prospects.target_book <> reps.target_book"""
            )
            == 0
        )
        # Nobody touches more than their effort, nor an account twice a day.
        assert (
            one(
                """select count(*) from (select world, day, rep_id, count(*) as made from touches group by all)
                   join effort using (day, rep_id) where made > effort.touches"""
            )
            == 0
        )
        assert one("select count(*) - count(distinct (world, day, account_id)) from touches") == 0
        # Every completion has exactly one outcome; conversions are floor(rate x completions) per tier.
        assert one("select count(*) from sequences where completed_on is not null and outcome is null") == 0
        for world in ("static", "dynamic"):
            for tier, rate in ((1, 0.3), (2, 0.2), (3, 0.1)):
                completed = one(
                    "select count(*) from sequences where world = ? and tier = ? and completed_on is not null",
                    world,
                    tier,
                )
                opened = one("select count(*) from opportunities where world = ? and tier = ?", world, tier)
                assert opened == int(rate * completed + 1e-9), (world, tier, completed, opened)
        outcomes = dict(con.execute("select outcome, count(*) from sequences group by 1").fetchall())
        assert outcomes.get("convert") and outcomes.get("return") and outcomes.get("idle")


@pytest.mark.world("behaviour", seconds=25)
def test_demo_behaviour_feeds_the_next_pipeline_run(behaviour):
    """What day one left in the CRM (returns, new accounts, a leaver's deactivation) is what the
    second morning's run reads."""
    workdir, _ = behaviour
    with duckdb.connect(str(workdir / "simulation.duckdb"), read_only=True) as con:
        one = lambda sql, *args: con.execute(sql, list(args)).fetchone()[0]  # noqa: E731
        dynamic_opportunities = one("select count(*) from opportunities where world = 'dynamic'")
        returned_day_one = {
            row[0]
            for row in con.execute(
                "select account_id from returns where world = 'dynamic' and day = ?", [START]
            ).fetchall()
        }
        arrived_early = {
            row[0] for row in con.execute("select account_id from new_accounts where day < ?", [SECOND_DAY]).fetchall()
        }
        arrived_prospects = one("select count(*) from prospects where since > ?", START)
        leaver, leaves_on, hire, starts_on = con.execute(
            "select * from successions where starts_on <= ? order by leaves_on limit 1", [SECOND_DAY]
        ).fetchone()
        static_books = dict(
            con.execute(
                "select rep_id, book_accounts from rep_days where world = 'static' and day = ? and rep_id in (?, ?)",
                [starts_on, leaver, hire],
            ).fetchall()
        )
    assert returned_day_one and arrived_prospects > 0

    # The day-one returns were rows in the CRM that the second morning's run applied as returns;
    # the leaver's book was retrieved the day they left.
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        ledger = con.execute(
            "select as_of, account_id, change_type, from_owner_id from reverse_etl.sync_ledger where status = 'applied'"
        ).fetchall()
        scored = {row[0] for row in con.execute("select account_id from marts.account_scores").fetchall()}
    returns_applied = {
        account for day, account, kind, _ in ledger if kind == "return" and day.isoformat() == SECOND_DAY
    }
    # An account an SDR converted (handed off to an AE, its opportunity open) is protected: its
    # return waits, as the rules of engagement say.
    handed_off = {account for _, account, kind, _ in ledger if kind == "handoff"}
    assert returned_day_one - handed_off and returned_day_one - handed_off <= returns_applied
    assert any(kind == "retrieve" and owner == leaver and day == leaves_on for day, _, kind, owner in ledger)
    # Accounts that arrived before the last morning were scored by it.
    assert arrived_early and arrived_early <= scored
    # Static territories: the leaver's territory is the hire's from the hire's first day.
    assert static_books.get(leaver, 0) == 0 and static_books.get(hire, 0) > 0

    with duckdb.connect(str(workdir / "demo_crm.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from salesforce.opportunity where id like 'SIMO%'").fetchone()[0] == (
            dynamic_opportunities
        )
        assert con.execute('select is_active from salesforce."user" where id = ?', [leaver]).fetchone()[0] is False


@pytest.mark.world("behaviour", seconds=25)
def test_the_weekly_report_adds_up_to_the_days(behaviour):
    workdir, output = behaviour
    # The weekly CSV holds every rep and all reps together; the reps add up to the total.
    weekly = _rows(workdir / "simulate_weekly.csv")
    for world in ("static", "dynamic"):
        rows = [row for row in weekly if row["world"] == world]
        total = [row for row in rows if row["rep_id"] == "all"]
        assert len(total) == 1
        assert sum(int(row["opportunities"]) for row in rows if row["rep_id"] != "all") == int(
            total[0]["opportunities"]
        )
        assert int(total[0]["opportunities_to_date"]) == int(_final(workdir)[world]["opportunities"])
    assert "week by week" in output and "run time" in output


@pytest.fixture(scope="session")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The smallest world there is (two reps, 200 accounts, no demo CRM to generate) and one day,
    at two levels of effort: effort shows in the day's coverage. Its rules are the Jane/Joe
    world's, so dbt parses in part from the state that world (or the sweep's first value) left."""
    args = ("--scenario", "jane-joe", "--days", "1", "--sweep", "touches_per_day_per_slot=0,0.1")
    return _simulated(tmp_path_factory, "sweep", *args)


@pytest.mark.world("sweep", seconds=22)
def test_sweep_prints_the_difference_at_each_value(sweep):
    workdir, output = sweep
    rows = _rows(workdir / "sweep_touches_per_day_per_slot.csv")
    assert [row["value"] for row in rows] == ["0", "0.1"]
    for row in rows:
        assert int(row["difference"]) == int(row["dynamic_opportunities"]) - int(row["static_opportunities"])
    # No effort, no coverage: the value reached the behaviour model.
    assert (rows[0]["static_top_tier_coverage"], rows[0]["dynamic_top_tier_coverage"]) == ("0.0", "0.0")
    assert float(rows[1]["static_top_tier_coverage"]) > 0
    assert "dynamic - static" in output


def test_settings_merge_and_sweep_one_entry_at_a_time():
    base = bundled()
    assert base.conversion_rate == {1: 0.10, 2: 0.04, 3: 0.01}
    name, runs = sweep_values(base, "conversion_rate.1=0.05, 0.2")
    assert name == "conversion_rate.1"
    assert [config.conversion_rate for _, config in runs] == [{1: 0.05, 2: 0.04, 3: 0.01}, {1: 0.2, 2: 0.04, 3: 0.01}]
    _, runs = sweep_values(base, "rules_settings.working_sla_days=15")
    assert runs[0][1].rules_settings == {"working_sla_days": 15}


def test_a_rules_setting_the_file_leaves_out_is_added_and_an_unknown_one_refused(tmp_path):
    from bookflow.simulate.scenarios import set_rules_settings

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "settings.csv").write_text("setting,value,description\ndistribution_mode,top_off,how to deal\n")
    # fixed_per_rep needs distribution_per_rep, which the bundled settings.csv leaves out.
    set_rules_settings(rules, {"distribution_mode": "fixed_per_rep", "distribution_per_rep": 5})
    assert _rows(rules / "settings.csv") == [
        {"setting": "distribution_mode", "value": "fixed_per_rep", "description": "how to deal"},
        {"setting": "distribution_per_rep", "value": "5", "description": ""},
    ]
    with pytest.raises(ValueError, match="no setting work_rate"):
        set_rules_settings(rules, {"work_rate": 1})


def test_bad_settings_are_refused_before_any_run(tmp_path):
    config = tmp_path / "bad.yml"
    for text, message in (
        ("conversion_rate: {4: 0.1}\n", "tier must be 1, 2 or 3"),
        ("work_rate: 0.5\n", "unknown setting(s) work_rate"),
        ("touches_per_day_per_slot: -1\n", "touches_per_day_per_slot must be a number of at least 0"),
        ("return_share: 1.5\n", "return_share must be between 0 and 1"),
    ):
        config.write_text(text)
        result = _simulate(tmp_path / "never", "--config", str(config))
        assert result.exit_code == 2 and message in result.output, result.output
    for sweep, message in (("sequence_touches", "expected SETTING=V1,V2"), ("sequence_touches=0", "at least 1")):
        result = _simulate(tmp_path / "never", "--sweep", sweep)
        assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "never").exists()
    # A return reason the rules do not have stops the run before its first day.
    config.write_text("return_reasons: {ghosted: 1}\n")
    result = _simulate(tmp_path / "ghost", "--config", str(config), "--scenario", "jane-joe")
    assert result.exit_code == 2 and "return_reasons: ghosted not in" in result.output, result.output
    assert not (tmp_path / "ghost" / "warehouse.duckdb").exists()
