"""Portability: the same dbt project builds and tests the demo on DuckDB, Postgres and Spark.

The Postgres test runs against a real server. CI (.ci/run) starts one with scripts/ci_postgres.sh
and sets BOOKFLOW_REQUIRE_POSTGRES=1, so there a missing server fails the test instead of skipping
it; locally the test starts its own server with the same script. The Spark build takes minutes,
so it runs only with BOOKFLOW_TEST_SPARK=1, which CI sets after installing Spark
(scripts/setup_spark.sh; docs/warehouses.md).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from bookflow import paths
from bookflow.load import LEDGER_COLUMNS
from bookflow.targets import REQUIRED_ENV, SPARK_CATALOG_ENV
from tests.conftest import AS_OF
from tests.cycles import write_suite_rules

MARTS = ("ranked_assignments", "ownership_changes", "account_status", "account_scores", "rep_capacity", "quarantine")
CI_POSTGRES = paths.REPO_ROOT / "scripts" / "ci_postgres.sh"


def _bookflow(*args: str, env: dict[str, str] | None = None, timeout: float = 1800) -> subprocess.CompletedProcess:
    """The `bookflow` command in a fresh process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bookflow.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=paths.REPO_ROOT,
        timeout=timeout,
    )


def _build_arguments(target: str, workspace, *extra: str) -> tuple[str, ...]:
    return ("build", "--target", target, *workspace.cli_args(), "--rules", str(workspace.rules), *extra)


def _build(
    target: str, workspace, env: dict[str, str] | None = None, timeout: float = 1800
) -> subprocess.CompletedProcess:
    result = _bookflow(*_build_arguments(target, workspace), env=env, timeout=timeout)
    return _passed(target, result)


def _passed(target: str, result: subprocess.CompletedProcess, unit_tests: bool = True) -> subprocess.CompletedProcess:
    """`result` of a `bookflow build` on `target`, which must have run and passed every node (the
    unit tests too, unless the build was told to leave them out)."""
    assert result.returncode == 0, f"build on {target} failed:\n{result.stdout}\n{result.stderr}"
    assert f"bookflow build on {target}: PASS" in result.stdout
    # Every model, seed and test ran and passed: nothing skipped, nothing failed. Key tests on the
    # raw accounts warn: the demo CRM holds a duplicate id on purpose, which the models hold back.
    counts = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    for kind in ("models", "seeds", "tests", "unit_tests"):
        if kind == "unit_tests" and not unit_tests:
            assert kind not in counts, counts[kind]
            continue
        assert re.fullmatch(rf"\s*{kind}\s+(success|pass) \d+(, warn \d+)?", counts[kind]), counts[kind]
    return result


def load_manifest() -> dict:
    from orchestration.dbt_project import bookflow_dbt_project, prepare_manifest

    prepare_manifest()
    return json.loads(bookflow_dbt_project.manifest_path.read_text())


def _data_test_kinds() -> int:
    """Singular data tests, and generic ones counted once per kind (the project's manifest)."""
    manifest = load_manifest()
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    singular = [node for node in tests if not node.get("test_metadata")]
    return len(singular) + len({node["test_metadata"]["name"] for node in tests if node.get("test_metadata")})


def _normalised(rows) -> list[tuple]:
    """Rows compared across warehouses: floats to 6 places, numerics as floats, sorted."""

    def value(item):
        if isinstance(item, Decimal):
            item = float(item)
        if isinstance(item, float):
            return round(item, 6)
        if isinstance(item, datetime):
            return item.replace(tzinfo=None)
        return item

    return sorted((tuple(value(item) for item in row) for row in rows), key=repr)


