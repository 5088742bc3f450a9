"""The `bookflow` command: one group, its commands gathered from a module per command group.

Each module keeps its heavy imports inside its commands, so `bookflow --help` stays quick.
"""

from __future__ import annotations

import click

from bookflow.cli import bench, build, cycle, explain, extract, inbound, operate, outputs, rules, simulate, sync
from bookflow.cli.console import BookflowGroup
from bookflow.fast_exit import run_then_exit


@click.group(cls=BookflowGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bookflow", prog_name="bookflow", message="%(prog)s %(version)s")
def main() -> None:
    """bookflow: dynamic books of business, decided in the warehouse, written back to the CRM."""


for command in (
    cycle.run,
    cycle.demo,
    cycle.backfill,
    extract.extract,
    sync.sync,
    explain.explain,
    operate.doctor,
    operate.ui,
    outputs.publish_command,
    outputs.report,
    simulate.simulate,
    build.build,
    bench.bench,
    bench.bench_sync,
    bench.bench_extract,
    bench.bench_inbound,
    bench.bench_match,
    inbound.watch,
    inbound.webhook,
    rules.rules,
):
    main.add_command(command)


def entry_point() -> None:
    """The `bookflow` console script: `main`, then an exit without the interpreter's tear-down."""
    run_then_exit(main)
