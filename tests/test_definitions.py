"""The Dagster definitions load, expose the graph and checks, and materialize in-process."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg
import duckdb

from bookflow import paths
from tests.conftest import AS_OF
from tests.publication import versions

STEP_EDGES = (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS)


def test_definitions_load_with_job_schedule_and_rule_checks():
    from orchestration.definitions import defs

    repository = defs.get_repository_def()
    assert defs.resolve_job_def("allocation_cycle") is not None
    assert [schedule.name for schedule in defs.schedules] == ["daily_allocation"]
    keys = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    for key in (
        "salesforce/account",
        "marts/account_status",
        "marts/ranked_assignments",
        "marts/ownership_changes",
        "reverse_etl/crm_sync",
    ):
        assert key in keys
    # A run the daemon starts on the schedule holds the cycle lock for all its steps, as
    # `bookflow run` does: every asset it may run asks for the lock, and one process runs them all.
    cycle_job = defs.resolve_job_def("allocation_cycle")
    assert cycle_job.executor_def is dg.in_process_executor
    for node in cycle_job.graph.node_defs:
        assert "cycle_lock" in node.required_resource_keys, node.name
    check_names = {check.name for check in repository.asset_graph.asset_check_keys}
    assert "assert_no_idle_capacity_beside_ready_pool" in check_names
    assert "assert_no_rep_pushed_over_capacity" in check_names


def test_each_crm_has_its_pull_and_the_extract_publishes_its_tables():
    """landing/salesforce and landing/hubspot pull from the CRMs' APIs; crm_extract publishes the
    raw tables of both (the cycle selects the pull of its source, the daily job neither)."""
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    for crm, table in (("salesforce", "account"), ("hubspot", "company")):
        assert dg.AssetKey(["landing", crm]) in graph.get(dg.AssetKey([crm, table])).parent_keys
    assert graph.get(dg.AssetKey(["salesforce", "account_history"])) is not None
    daily = {node.name for node in defs.resolve_job_def("allocation_cycle").graph.node_defs}
    assert "crm_extract" in daily and not daily & {"salesforce_landing", "hubspot_landing"}


def test_sync_runs_downstream_of_ownership_changes():
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    parents = graph.get(dg.AssetKey(["reverse_etl", "crm_sync"])).parent_keys
    assert dg.AssetKey(["marts", "ownership_changes"]) in parents


def test_a_run_holds_the_cycle_lock_from_its_first_step_to_its_last_and_materializes_every_asset(first_cycle):
    """The session's first cycle (`bookflow run`: the allocation_cycle job over every asset, in
    process) as its Dagster instance recorded it, and as a router asking for the cycle lock
    without waiting every 20 ms all through it saw it (tests/cycles.py)."""
    from reverse_etl.duckdb_files import cycle_lock
    from tests.cycles import LOCK_PROBES

    warehouse = first_cycle / "warehouse.duckdb"
    instance = dg.DagsterInstance.from_config(str(first_cycle / "dagster_home"))
    [run] = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    events = [entry for entry in instance.all_logs(run.run_id) if entry.dagster_event]

    # From the first step's start to the last step's end, the lock was never free: not even
    # between steps, where each one has closed the warehouse and the next has not opened it.
    steps = [entry.timestamp for entry in events if entry.dagster_event_type in STEP_EDGES]
    probes = [json.loads(line) for line in (first_cycle / LOCK_PROBES).read_text().splitlines()]
    during = [probe["free"] for probe in probes if min(steps) <= probe["at"] <= max(steps)]
    assert len(during) > 50 and not any(during)
    # The run let go of it when it ended, and nobody holds it since.
    assert probes[-1]["at"] > max(steps) and probes[-1]["free"], "the run released the lock when it ended"
    with cycle_lock(warehouse, wait=False) as free:
        assert free
    materialized = {
        entry.dagster_event.asset_key.to_user_string()
        for entry in events
        if entry.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    }
    assert {"salesforce/account", "marts/account_scores", "marts/rep_capacity", "reverse_etl/crm_sync"} <= materialized
    # HubSpot's staging is not the CRM in use: its views would read empty stand-ins, so the run
    # neither planned nor built them (nor their checks, below).
    assert "staging/stg_salesforce__accounts" in materialized
    assert not {key for key in materialized if key.startswith("staging/stg_hubspot__")}
    checks = [
        entry.dagster_event.event_specific_data
        for entry in events
        if entry.dagster_event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    assert checks and all(check.passed for check in checks)
    # Every check the run planned was evaluated: none stays "not evaluated" in the UI (dbt tests
    # that only `bookflow build` runs are no checks).
    planned = {
        entry.dagster_event.event_specific_data.asset_check_key
        for entry in events
        if entry.dagster_event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    }
    assert planned == {check.asset_check_key for check in checks}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.account_scores").fetchone()[0] > 1000


def test_the_steps_after_the_build_materialize_outside_the_cycle_job(cycled_workspace):
    """What Materialize in the UI does outside the allocation_cycle job: Dagster's own asset job
    over ALL_ASSETS with build_resources' resources, without `bookflow run`'s progress hooks, in
    an in-memory instance. The steps after the dbt build are enough (the whole cycle is the test
    above), on the warehouse the first cycle left: the sync finds nothing new to apply, the marts
    are published again, the report is drawn again, and inbound routing, which the daily job
    leaves out, runs in the same run."""
    from orchestration.definitions import ALL_ASSETS
    from orchestration.inbound_assets import INBOUND_ROUTES_KEY
    from orchestration.resources import build_resources
    from reverse_etl.duckdb_files import cycle_lock

    after_build = [
        dg.AssetKey(["reverse_etl", "crm_sync"]),
        dg.AssetKey(["bi", "published_marts"]),
        dg.AssetKey(["bi", "book_health_report"]),
        INBOUND_ROUTES_KEY,
    ]
    result = dg.materialize(
        ALL_ASSETS,
        resources=build_resources(as_of=AS_OF),
        selection=after_build,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    assert {event.asset_key for event in result.get_asset_materialization_events()} == set(after_build)
    [sync] = [event for event in result.get_asset_materialization_events() if event.asset_key == after_build[0]]
    assert sync.materialization.metadata["planned"].value == 0
    assert len(versions(paths.publish_dir(cycled_workspace.warehouse))) == 2
    with cycle_lock(cycled_workspace.warehouse, wait=False) as free:
        assert free, "the run released the lock when it ended"


def test_old_dbt_target_folders_are_pruned_but_recent_ones_stay(tmp_path):
    from orchestration.parse_states import prune_old_targets

    now = time.time()
    folders = []
    for age_hours in range(14):  # index 0 is the newest
        folder = tmp_path / f"allocation_dbt_assets-{age_hours:07x}-abcdef0"
        folder.mkdir()
        os.utime(folder, (now - age_hours * 3600 - 60, now - age_hours * 3600 - 60))
        folders.append(folder)
    other = tmp_path / "some_other_assets-0000000-0000000"
    other.mkdir()
    os.utime(other, (now - 99 * 3600, now - 99 * 3600))

    removed = prune_old_targets(folders[0], keep=10, min_age_s=3600)

    assert sorted(removed) == sorted(folders[10:])
    assert all(folder.exists() for folder in folders[:10]) and other.exists()
    # Young folders stay even beyond `keep`: another run may still be writing them.
    assert prune_old_targets(folders[0], keep=1, min_age_s=10 * 3600) == []
    assert all(folder.exists() for folder in folders[:10])


def test_parse_states_used_lately_stay_beyond_the_newest_twenty(tmp_path, monkeypatch):
    """A sweep over 25 warehouses today must not evict the state yesterday's daily run left."""
    from orchestration.parse_states import PARSE_STATE_DIR, PARTIAL_PARSE_FILE, keep_parse_state

    monkeypatch.setattr(paths, "DBT_PROJECT_DIR", tmp_path)
    states = tmp_path / PARSE_STATE_DIR
    states.mkdir(parents=True)
    now = time.time()
    ages_h = [1] * 25 + [30] + [50] * 5  # today's sweep, yesterday's daily run, older ones
    for number, age_h in enumerate(ages_h):
        state = states / f"{number:016x}.blue.msgpack"
        state.write_bytes(b"state")
        os.utime(state, (now - age_h * 3600, now - age_h * 3600))
    target = tmp_path / "target" / "allocation_dbt_assets-0000000-0000000"
    target.mkdir()
    (target / PARTIAL_PARSE_FILE).write_bytes(b"new state")

    keep_parse_state(target, tmp_path / "warehouse.duckdb", "green")

    left = {state.name for state in states.iterdir()}
    assert {f"{number:016x}.blue.msgpack" for number in range(26)} <= left
    assert not {f"{number:016x}.blue.msgpack" for number in range(26, 31)} & left
    assert len(left) == 27  # and the new one


