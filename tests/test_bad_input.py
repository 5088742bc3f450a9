"""Bad input gets a clear error naming what is wrong, or a quarantine row, and nothing half-written."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

from bookflow.cli import main
from bookflow.validation import InputError, check_rules


def _run(workspace, *extra):
    return CliRunner().invoke(main, ["run", *workspace.cli_args(), *extra])


def _tables(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            f"{schema}.{name}": con.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('salesforce', 'marts')"
            ).fetchall()
        }


def test_missing_raw_column_names_table_and_column_and_writes_nothing(cycled_workspace):
    workspace = cycled_workspace  # a good run came first
    before = _tables(workspace.warehouse)
    with duckdb.connect(str(workspace.crm)) as con:
        con.execute("alter table salesforce.account drop column owner_id")
        con.execute("delete from salesforce.task")  # a change the failed run must not land

    result = _run(workspace)
    assert result.exit_code == 1
    assert "salesforce.account is missing column 'owner_id'" in result.output
    assert _tables(workspace.warehouse) == before


def test_missing_raw_table_is_named(workspace):
    with duckdb.connect(str(workspace.crm)) as con:
        con.execute("drop table salesforce.book_return_c")
    result = _run(workspace)
    assert result.exit_code == 1
    assert "table salesforce.book_return_c is missing" in result.output


def test_unknown_rules_values_are_all_reported_with_file_line_and_column(workspace):
    overrides = workspace.rules / "account_overrides.csv"
    overrides.write_text(overrides.read_text() + "001Dn0000000003IAA,steal,because,2026-01-01\n")
    reps = workspace.rules / "reps.csv"
    reps.write_text(reps.read_text().replace(",150,2024-02-01,", ",lots,2024-02-01,", 1))

    with pytest.raises(InputError) as error:
        check_rules(workspace.rules)
    message = str(error.value)
    assert "account_overrides.csv:4:2: error: action has unknown value 'steal'" in message
    assert "reps.csv:2:6: error: capacity 'lots' is not an integer" in message

    result = _run(workspace)
    assert result.exit_code == 1
    assert "action has unknown value 'steal'" in result.output


def test_overlapping_bands_and_segments_are_named_before_anything_runs(empty_workspace):
    bands = empty_workspace.rules / "fit_bands.csv"
    # 150 employees would fall in two bands; revenue bands stay apart.
    bands.write_text(bands.read_text().replace("employees,50,199,20", "employees,40,199,20"))
    segments = empty_workspace.rules / "segments.csv"
    segments.write_text(segments.read_text().replace("ENT,AE,1000,,", "ENT,AE,900,,"))

    with pytest.raises(InputError) as error:
        check_rules(empty_workspace.rules)
    message = str(error.value)
    assert (
        "fit_bands.csv:3:2: error: the min_value..max_value range overlaps the one on line 2 (attribute employees)"
        in message
    )
    assert "segments.csv:4:3: error: the min_employees..max_employees range overlaps the one on line 3" in message
    # The BDRs' row of ENT kept the old band: every role of a segment works one band.
    assert "segments.csv:5:3: error: segment 'ENT' has another band on line 4" in message
    assert "revenue" not in message


def test_rules_missing_column_or_setting(workspace):
    segments = workspace.rules / "segments.csv"
    segments.write_text(segments.read_text().replace("role,", "team,", 1))
    settings = workspace.rules / "settings.csv"
    settings.write_text(
        "\n".join(line for line in settings.read_text().splitlines() if not line.startswith("grace_days")) + "\n"
    )
    with pytest.raises(InputError) as error:
        check_rules(workspace.rules)
    assert "segments.csv:1: error: missing column 'role'" in str(error.value)
    assert "settings.csv: error: missing setting 'grace_days'" in str(error.value)


def test_model_level_data_tests_fail_and_name_what_is_wrong(planned_workspace, tmp_path):
    # The Python rules check stops overlapping ranges before dbt runs, and the models never write
    # a null into a required column, so a normal run only shows these two tests passing. Breaking
    # the warehouse behind dbt's back shows that they fail and what their failing rows say.
    from dbt.cli.main import dbtRunner

    from bookflow import paths
    from bookflow.slots import warehouse_slots
    from orchestration.dbt_project import dbt_environment

    workspace = planned_workspace  # a good run came first
    # The public schemas are views onto the current slot (bookflow/slots.py): break its tables.
    slot, _ = warehouse_slots(workspace.warehouse)
    with duckdb.connect(str(workspace.warehouse)) as con:
        con.execute(f"update marts__{slot}.coverage_daily set worked_60d = null where tier = 1")
        # A second role for MM with another band: every role of a segment must share the band.
        con.execute(
            f"insert into rules__{slot}.segments select segment, 'AE', min_employees + 10, max_employees, description "
            f"from rules__{slot}.segments where segment = 'MM'"
        )

    with dbt_environment(str(workspace.warehouse), str(workspace.rules), slot=slot) as project:
        result = dbtRunner().invoke(
            [
                "test",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(paths.DBT_PROJECT_DIR),
                "--quiet",
                "--store-failures",
                "--target-path",
                str(tmp_path / "dbt_target"),
                "--select",
                "coverage_daily segments",
            ]
        )

    assert not result.success
    failed = {r.node.name: r.node.relation_name for r in result.result.results if str(r.status) == "fail"}
    assert {name.split("_coverage_daily")[0] for name in failed if "coverage_daily" in name} == {"not_null_columns"}
    assert [name for name in failed if name.startswith("ranges_do_not_overlap_segments")]
    (not_null_failures,) = [relation for name, relation in failed.items() if "coverage_daily" in name]
    # Not read-only: dbt-duckdb keeps this process's connection to the file open, and DuckDB
    # refuses a second one with another configuration.
    with duckdb.connect(str(workspace.warehouse)) as con:
        rows = con.execute(f"select distinct null_column from {not_null_failures}").fetchall()
    assert rows == [("worked_60d",)]
