"""`bookflow publish` and `report`: what BI tools and people read."""

from __future__ import annotations

import sys

import click

from bookflow import paths
from bookflow.cli.options import absolute, warehouse_option


@click.command("publish")
@warehouse_option
@click.option(
    "--publish-dir",
    type=click.Path(file_okay=False),
    help=f"Where BI tools read (env {paths.PUBLISH_ENV}; default: <warehouse stem>_publish/ beside the warehouse).",
)
@click.option("--keep", type=click.IntRange(min=1), default=3, show_default=True, help="Versions to keep at least.")
def publish_command(warehouse, publish_dir, keep) -> None:
    """Publish the marts as Parquet plus a read-only DuckDB file of views, swapped atomically (`run` does it too)."""
    from bookflow.publish import PublishError, publish

    try:
        publication = publish(absolute(warehouse), absolute(publish_dir), keep=keep)
    except PublishError as error:
        click.echo(f"bookflow publish: {error}", err=True)
        sys.exit(1)
    click.echo(publication.format())


@click.command()
@warehouse_option
@click.option(
    "--database",
    type=click.Path(dir_okay=False),
    help="Read the marts from this DuckDB file instead of the warehouse (e.g. the published read-only copy).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="HTML file to write (default: <warehouse stem>_book_health_report.html beside the warehouse).",
)
def report(warehouse, database, out) -> None:
    """Write the book-health report: a self-contained HTML page of the coverage marts."""
    from bookflow.report import ReportError, default_report_path, write_report

    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    try:
        written = write_report(
            absolute(database) or warehouse_path, absolute(out) or default_report_path(warehouse_path)
        )
    except ReportError as error:
        click.echo(f"bookflow report: {error}", err=True)
        sys.exit(2)
    click.echo(written.format())
