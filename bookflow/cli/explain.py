"""`bookflow explain`: why an account is where it is."""

from __future__ import annotations

import sys

import click

from bookflow.cli.options import absolute, as_of_option, warehouse_option


@click.command()
@click.argument("account_id")
@as_of_option
@warehouse_option
def explain(account_id, as_of, warehouse) -> None:
    """Why ACCOUNT_ID is where it is: status and reason, scores and their parts, book, rank and
    round, this run's change and its rule, owner history (from marts.account_explanations)."""
    from bookflow.explain import ExplainError
    from bookflow.explain import explain as explain_account

    try:
        explanation = explain_account(account_id, warehouse=absolute(warehouse), as_of=as_of)
    except ExplainError as error:
        click.echo(f"bookflow explain: {error}", err=True)
        sys.exit(1)
    click.echo(explanation.format())
