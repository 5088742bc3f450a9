"""`bookflow build --target`: the demo's raw tables loaded into a warehouse, then `dbt build` there.

The same models, seeds and tests run on every target; only the profile target changes. dbt runs
in this process (dbtRunner) so that on Spark it shares the session the loader opened: in session
mode the catalog lives in this process's JVM.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bookflow import paths
from bookflow.targets import check_target_env


@dataclass
class BuildOutcome:
    target: str
    success: bool
    load_seconds: float = 0.0
    dbt_seconds: float = 0.0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    # (resource type, status) -> nodes, e.g. ("model", "success") -> 26
    results: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def format(self) -> str:
        kinds = sorted({kind for kind, _ in self.results})
        lines = [
            f"bookflow build on {self.target}: {'PASS' if self.success else 'FAIL'} "
            f"(load {self.load_seconds:.1f}s, dbt build {self.dbt_seconds:.1f}s)",
            f"  rows loaded  {sum(self.rows_loaded.values()):,} in {len(self.rows_loaded)} raw tables",
        ]
        for kind in kinds:
            by_status = ", ".join(f"{status} {n}" for (k, status), n in sorted(self.results.items()) if k == kind)
            lines.append(f"  {kind + 's':<12} {by_status}")
        lines += [f"  failed: {failure}" for failure in self.failures]
        return "\n".join(lines)


def run_build(
    target: str,
    crm_path: Path,
    *,
    as_of: date | None = None,
    warehouse_path: Path | None = None,
    rules_dir: Path | None = None,
    quiet: bool = True,
    unit_tests: bool = True,
) -> BuildOutcome:
    """Load the demo CRM into `target` and run `dbt build` (seeds, models, tests) there; without
    the unit tests if `unit_tests` is false."""
    from dbt.cli.main import dbtRunner

    from bookflow.load import load_demo
    from bookflow.slots import make_current, prepare_slot, warehouse_slots
    from bookflow.validation import check_rules
    from orchestration.dbt_project import dbt_environment, incremental_relations

    warehouse = Path(warehouse_path or paths.warehouse_path())
    rules = Path(rules_dir or paths.rules_dir())
    outcome = BuildOutcome(target=target, success=False)
    # On DuckDB the build goes into the slot no reader uses, as a cycle's does (bookflow/slots.py);
    # other warehouses are built in place.
    slot = warehouse_slots(warehouse)[1] if target == "duckdb" else None
    with dbt_environment(str(warehouse), str(rules), as_of, slot=slot):
        check_target_env(target)
        check_rules(rules)
        started = time.perf_counter()
        outcome.rows_loaded = load_demo(target, crm_path, warehouse)
        outcome.load_seconds = time.perf_counter() - started
        if slot:
            prepare_slot(warehouse, slot, incremental_relations())

        arguments = ["build", "--project-dir", str(paths.DBT_PROJECT_DIR), "--profiles-dir", str(paths.DBT_PROJECT_DIR)]
        # Each target keeps its own compiled files, so Dagster's manifest (target/) stays the DuckDB one.
        arguments += ["--target", target, "--target-path", f"target/build_{target}"]
        if quiet:
            arguments.append("--quiet")
        if not unit_tests:
            arguments += ["--exclude", "test_type:unit"]
        started = time.perf_counter()
        result = dbtRunner().invoke(arguments)
        outcome.dbt_seconds = time.perf_counter() - started

    if result.exception is not None:
        outcome.failures.append(f"dbt: {result.exception}")
    for node_result in getattr(result.result, "results", None) or []:
        node = node_result.node
        status = str(node_result.status)
        outcome.results[(node.resource_type, status)] += 1
        if status in ("error", "fail"):
            outcome.failures.append(f"{node.resource_type} {node.name}: {node_result.message}")
    outcome.success = bool(result.success) and not outcome.failures
    if outcome.success and slot:
        make_current(warehouse, slot, as_of or date.today())
    return outcome
