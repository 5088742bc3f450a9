"""`bookflow simulate` through the CLI: the Jane/Joe example exactly, and the behaviour loop on the demo CRM."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.simulate.scenarios import JANE_ID, JOE_ID

START = "2026-06-01"


def _simulate(workdir: Path, *args: str):
    return CliRunner().invoke(main, ["simulate", "--start", START, "--workdir", str(workdir), *args])


def _final(workdir: Path) -> dict[str, dict]:
    with (workdir / "simulate_daily.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return {world: [row for row in rows if row["world"] == world][-1] for world in ("static", "dynamic")}


def test_jane_joe_reproduces_the_seed_table(tmp_path):
    workdir = tmp_path / "jane-joe"
    result = _simulate(workdir, "--scenario", "jane-joe")
    assert result.exit_code == 0, result.output

    final = _final(workdir)
    assert (final["static"]["opportunities"], final["static"]["capacity"]) == ("8", "120.0")
    assert (final["dynamic"]["opportunities"], final["dynamic"]["capacity"]) == ("12", "120.0")
    lines = result.output.splitlines()
    assert any(line.split()[:5] == ["static", "territories", "8", "71.7%", "6.7%"] for line in lines), result.output
    assert any(line.split()[:5] == ["dynamic", "books", "12", "100.0%", "10.0%"] for line in lines), result.output
    # docs/concepts.md rep by rep: static Jane 2 and Joe 6; dynamic 6 each, on 60 good accounts each.
    assert ["Jane", "62", "2", "60", "6"] in [line.split() for line in lines]
    assert ["Joe", "66", "6", "60", "6"] in [line.split() for line in lines]

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
    assert books == {JANE_ID: "60/60", JOE_ID: "60/60", "005Dn00000000EXIAY": "0/80"}
    assert "<script" in (workdir / "simulate.html").read_text()[:100_000]


def test_demo_behaviour_feeds_the_next_pipeline_run(tmp_path):
    workdir = tmp_path / "demo"
    config = tmp_path / "behaviour.yml"
    config.write_text(
        "work_rate: 0.5\ndays_to_convert: 1\nreturn_after_days: 1\n"
        "conversion_rate: {1: 0.3, 2: 0.2, 3: 0.1}\nreturn_rate: {1: 0.1, 2: 0.1, 3: 0.2}\n"
    )
    result = _simulate(workdir, "--accounts", "400", "--days", "2", "--seed", "3", "--config", str(config))
    assert result.exit_code == 0, result.output

    with duckdb.connect(str(workdir / "simulation.duckdb"), read_only=True) as con:
        # Every NBTAM account of a book with reps lies in exactly one static territory, of its own book.
        misplaced = con.execute(
            """select count(*) from static_territories
               join truth using (account_id) join reps using (rep_id)
               where truth.target_book <> reps.target_book or not truth.is_nbtam"""
        ).fetchone()[0]
        duplicated = con.execute("select count(*) - count(distinct account_id) from static_territories").fetchone()[0]
        # Nobody works more than half their capacity (work_rate 0.5).
        overworked = con.execute(
            """select count(*) from (select world, day, rep_id, count(*) as worked from touches group by all)
               join capacity using (day, rep_id) where worked > floor(capacity * 0.5)"""
        ).fetchone()[0]
        simulated = dict(con.execute("select world, count(*) from opportunities group by world").fetchall())
        returned_day_one = {
            row[0]
            for row in con.execute(
                "select account_id from returns where world = 'dynamic' and day = ?", [START]
            ).fetchall()
        }
    assert (misplaced, duplicated, overworked) == (0, 0, 0)
    assert simulated["static"] > 0 and simulated["dynamic"] > 0
    assert returned_day_one

    final = _final(workdir)
    assert int(final["dynamic"]["opportunities"]) == simulated["dynamic"]
    assert int(final["static"]["opportunities"]) == simulated["static"]

    # The day-one returns were rows in the CRM that the second pipeline run turned into return changes.
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        processed = {
            row[0]
            for row in con.execute(
                "select account_id from marts.ownership_changes where change_type = 'return'"
            ).fetchall()
        }
    assert returned_day_one <= processed
    with duckdb.connect(str(workdir / "demo_crm.duckdb"), read_only=True) as con:
        crm_opportunities = con.execute("select count(*) from salesforce.opportunity where id like 'SIMO%'").fetchone()[
            0
        ]
    assert crm_opportunities == simulated["dynamic"]


def test_bad_settings_are_refused_before_any_run(tmp_path):
    config = tmp_path / "bad.yml"
    config.write_text("work_rate: 1.5\nconversion_rate: {4: 0.1}\n")
    result = _simulate(tmp_path / "never", "--config", str(config))
    assert result.exit_code == 2
    assert "tier must be 1, 2 or 3" in result.output
    config.write_text("work_rates: 0.5\n")
    result = _simulate(tmp_path / "never", "--config", str(config))
    assert result.exit_code == 2 and "unknown setting(s) work_rates" in result.output
    config.write_text("work_rate: 1.5\n")
    result = _simulate(tmp_path / "never", "--config", str(config))
    assert result.exit_code == 2 and "work_rate must be between 0 and 1" in result.output
    assert not (tmp_path / "never").exists()