def _duckdb_marts(warehouse: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = {}
        for table in MARTS:
            columns = [row[0] for row in con.execute(f"describe marts.{table}").fetchall()]
            marts[table] = (columns, _normalised(con.execute(f"select * from marts.{table}").fetchall()))
    return marts


@pytest.fixture(scope="module")
def duckdb_marts(first_cycle: Path) -> dict:
    """The marts of the session's first cycle on DuckDB (the test demo at AS_OF, the suite's
    rules), which every other warehouse's build of the same demo and rules must equal: the marts
    are built before the sync, which writes only the ledger."""
    expected = _duckdb_marts(first_cycle / "warehouse.duckdb")
    assert expected["ranked_assignments"][1], "the DuckDB build dealt no account: nothing to compare"
    change_types = {
        row[expected["ownership_changes"][0].index("change_type")] for row in expected["ownership_changes"][1]
    }
    assert {"retrieve", "return", "distribute"} <= change_types <= {"retrieve", "return", "distribute", "handoff"}
    return expected


@pytest.fixture
def suite_workspace(workspace):
    """workspace with the rules the session's first cycle ran, so that a build of its demo must
    equal duckdb_marts."""
    shutil.rmtree(workspace.rules)
    write_suite_rules(workspace.rules)
    return workspace


def _assert_same_marts(expected: dict, fetch) -> None:
    """`fetch(table, columns)` returns one warehouse's rows; each mart must equal DuckDB's."""
    for table, (columns, rows) in expected.items():
        assert _normalised(fetch(table, columns)) == rows, f"marts.{table} differs from the DuckDB build"


# -- configuration -------------------------------------------------------------------------------------------


def test_required_env_lists_exactly_the_profile_vars_without_default():
    profile = (paths.DBT_PROJECT_DIR / "profiles.yml").read_text()
    outputs = re.split(r"^    (\w+):\n", profile, flags=re.MULTILINE)[1:]
    found = {}
    for name, body in zip(outputs[::2], outputs[1::2], strict=True):
        found[name] = set(re.findall(r"env_var\('(\w+)'\)", body))
    assert found == {target: set(variables) for target, variables in REQUIRED_ENV.items()}


@pytest.mark.parametrize("target", ["postgres", "spark"])
def test_build_names_every_missing_connection_setting_before_any_work(tmp_path, target):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BOOKFLOW_PG_", "BOOKFLOW_SPARK_"))}
    crm = tmp_path / "demo_crm.duckdb"
    result = _bookflow("build", "--target", target, "--crm", str(crm), env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    for variable in REQUIRED_ENV[target]:
        assert variable in result.stderr
    assert not crm.exists(), "the demo was generated although the target could not be used"


def test_an_unknown_spark_catalog_is_named_before_any_work(tmp_path):
    env = {**os.environ, "BOOKFLOW_SPARK_DIR": str(tmp_path / "spark"), SPARK_CATALOG_ENV: "memory"}
    crm = tmp_path / "demo_crm.duckdb"
    result = _bookflow("build", "--target", "spark", "--crm", str(crm), env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "BOOKFLOW_SPARK_CATALOG is 'memory': choose hive or in-memory" in result.stderr
    assert not crm.exists()


def test_ledger_columns_for_other_warehouses_match_the_duckdb_ledger():
    from reverse_etl.ledger import ensure_ledger

    with duckdb.connect() as con:
        ensure_ledger(con)
        described = con.execute("describe reverse_etl.sync_ledger").fetchall()
    assert tuple((name, kind.lower()) for name, kind, *_ in described) == LEDGER_COLUMNS


# -- DuckDB --------------------------------------------------------------------------------------------------


def test_every_unit_test_passes_on_duckdb(cycled_workspace, tmp_path):
    """The dbt unit tests (rule logic on hand-written rows), on DuckDB. Daily runs leave them out;
    dbt reads the columns of the relations a unit test's model reads, which the session's first
    cycle built in the warehouse's current slot. dbt starts as a daily run starts it, from the
    parse state that run kept for this warehouse name and slot (its parse is partial)."""
    from bookflow.slots import warehouse_slots
    from orchestration.dbt_project import dbt_environment, dbt_executable
    from orchestration.parse_states import seed_parse_state

    workspace = cycled_workspace
    current, _ = warehouse_slots(workspace.warehouse)
    target = tmp_path / "dbt_target"
    seed_parse_state(target, workspace.warehouse, current)
    project = str(paths.DBT_PROJECT_DIR)
    # dbt runs in the rules' own project, as a daily run's dbt does (bookflow-dbt).
    with dbt_environment(str(workspace.warehouse), str(workspace.rules), AS_OF, slot=current):
        result = subprocess.run(
            [dbt_executable(), "test", "--select", "test_type:unit", "--profiles-dir", project,
             "--target-path", str(target)],
            capture_output=True, text=True, cwd=project, timeout=600,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unable to do partial parsing" not in result.stdout, result.stdout
    ran = json.loads((target / "run_results.json").read_text())["results"]
    assert {row["status"] for row in ran} == {"pass"}
    declared = load_manifest()["unit_tests"]
    assert sorted(row["unique_id"] for row in ran) == sorted(declared) and len(declared) >= 20


# -- Postgres ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_env():
    """Connection env vars of a Postgres server: the one CI started, or one started here."""
    variables = REQUIRED_ENV["postgres"]
    if all(os.environ.get(name) for name in variables):
        yield {name: os.environ[name] for name in variables}
        return
    started = subprocess.run(["bash", str(CI_POSTGRES), "start"], capture_output=True, text=True, timeout=900)
    if started.returncode != 0:
        message = f"no Postgres server: {CI_POSTGRES.name} failed:\n{started.stderr}"
        if os.environ.get("BOOKFLOW_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    exported = dict(re.findall(r"^export (\w+)=(.*)$", started.stdout, flags=re.MULTILINE))
    try:
        yield exported
    finally:
        subprocess.run(["bash", str(CI_POSTGRES), "stop", exported["BOOKFLOW_PG_DATA_DIR"]], timeout=120)


@pytest.mark.long(seconds=60)  # `bookflow build`: a load and a dbt build, no cycle
def test_demo_builds_on_postgres_with_the_same_results_as_duckdb(suite_workspace, postgres_env, duckdb_marts):
    workspace = suite_workspace
    import psycopg2

    _build("postgres", workspace, env={**os.environ, **postgres_env})

    connection = psycopg2.connect(
        host=postgres_env["BOOKFLOW_PG_HOST"],
        port=int(postgres_env["BOOKFLOW_PG_PORT"]),
        user=postgres_env["BOOKFLOW_PG_USER"],
        password=postgres_env["BOOKFLOW_PG_PASSWORD"],
        dbname=postgres_env["BOOKFLOW_PG_DATABASE"],
    )
    try:
        with connection.cursor() as cursor:

            def fetch(table, columns):
                cursor.execute(f"select {', '.join(columns)} from marts.{table}")
                return cursor.fetchall()

            _assert_same_marts(duckdb_marts, fetch)
            # Every table the load and the build wrote was analyzed by them, not left to autovacuum
            # (its runs set last_autoanalyze): Postgres planned each model with statistics.
            cursor.execute(
                "select schemaname || '.' || relname from pg_stat_user_tables "
                "where schemaname in ('salesforce', 'signals', 'rules', 'reference', 'staging', 'intermediate', 'marts') "
                "and last_analyze is null order by 1"
            )
            assert cursor.fetchall() == []
            # The loader left the ledger empty, with the DuckDB ledger's columns.
            cursor.execute("select count(*) from reverse_etl.sync_ledger")
            assert cursor.fetchone()[0] == 0
            cursor.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'reverse_etl' and table_name = 'sync_ledger' order by ordinal_position"
            )
            assert tuple(row[0] for row in cursor.fetchall()) == tuple(name for name, _ in LEDGER_COLUMNS)
    finally:
        connection.close()


# -- Spark ---------------------------------------------------------------------------------------------------

# `bookflow build` as the command line runs it, then the marts read as a user would, through
# Spark's catalog (two of them are views, which have no files of their own), in the same process:
# in session mode the catalog lives in the build's JVM, and a second JVM to read it costs a start
# and a metastore opening. argv: the marts to read (JSON), the file their columns and rows go to,
# then the build's arguments.
_SPARK_BUILD_THEN_READ = """
import json, pickle, sys
from bookflow.cli import main

wanted, read = sys.argv[1], sys.argv[2]
try:
    main(sys.argv[3:], prog_name="bookflow")
except SystemExit as stop:
    if stop.code:
        raise
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
marts = {}
for table in json.loads(open(wanted).read()):
    frame = spark.table(f"marts.{table}")
    marts[table] = (frame.columns, [tuple(row) for row in frame.collect()])
open(read, "wb").write(pickle.dumps(marts))
"""


@pytest.mark.long(seconds=150)  # `bookflow build`: a load and a dbt build, no cycle
@pytest.mark.skipif(os.environ.get("BOOKFLOW_TEST_SPARK") != "1", reason="minutes long: set BOOKFLOW_TEST_SPARK=1")
def test_demo_builds_on_spark_with_the_same_results_as_duckdb(suite_workspace, tmp_path, request):
    # The DuckDB marts to compare with are asked for after the build: the longest test of the
    # suite starts at once instead of waiting for the session's first cycle.
    workspace = suite_workspace
    try:
        import pyspark  # noqa: F401
    except ImportError:
        # Asked for (CI sets BOOKFLOW_TEST_SPARK=1 after scripts/setup_spark.sh): a missing Spark fails.
        pytest.fail("BOOKFLOW_TEST_SPARK=1 but pyspark is not installed: bash scripts/setup_spark.sh")

    spark_dir = tmp_path / "spark"
    wanted = tmp_path / "columns.json"
    wanted.write_text(json.dumps(list(MARTS)))
    read = tmp_path / "marts.pickle"
    command = [sys.executable, "-c", _SPARK_BUILD_THEN_READ, str(wanted), str(read)]
    # It takes minutes in CI: a Spark that hangs (a locked metastore) fails the run early.
    result = subprocess.run(
        # dbt's unit tests check logic on fixed rows, the same on every warehouse; they run on DuckDB
        # and Postgres, while on Spark each one pays Spark's fixed cost per statement several times.
        # So do the data tests: each generic test is one macro whatever the model, and one instance
        # of each proves its SQL on Spark (the marts are compared with DuckDB's below).
        [*command, *_build_arguments("spark", workspace, "--no-unit-tests", "--data-tests", "one-per-kind")],
        capture_output=True,
        text=True,
        # The catalog in the session alone: the marts are read in the same process, and Hive's
        # metastore (Derby) took a fifth of the build's CPU (docs/warehouses.md).
        env={**os.environ, "BOOKFLOW_SPARK_DIR": str(spark_dir), SPARK_CATALOG_ENV: "in-memory"},
        cwd=paths.REPO_ROOT,
        timeout=900,
    )
    _passed("spark", result, unit_tests=False)
    # dbt-spark's lookups of relations not built yet are not errors worth a stack trace each.
    assert "TABLE_OR_VIEW_NOT_FOUND" not in result.stdout + result.stderr
    tests_run = re.search(r"^  tests +pass (\d+)(?:, warn (\d+))?$", result.stdout, re.MULTILINE)
    assert sum(int(count or 0) for count in tests_run.groups()) == _data_test_kinds(), result.stdout
    # The tables are where BOOKFLOW_SPARK_DIR says; with the catalog in memory there is no metastore.
    assert (spark_dir / "warehouse" / "marts.db" / "ranked_assignments").is_dir()
    assert not (spark_dir / "metastore_db").exists()

    marts = pickle.loads(read.read_bytes())

    def fetch(table, columns):
        spark_columns, rows = marts[table]
        assert sorted(spark_columns) == sorted(columns), f"marts.{table}: other columns on Spark"
        at = [spark_columns.index(column) for column in columns]
        return [tuple(row[index] for index in at) for row in rows]

    _assert_same_marts(request.getfixturevalue("duckdb_marts"), fetch)
