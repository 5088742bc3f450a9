"""Reviewing a rules directory: every problem at once, each with file, line and column.

`review_rules` returns errors (the run cannot use the rules) and warnings (it can, but probably
not as meant); `bookflow rules check DIR` prints them and `bookflow.validation.check_rules` raises
on the errors. Modules: `files` (reading with positions, value types), `checks` (errors across
files), `warnings` (warnings, optionally against a warehouse).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from bookflow.rules import checks
from bookflow.rules.availability import check_availability
from bookflow.rules.files import Problem, read_rules
from bookflow.rules.warnings import rules_warnings, warehouse_warnings

__all__ = ["Problem", "required_sdr_owner_column", "review_rules", "setting_value"]


def review_rules(
    rules_dir: Path, *, warehouse: Path | None = None, today: date | None = None, crm: str = "salesforce"
) -> list[Problem]:
    """Every error and warning in `rules_dir`; with `warehouse`, also what its data says of the rules.
    `crm` is the CRM the rules run against (in HubSpot the pool needs no pool_owner_id)."""
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        return [Problem(str(rules_dir), "rules directory does not exist")]
    problems: list[Problem] = []
    tables = read_rules(rules_dir, problems)
    checks.check_keys(tables, problems)
    bands = []
    if "segments.csv" in tables:
        bands = checks.segment_bands(tables["segments.csv"], problems)
        checks.check_ranges(tables["segments.csv"], bands, "min_employees", "max_employees", problems)
    if "fit_bands.csv" in tables:
        bands_table = tables["fit_bands.csv"]
        checks.check_ranges(bands_table, bands_table.rows, "min_value", "max_value", problems, "attribute")
    settings = checks.check_settings(tables["settings.csv"], problems, crm) if "settings.csv" in tables else {}
    checks.check_roles(tables, settings, problems)
    checks.check_roster(tables, problems)
    checks.check_thresholds(tables, problems)
    check_availability(tables, problems)
    problems += rules_warnings(tables, bands, today or date.today())
    if warehouse is not None and not any(problem.severity == "error" for problem in problems):
        problems += warehouse_warnings(rules_dir, Path(warehouse))
    return problems


def setting_value(rules_dir: Path, name: str) -> str | None:
    """One setting of settings.csv as written (None when absent or empty)."""
    with (Path(rules_dir) / "settings.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row.get("setting") or "").strip() == name:
                return (row.get("value") or "").strip() or None
    return None


def required_sdr_owner_column(rules_dir: Path) -> str | None:
    """The SDR owner column the raw accounts must have: the one settings.csv names, when a rep of
    the roster has a role writing the SDR field (roles.csv); None when no rep needs it."""
    column = setting_value(rules_dir, "sdr_owner_column")
    roles_file = Path(rules_dir) / "roles.csv"
    if not column or not roles_file.exists():
        return None
    with roles_file.open(newline="", encoding="utf-8") as handle:
        sdr_roles = {
            (row.get("role") or "").strip()
            for row in csv.DictReader(handle)
            if (row.get("owner_field") or "").strip() == "sdr"
        }
    with (Path(rules_dir) / "reps.csv").open(newline="", encoding="utf-8") as handle:
        needed = any((row.get("role") or "").strip() in sdr_roles for row in csv.DictReader(handle))
    return column if needed else None
