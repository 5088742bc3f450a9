"""`bookflow rules check DIR`: every problem at once with file, line and column; warnings apart; exit 0 / 1.

Rules directories are copies of the bundled one, edited the way RevOps would; the warehouse of the
last test is a small hand-made DuckDB file, so no pipeline runs here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from click.testing import CliRunner

from bookflow import paths
from bookflow.cli import main


def _rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(paths.BUNDLED_RULES_DIR, rules)
    return rules


def _check(*args: str):
    return CliRunner().invoke(main, ["rules", "check", *map(str, args)])


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_the_bundled_rules_pass():
    result = _check(paths.BUNDLED_RULES_DIR)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 errors, 0 warnings")


def test_every_problem_is_named_with_file_line_and_column(tmp_path):
    rules = _rules(tmp_path)
    # A second role in MM writing the CRM owner as the SDRs do; a BDR row of ENT on another band;
    # a gap between SMB and MM; a rep in a role no segment has; settings that cannot work.
    _replace(rules / "segments.csv", "MM,SDR,200,999,", "MM,SDR,250,999,")
    (rules / "segments.csv").write_text((rules / "segments.csv").read_text() + "MM,AE,250,999,Mid-market AEs\n")
    _replace(rules / "segments.csv", "ENT,BDR,1000,,", "ENT,BDR,1200,,")
    _replace(rules / "reps.csv", "005Dn0000000001IAA,Ava Martin,SDR,SMB", "005Dn0000000001IAA,Ava Martin,CSM,SMB")
    settings = rules / "settings.csv"
    settings.write_text(
        settings.read_text()
        + "max_retrievals_per_run,-3,x\nmax_new_per_book_per_run,lots,x\n"
        + 'pool_rank_keys,"tier,fit_score sideways,revenue",x\n'
    )
    _replace(settings, "distribution_mode,top_off,", "distribution_mode,fixed_per_rep,")
    _replace(settings, "retrieve_grades,red,", "retrieve_grades,green,")
    _replace(settings, "sdr_owner_column,sdr_owner_c,", "sdr_owner_column,SDR_Owner__c; drop table x,")

    result = _check(rules)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = [
        "segments.csv:6:2: error: segment 'MM': roles 'SDR' and 'AE' would both write the CRM owner field; "
        "one role per owner field in a segment",
        "segments.csv:5:3: error: segment 'ENT' has another band on line 4: every role working a segment works "
        "the same band of employees",
        "reps.csv:2:3: error: role 'CSM' and segment 'SMB' match no row of segments.csv",
        "settings.csv:25:2: error: setting 'max_retrievals_per_run' is negative",
        "settings.csv:26:2: error: setting 'max_new_per_book_per_run' 'lots' is not an integer",
        "settings.csv:18:2: error: fixed_per_rep needs setting 'distribution_per_rep'",
        "settings.csv:20:2: error: setting 'retrieve_grades' names 'green': only red and yellow accounts can be "
        "retrieved",
        "settings.csv:15:2: error: setting 'sdr_owner_column' is 'SDR_Owner__c; drop table x': a column name in "
        "lowercase letters, digits and underscores",
        "segments.csv:3:3: warning: accounts with 200..249 employees fall in no segment",
    ]
    for line in expected:
        assert line in lines, result.output
    rank_problems = [line for line in lines if "pool_rank_keys" in line]
    assert any("names unknown key 'revenue'" in line for line in rank_problems), rank_problems
    assert any("'fit_score sideways'" in line for line in rank_problems), rank_problems
    assert lines[-1].endswith(f"{len(lines) - 2} errors, 1 warning")


def test_an_old_rules_directory_stays_valid_and_a_second_role_needs_roles_csv(tmp_path):
    rules = _rules(tmp_path)
    # Rules written before roles, thresholds and end dates: no roles.csv, no activity_thresholds.csv,
    # no end_date column, one role per segment.
    (rules / "roles.csv").unlink()
    (rules / "activity_thresholds.csv").unlink()
    _replace(
        rules / "segments.csv",
        "ENT,BDR,1000,,Enterprise: BDRs prospect beside the AEs and hand the accounts they convert to them\n",
        "",
    )
    reps = [line.rsplit(",", 1)[0] for line in (rules / "reps.csv").read_text().splitlines() if ",BDR," not in line]
    (rules / "reps.csv").write_text("\n".join(reps) + "\n")
    assert _check(rules).exit_code == 0

    (rules / "segments.csv").write_text((rules / "segments.csv").read_text() + "ENT,BDR,1000,,BDRs\n")
    result = _check(rules)
    assert result.exit_code == 1
    assert (
        "segments.csv:5:2: error: segment 'ENT': roles 'AE' and 'BDR' would both write the CRM owner field; "
        "declare in roles.csv which role writes the SDR field (owner_field sdr)"
    ) in result.output


def test_warehouse_warnings_name_books_without_accounts_and_short_capacity(tmp_path):
    rules = _rules(tmp_path)
    (rules / "theaters.csv").write_text((rules / "theaters.csv").read_text() + "AR,LATAM\n")
    (rules / "reps.csv").write_text(
        (rules / "reps.csv").read_text() + "005Dn000000001bIAA,Lia Costa,SDR,SMB,LATAM,150,2024-01-01,0,,,\n"
    )
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema salesforce; create schema marts")
        con.execute(
            "create table salesforce.account as select * from (values "
            "(50, 'US', false), (500, 'GB', false), (5000, 'US', false)) "
            "as accounts(number_of_employees, billing_country, is_deleted)"
        )
        con.execute(
            "create table marts.account_status as select * from (values "
            "('SDR-SMB-AMER', true), ('AE-ENT-AMER', true)) as s(target_book, ready), range(200)"
        )
        con.execute(
            "create table marts.rep_capacity as select * from (values "
            "('SDR-SMB-AMER', 150), ('AE-ENT-AMER', 50)) as c(target_book, full_capacity)"
        )

    result = _check(rules, "--warehouse", warehouse)
    assert result.exit_code == 0, result.output
    assert f"reps.csv: warning: book SDR-SMB-LATAM has reps but no accounts in {warehouse}" in result.output
    # 200 ready ENT accounts against 50 of capacity is more than 3x; 200 against 150 is not.
    assert "book AE-ENT-AMER: capacity 50 is far below its ready pool of 200 accounts" in result.output
    assert "book SDR-SMB-AMER: capacity" not in result.output
