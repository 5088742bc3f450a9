"""The Dagster definitions load, expose the graph and checks, and materialize in-process."""

from __future__ import annotations

import os
import threading
import time

import dagster as dg
import duckdb
import pytest

from tests.conftest import AS_OF


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


@pytest.mark.cycle(seconds=20)
def test_materialize_every_asset_in_process(workspace):
    from orchestration.definitions import ALL_ASSETS
    from orchestration.extract_assets import LANDING_KEYS
    from orchestration.resources import build_resources
    from reverse_etl.duckdb_files import cycle_lock

    # Routing's early report asks for the cycle lock without waiting, all through the run, as
    # it would between hand raises. Nothing here takes the lock but the run's own resources.
    probes: list[tuple[float, bool]] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            with cycle_lock(workspace.warehouse, wait=False) as free:
                probes.append((time.time(), free))
            time.sleep(0.02)

    prober = threading.Thread(target=probe)
    prober.start()
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = dg.materialize(
            ALL_ASSETS,
            resources=build_resources(as_of=AS_OF),
            # Every asset but the pulls from the CRMs' APIs, which need a CRM (tests/test_crm_extract.py).
            selection=dg.AssetSelection.all()
            - dg.AssetSelection.assets(["reverse_etl", "sync_ledger"], *LANDING_KEYS.values()),
            instance=instance,
        )
    finally:
        done.set()
        prober.join()
    assert result.success

    # From the first step's start to the last step's end, the lock was never free: not even
    # between steps, where each one has closed the warehouse and the next has not opened it.
    steps = [
        entry.timestamp
        for entry in instance.all_logs(result.run_id)
        if entry.dagster_event and entry.dagster_event.event_type_value in ("STEP_START", "STEP_SUCCESS")
    ]
    during = [free for at, free in probes if min(steps) <= at <= max(steps)]
    assert len(during) > 50 and not any(during)
    with cycle_lock(workspace.warehouse, wait=False) as free:
        assert free, "the run released the lock when it ended"
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert {"salesforce/account", "marts/account_scores", "marts/rep_capacity", "reverse_etl/crm_sync"} <= materialized
    check_results = [event for event in result.all_events if event.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert check_results and all(event.event_specific_data.passed for event in check_results)
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.account_scores").fetchone()[0] > 1000


def test_old_dbt_target_folders_are_pruned_but_recent_ones_stay(tmp_path):
    from orchestration.dbt_project import prune_old_targets

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


def test_dbt_resource_skips_dagster_dbts_start_ups_and_still_knows_the_dbt_version(monkeypatch):
    import subprocess

    from dagster_dbt import DbtCliResource
    from packaging import version

    from orchestration.resources import BookflowDbtCli, build_resources

    # The overrides only count while dagster-dbt still has what they replace.
    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))
    dbt = build_resources()["dbt"]
    assert isinstance(dbt, BookflowDbtCli)
    reported = subprocess.run([dbt.dbt_executable, "--version"], capture_output=True, text=True, check=True).stdout

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"dbt started a subprocess before its call: {args}")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_subprocess)
    assert dbt._cli_version == version.parse(reported.split("installed:")[1].split()[0])
    assert dbt._initialize_dbt_core_adapter(["build"]) is None


def test_each_set_of_rules_is_read_from_its_own_unchanging_copy(tmp_path):
    import shutil

    from bookflow import paths
    from orchestration.dbt_project import dbt_environment

    def seed_path(rules) -> str:
        with dbt_environment(str(tmp_path / "warehouse.duckdb"), str(rules)):
            return os.environ["BOOKFLOW_DBT_SEED_PATH"]

    bundled = tmp_path / "bundled"
    shutil.copytree(paths.BUNDLED_RULES_DIR, bundled)
    edited = tmp_path / "edited"
    shutil.copytree(paths.BUNDLED_RULES_DIR, edited)
    with (edited / "settings.csv").open("a") as settings:
        settings.write("# an edit\n")

    first, again, other = seed_path(bundled), seed_path(bundled), seed_path(edited)
    # The same rules share one copy (and dbt one parse state); other rules, such as a simulation
    # running beside the daily run, get their own, so neither run can change what the other reads.
    assert first == again and other != first
    for copy, rules in ((first, bundled), (other, edited)):
        copied = paths.DBT_PROJECT_DIR / copy
        assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in rules.glob("*.csv"))
        assert all((copied / p.name).read_bytes() == p.read_bytes() for p in rules.glob("*.csv"))
