"""Every package bookflow's code imports is declared in pyproject.toml, pinned exactly as in constraints.txt.

A package that only arrives through another one can vanish or change under bookflow when that
one is upgraded; declaring it makes the dependency visible and its version deliberate.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

from bookflow import paths

RUNTIME_PACKAGES = ("bookflow", "orchestration", "reverse_etl")
FIRST_PARTY = {*RUNTIME_PACKAGES, "tests"}


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0]


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text())


def _imported_modules(folder: Path) -> dict[str, str]:
    """Top-level modules imported anywhere under `folder` (absolute imports), with one file importing each."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(paths.REPO_ROOT)))
    return found


@functools.cache
def _installed() -> dict[str, list[str]]:
    """Top-level module -> the distributions providing it (a scan of every installed one: once)."""
    return importlib.metadata.packages_distributions()


def _distributions(module: str) -> set[str]:
    """The distributions that provide a module; a module not installed (pyspark without the
    spark extra) is taken to be its own distribution's name."""
    provided = _installed().get(module)
    return {_normalized(name) for name in provided} if provided else {_normalized(module)}


def _undeclared(folders: tuple[str, ...], declared: set[str]) -> list[str]:
    problems = []
    for folder in folders:
        for module, where in sorted(_imported_modules(paths.REPO_ROOT / folder).items()):
            if module in sys.stdlib_module_names or module in FIRST_PARTY:
                continue
            if not _distributions(module) & declared:
                problems.append(f"{module} (imported in {where}; provided by {sorted(_distributions(module))})")
    return problems


def test_every_import_of_the_code_is_a_declared_dependency():
    project = _pyproject()["project"]
    # Runtime code may import an extra's package (pyspark) only behind the extra's own commands.
    declared = {_normalized(_name(req)) for req in project["dependencies"]}
    declared |= {_normalized(_name(req)) for req in project["optional-dependencies"]["spark"]}
    assert _undeclared(RUNTIME_PACKAGES, declared) == []


def test_every_import_of_the_tests_is_declared_with_the_dev_extra():
    project = _pyproject()["project"]
    declared = {
        _normalized(_name(req))
        for req in project["dependencies"]
        + [req for group in project["optional-dependencies"].values() for req in group]
    }
    assert _undeclared(("tests",), declared) == []


def test_every_dependency_is_pinned_exactly_and_as_in_constraints():
    project = _pyproject()["project"]
    requirements = project["dependencies"] + [
        req for group in project["optional-dependencies"].values() for req in group
    ]
    constraints = {}
    for line in (paths.REPO_ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("#")[0].strip().split("==")
            constraints[_normalized(name)] = version
    problems = []
    for requirement in requirements:
        name = _normalized(_name(requirement))
        pinned = re.search(r"==\s*([^\s;,]+)", requirement)
        if not pinned:
            problems.append(f"{requirement}: not pinned with ==")
        elif constraints.get(name) != pinned.group(1):
            problems.append(f"{requirement}: constraints.txt has {constraints.get(name)}")
    assert problems == []


def test_the_check_finds_an_undeclared_import(tmp_path, monkeypatch):
    # The check itself can fail: a module importing a package pyproject does not name.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("import click\nimport uvicorn.config\nfrom . import sibling\n")
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)
    problems = _undeclared(("pkg",), {"click"})
    assert [problem.split(" ")[0] for problem in problems] == ["uvicorn"]


@pytest.mark.xdist_group("grouped")
def test_pytest_xdist_keeps_a_group_on_one_worker(request):
    # tests/conftest.py makes each world's tests one group; a pytest or pytest-xdist that drops the
    # group (pyproject.toml's pin) would let readers wait minutes for another worker's making.
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@grouped"), request.node.nodeid
