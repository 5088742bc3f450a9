"""`bookflow rules check DIR`: every problem in a rules directory at once, with file, line and column."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group("rules")
def rules() -> None:
    """Check a rules directory before a run uses it."""


@rules.command("check")
@click.argument("rules_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Also hold the rules against this warehouse: books without accounts, capacity against the ready pool.",
)
@click.option(
    "--crm",
    type=click.Choice(["salesforce", "hubspot"]),
    envvar="BOOKFLOW_CRM",
    default="salesforce",
    show_default=True,
    help="The CRM the rules run against (env BOOKFLOW_CRM); in HubSpot the pool needs no pool_owner_id.",
)
def check(rules_dir: Path, warehouse: Path | None, crm: str) -> None:
    """Print every error and warning as file:line:column; exit 1 when there is an error, else 0."""
    from bookflow.rules import review_rules

    problems = review_rules(rules_dir, warehouse=warehouse, crm=crm)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    click.echo(f"{rules_dir}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    sys.exit(1 if errors else 0)
