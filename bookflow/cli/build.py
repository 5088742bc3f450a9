"""`bookflow build`: the demo loaded into a warehouse (DuckDB, Postgres, Spark), then dbt build there."""

from __future__ import annotations

import sys

import click

from bookflow import paths
from bookflow.build import DATA_TEST_CHOICES
from bookflow.cli.options import absolute, as_of_option, crm_option, rules_option, verbose_option, warehouse_option


@click.command()
@click.option(
    "--target",
    type=click.Choice(["duckdb", "postgres", "spark"]),
    default="duckdb",
    show_default=True,
    help="dbt profile target; postgres and spark read their connection from env vars (see docs/warehouses.md).",
)
@click.option("--accounts", type=int, default=5000, show_default=True, help="Accounts in the demo CRM.")
@click.option("--seed", type=int, default=42, show_default=True, help="Seed of the deterministic generator.")
@click.option("--fresh", is_flag=True, help="Regenerate the demo CRM even if it exists.")
@click.option(
    "--unit-tests/--no-unit-tests",
    default=True,
    show_default=True,
    help="Run dbt's unit tests too. They check the SQL's logic on fixed rows; where each statement "
    "has a high fixed cost (Spark), run them on a quicker warehouse instead.",
)
@click.option(
    "--data-tests",
    type=click.Choice(DATA_TEST_CHOICES),
    default="all",
    show_default=True,
    help="all: every data test (the rules of engagement). one-per-kind: every singular test and one "
    "instance of each generic test, enough to show that each test's SQL runs on a new warehouse.",
)
@as_of_option
@warehouse_option
@rules_option
@crm_option
@verbose_option
def build(target, accounts, seed, fresh, unit_tests, data_tests, as_of, warehouse, rules, crm, verbose) -> None:
    """Load the demo CRM into a warehouse and run dbt build (seeds, models, tests) there."""
    from bookflow.build import run_build
    from bookflow.demo_crm import generate_demo_crm
    from bookflow.targets import TargetConfigurationError, check_target_env
    from bookflow.validation import InputError

    try:
        # Say what is missing before minutes of generating and loading.
        if target != "duckdb":
            check_target_env(target)
    except TargetConfigurationError as error:
        click.echo(f"bookflow build: {error}", err=True)
        sys.exit(2)
    crm_path = absolute(crm) or paths.demo_crm_path()
    if fresh or not crm_path.exists():
        crm_path.parent.mkdir(parents=True, exist_ok=True)
        summary = generate_demo_crm(crm_path, accounts=accounts, seed=seed, as_of=as_of)
        click.echo(f"demo CRM: {summary.counts.get('salesforce.account', accounts):,} accounts in {crm_path}")
    else:
        click.echo(f"demo CRM: using {crm_path} (--fresh to regenerate)")
    try:
        outcome = run_build(
            target,
            crm_path,
            as_of=as_of,
            warehouse_path=absolute(warehouse),
            rules_dir=absolute(rules),
            quiet=not verbose,
            unit_tests=unit_tests,
            data_tests=data_tests,
        )
    except (TargetConfigurationError, InputError) as error:
        click.echo(f"bookflow build: {error}", err=True)
        sys.exit(2)
    click.echo(outcome.format())
    sys.exit(0 if outcome.success else 1)