def test_the_dbt_resource_runs_bookflow_dbt_which_reports_the_versions_dbt_reports():
    """dagster-dbt asks the executable for its version before each dbt call: bookflow-dbt answers
    from the installed packages (in milliseconds) what dbt's own `--version` says of them."""
    import re
    import subprocess
    import sys

    from dagster_dbt import DbtCliResource

    from orchestration.resources import build_resources

    dbt = build_resources()["dbt"]
    assert isinstance(dbt, DbtCliResource)
    assert Path(dbt.dbt_executable) == Path(sys.executable).parent / "bookflow-dbt"

    def installed(executable: str) -> dict[str, str]:
        said = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True).stdout
        core = re.search(r"installed:\s*(\S+)", said)[1]
        plugins = dict(re.findall(r"^\s+- (duckdb|postgres|spark):\s+(\S+)", said, re.MULTILINE))
        return {"core": core, **plugins}

    ours, dbts = installed(dbt.dbt_executable), installed(str(Path(sys.executable).parent / "dbt"))
    assert ours == dbts and "duckdb" in ours


def test_each_set_of_rules_is_read_from_its_own_unchanging_project(tmp_path):
    import shutil

    from bookflow import paths
    from orchestration.dbt_project import dbt_environment

    def project(rules) -> Path:
        with dbt_environment(str(tmp_path / "warehouse.duckdb"), str(rules)) as folder:
            assert os.environ["BOOKFLOW_DBT_PROJECT_DIR"] == str(folder)
            return folder

    bundled = tmp_path / "bundled"
    shutil.copytree(paths.BUNDLED_RULES_DIR, bundled)
    edited = tmp_path / "edited"
    shutil.copytree(paths.BUNDLED_RULES_DIR, edited)
    with (edited / "settings.csv").open("a") as settings:
        settings.write("# an edit\n")

    first, again, other = project(bundled), project(bundled), project(edited)
    # The same rules share one project; other rules, such as a simulation running beside the daily
    # run, get their own, so neither run can change what the other reads.
    assert first == again and other != first
    for folder, rules in ((first, bundled), (other, edited)):
        seeds = folder / "seeds"
        assert sorted(p.name for p in seeds.iterdir()) == sorted(p.name for p in rules.glob("*.csv"))
        assert all((seeds / p.name).read_bytes() == p.read_bytes() for p in rules.glob("*.csv"))
        # Everything else is dbt_project/'s own, so both projects parse as one (the same seed path).
        for name in ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "reference"):
            assert (folder / name).is_symlink() and (folder / name).resolve() == paths.DBT_PROJECT_DIR / name
        assert not (folder / "target").exists()
