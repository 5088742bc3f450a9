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


# all: every data test. one-per-kind: every singular test and one instance of each generic test
# (primary_key, not_null, accepted_values...): each test's SQL is the same macro whatever the model,
# so one instance proves it compiles and runs on a new warehouse, at a fraction of the statements.
DATA_TEST_CHOICES = ("all", "one-per-kind")


def _runner_and_exclusions(arguments: list[str], *, unit_tests: bool, data_tests: str) -> tuple[object, list[str]]:
    """The dbt runner for `arguments` and the selectors to leave out. Choosing among the data tests
    needs the project parsed first; the runner is then given that manifest, so dbt parses once."""
    from dbt.cli.main import dbtRunner

    if data_tests not in DATA_TEST_CHOICES:
        raise ValueError(f"data_tests must be one of {', '.join(DATA_TEST_CHOICES)}, not {data_tests!r}")
    excluded = [] if unit_tests else ["test_type:unit"]
    if data_tests == "all":
        return dbtRunner(), excluded
    parsed = dbtRunner().invoke(["parse", *arguments[1:]])
    if not parsed.success:
        return dbtRunner(), excluded  # the build fails the same way, and says why as any failed build does
    kept: set[str] = set()
    for node in sorted(parsed.result.nodes.values(), key=lambda node: node.unique_id):
        metadata = getattr(node, "test_metadata", None)
        if node.resource_type != "test" or metadata is None:
            continue  # models, seeds and singular tests all run
        if metadata.name in kept:
            excluded.append(node.name)
        kept.add(metadata.name)
    return dbtRunner(manifest=parsed.result), excluded


def run_build(
    target: str,
    crm_path: Path,
    *,
    as_of: date | None = None,
    warehouse_path: Path | None = None,
    rules_dir: Path | None = None,
    quiet: bool = True,
    unit_tests: bool = True,
    data_tests: str = "all",
) -> BuildOutcome:
    """Load the demo CRM into `target` and run `dbt build` (seeds, models, tests) there; without
    the unit tests if `unit_tests` is false, and with only one data test of each kind if
    `data_tests` is "one-per-kind" (DATA_TEST_CHOICES)."""
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
    with dbt_environment(str(warehouse), str(rules), as_of, slot=slot) as project:
        check_target_env(target)
        check_rules(rules)
        started = time.perf_counter()
        outcome.rows_loaded = load_demo(target, crm_path, warehouse)
        outcome.load_seconds = time.perf_counter() - started
        if slot:
            prepare_slot(warehouse, slot, incremental_relations())

        arguments = ["build", "--project-dir", str(project), "--profiles-dir", str(paths.DBT_PROJECT_DIR)]
        # Each target keeps its own compiled files (and parse state, whatever the rules), so
        # Dagster's manifest (target/) stays the DuckDB one.
        arguments += ["--target", target, "--target-path", str(paths.DBT_PROJECT_DIR / "target" / f"build_{target}")]
        if quiet:
            arguments.append("--quiet")
        started = time.perf_counter()
        runner, excluded = _runner_and_exclusions(arguments, unit_tests=unit_tests, data_tests=data_tests)
        if excluded:
            arguments += ["--exclude", " ".join(excluded)]
        result = runner.invoke(arguments)
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
