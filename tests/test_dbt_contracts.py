"""The contracts sit where dbt users look for them, and say what bookflow's Python says.

Read from the manifest dbt parses (the one Dagster loads): every model has a key test, every mart
enforces its columns and types, every raw source declares its columns' types (those of
bookflow/contract.py) and its freshness on `_fivetran_synced`.
"""

from __future__ import annotations

import json

import pytest

from bookflow.contract import HUBSPOT_RAW_CONTRACT, OPTIONAL_COLUMNS, RAW_CONTRACT
from orchestration.dbt_project import bookflow_dbt_project

KEY_TESTS = {"primary_key", "unique_combination"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(bookflow_dbt_project.manifest_path.read_text())


def _tests_by_node(manifest: dict) -> dict[str, list[dict]]:
    tests: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):  # generic tests only
            tests.setdefault(node["attached_node"], []).append(node)
    return tests


def test_every_model_has_a_key_test(manifest):
    tests = _tests_by_node(manifest)
    models = [uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"]
    unkeyed = [
        uid
        for uid in models
        if not any(test.get("test_metadata", {}).get("name") in KEY_TESTS for test in tests.get(uid, []))
        # The coverage marts carry their own combined keys (unique_combination) or a unique column.
        and not any(test.get("test_metadata", {}).get("name") == "unique" for test in tests.get(uid, []))
    ]
    assert len(models) >= 45 and unkeyed == []


def test_only_key_tests_wait_for_the_full_build(manifest):
    """The daily run leaves out tests tagged build_only; `bookflow build` runs them. Only key tests
    of views and whole-account copies may be left out of the daily run, and each model still has
    one key test (or a copy of its rows keyed) every day."""
    left_out = [node for node in manifest["nodes"].values() if "build_only" in node.get("tags", [])]
    assert left_out and all(node["resource_type"] == "test" for node in left_out)
    assert {node["test_metadata"]["name"] for node in left_out} <= KEY_TESTS
    status = manifest["nodes"]["model.bookflow.account_status"]["unique_id"]
    daily_keys = [
        test
        for test in _tests_by_node(manifest)[status]
        if test["test_metadata"]["name"] == "primary_key" and "build_only" not in test["tags"]
    ]
    assert daily_keys


# Views for people (`bookflow explain`) over enforced marts: documented, not contracted.
EXPLANATION_VIEWS = {"account_explanations"}


def test_every_mart_enforces_its_columns_and_types(manifest):
    marts = [
        node for node in manifest["nodes"].values() if node["resource_type"] == "model" and node["schema"] == "marts"
    ]
    assert len(marts) >= 16
    for mart in marts:
        if mart["name"] in EXPLANATION_VIEWS:
            assert mart["config"]["materialized"] == "view"
            continue
        assert mart["config"]["contract"]["enforced"], mart["name"]
        assert mart["columns"] and all(column["data_type"] for column in mart["columns"].values()), mart["name"]


def test_no_mart_reads_the_raw_tables_through_views(manifest):
    """A run lands the raw tables before dbt builds its slot (bookflow/slots.py): a mart that is a
    view over views down to a raw table would show a failed run's input beside the last good
    run's marts. Only the sync ledger is read live: it holds what the CRM received."""
    nodes = manifest["nodes"]

    def live_sources(unique_id: str) -> set[str]:
        found = set()
        for parent in nodes[unique_id]["depends_on"]["nodes"]:
            if parent.startswith("source."):
                found.add(parent)
            elif nodes[parent]["resource_type"] == "model" and nodes[parent]["config"]["materialized"] == "view":
                found |= live_sources(parent)
        return found

    views = [
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "model" and node["schema"] == "marts" and node["config"]["materialized"] == "view"
    ]
    assert views
    live = {
        uid: sources for uid in views if (sources := live_sources(uid) - {"source.bookflow.reverse_etl.sync_ledger"})
    }
    assert live == {}


def test_raw_sources_declare_the_contracts_types_and_their_freshness(manifest):
    sources = {(node["schema"], node["identifier"]): node for node in manifest["sources"].values()}
    for schema, tables in RAW_CONTRACT.items():
        for table, columns in tables.items():
            source = sources[(schema, table)]
            # Optional columns (Account.Website) are read where the CRM has them.
            optional = OPTIONAL_COLUMNS.get((schema, table), ())
            declared = {name: column["data_type"] for name, column in source["columns"].items() if name not in optional}
            assert declared == columns, f"{schema}.{table}"
            assert source["loaded_at_field"] == "_fivetran_synced"
            assert source["freshness"]["warn_after"]["count"], f"{schema}.{table}"
    tested = {
        source
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        for source in node["depends_on"]["nodes"]
    }
    assert {"source.bookflow.salesforce.user", "source.bookflow.salesforce.opportunity"} <= tested


def test_hubspot_sources_declare_the_contracts_types(manifest):
    sources = {(node["schema"], node["identifier"]): node for node in manifest["sources"].values()}
    for schema, tables in HUBSPOT_RAW_CONTRACT.items():
        for table, columns in tables.items():
            optional = OPTIONAL_COLUMNS.get((schema, table), ())
            declared = {
                name: column["data_type"]
                for name, column in sources[(schema, table)]["columns"].items()
                if name not in optional
            }
            assert declared == columns, f"{schema}.{table}"
