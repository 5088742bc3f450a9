"""Operating bookflow: what the Dagster UI shows, and that `dg` accepts the project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from bookflow import paths


def test_every_asset_and_check_reads_in_the_ui():
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    problems = []
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        name = key.to_user_string()
        if not (node.description or "").strip():
            problems.append(f"{name}: no description")
        if "```sql" in (node.description or "") or "{{ ref(" in (node.description or ""):
            problems.append(f"{name}: SQL in its description")
        if node.group_name == "default":
            problems.append(f"{name}: in the default group")
        if not node.owners:
            problems.append(f"{name}: no owner")
    for check_key in graph.asset_check_keys:
        if not (graph.get_check_spec(check_key).description or "").strip():
            problems.append(f"check {check_key.name} on {check_key.asset_key.to_user_string()}: no description")
    assert problems == []
    # Each landed table carries its own description, not the extract's.
    descriptions = {graph.get(dg.AssetKey(["inbound", name])).description for name in ("cycles", "ownership_changes")}
    assert len(descriptions) == 2
    rule = graph.get_check_spec(
        dg.AssetCheckKey(dg.AssetKey(["marts", "rep_capacity"]), "assert_no_rep_pushed_over_capacity")
    )
    assert rule.description.startswith("Dealing never pushes a rep over capacity")


def test_dg_check_defs_accepts_the_project(tmp_path):
    dg_script = Path(sys.executable).parent / "dg"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
    checked = subprocess.run(
        [str(dg_script), "check", "defs"], cwd=paths.REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr
