"""Operating bookflow: what the Dagster UI shows, and that `dg` accepts the project."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

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


DEPLOY = paths.REPO_ROOT / "deploy"
INSTALL_ROOT = "/opt/bookflow"  # the placeholder the unit files use for the checkout


def _unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys (a key may repeat), with the placeholder checkout replaced by this one."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            keys.setdefault(key, []).append(value.replace(INSTALL_ROOT, str(paths.REPO_ROOT)))
    return keys


def test_the_service_units_run_commands_that_exist():
    for name in ("bookflow-daemon.service", "bookflow-webserver.service"):
        unit = _unit(name)
        assert unit["Environment"] == [f"DAGSTER_HOME={paths.REPO_ROOT}/data/dagster"], name
        for command in unit.get("ExecStartPre", []) + unit["ExecStart"]:
            words = command.lstrip("-").split()
            assert Path(words[0]).exists(), f"{name}: {words[0]} is not installed"
            if "-w" in words:
                assert Path(words[words.index("-w") + 1]).exists()
        assert "/deploy/workspace.yaml" in unit["ExecStart"][0]


@pytest.mark.long(seconds=20)  # the daemon's start, no cycle
def test_the_daemon_starts_on_the_instance_and_runs_the_schedule_and_sensors(tmp_path, empty_workspace):
    from orchestration.instance import prepare_dagster_home

    home = prepare_dagster_home(tmp_path / "dagster")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    bin_dir = Path(sys.executable).parent
    workspace = str(DEPLOY / "workspace.yaml")
    started = subprocess.run(
        [str(bin_dir / "dagster"), "schedule", "start", "daily_allocation", "-w", workspace],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert started.returncode == 0 and "Started schedule daily_allocation" in started.stdout, started.stderr

    log_path = tmp_path / "daemon.log"
    with open(log_path, "w") as log:
        daemon = subprocess.Popen(
            [str(bin_dir / "dagster-daemon"), "run", "-w", workspace], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
    # The daemon evaluates its sensors one after another: wait for each to have been evaluated.
    wanted = ("SchedulerDaemon", "Sensor inbound_hand_raises skipped", "alert_on_run_failure")
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not all(text in log_path.read_text() for text in wanted):
            assert daemon.poll() is None, log_path.read_text()
            time.sleep(1)
    finally:
        daemon.send_signal(signal.SIGINT)
        daemon.wait(timeout=60)
    log = log_path.read_text()
    # The daemon loaded the code location from the workspace file and evaluated its sensors on the instance.
    assert all(text in log for text in wanted), log


def test_doctor_reports_each_part_and_fails_on_what_would_break_a_run(empty_workspace, dagster_home, monkeypatch):
    from click.testing import CliRunner

    from bookflow.cli import main

    for variable in [name for name in os.environ if name.startswith(("SALESFORCE_", "HUBSPOT_"))]:
        monkeypatch.delenv(variable)
    healthy = CliRunner().invoke(main, ["doctor"])
    assert healthy.exit_code == 0, healthy.output
    assert f"ok    rules              {empty_workspace.rules} is valid" in healthy.output
    assert f"ok    Dagster instance   {dagster_home}" in healthy.output and (dagster_home / "dagster.yaml").exists()
    assert f"warn  warehouse          {empty_workspace.warehouse} does not exist yet" in healthy.output
    assert healthy.output.rstrip().endswith("bookflow doctor: ready")

    (empty_workspace.rules / "reps.csv").write_text("rep_id\n")
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "never-shown-42")
    broken = CliRunner().invoke(main, ["doctor"])
    assert broken.exit_code == 1
    assert "FAIL  rules" in broken.output and "reps.csv" in broken.output
    assert "FAIL  Salesforce         environment variable SALESFORCE_INSTANCE_URL is not set" in broken.output
    assert "never-shown-42" not in broken.output
