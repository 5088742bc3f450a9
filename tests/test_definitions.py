"""The Dagster definitions load, expose the graph and checks, and materialize in-process."""

from __future__ import annotations

import dagster as dg
import duckdb

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
    check_names = {check.name for check in repository.asset_graph.asset_check_keys}
    assert "assert_no_idle_capacity_beside_ready_pool" in check_names
    assert "assert_no_rep_pushed_over_capacity" in check_names


def test_sync_runs_downstream_of_ownership_changes():
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    parents = graph.get(dg.AssetKey(["reverse_etl", "crm_sync"])).parent_keys
    assert dg.AssetKey(["marts", "ownership_changes"]) in parents


def test_materialize_every_asset_in_process(workspace):
    from orchestration.definitions import ALL_ASSETS
    from orchestration.resources import build_resources

    result = dg.materialize(
        ALL_ASSETS,
        resources=build_resources(as_of=AS_OF),
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(["reverse_etl", "sync_ledger"]),
    )
    assert result.success
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert {"salesforce/account", "marts/account_scores", "marts/rep_capacity", "reverse_etl/crm_sync"} <= materialized
    check_results = [event for event in result.all_events if event.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert check_results and all(event.event_specific_data.passed for event in check_results)
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.account_scores").fetchone()[0] > 1000
