"""`bookflow simulate`: static territories against dynamic books."""

from __future__ import annotations

import sys

import click

from bookflow import paths
from bookflow.cli.options import absolute, parse_date, rules_option, verbose_option


@click.command()
@click.option(
    "--scenario",
    type=click.Choice(["demo", "jane-joe"]),
    default="demo",
    show_default=True,
    help="demo: the seeded demo CRM; jane-joe: the Jane/Joe example of docs/concepts.md (two reps, 200 accounts).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Days to replay (default 90, a sweep 63; each costs one pipeline run of a few seconds).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file of behaviour settings overriding bookflow/simulate/assumptions.yml (see docs/simulate.md).",
)
@click.option("--accounts", type=click.IntRange(min=30), help="Accounts in the demo scenario's CRM (default 5000).")
@click.option("--seed", type=int, help="Seed of the demo CRM and of the behaviour model's draws (default 42).")
@click.option("--start", callback=parse_date, help="First simulated day, YYYY-MM-DD (default: today).")
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    metavar="SETTING=V1,V2,...",
    help="Run once per value and print the static-vs-dynamic difference at each (repeatable, "
    "e.g. touches_per_day_per_slot=0.15,0.3,0.45).",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    help="Where the simulation's CRM, warehouse, chart and CSVs go (replaced; default data/simulate/<scenario>).",
)
@rules_option
@verbose_option
def simulate(scenario, days, config_file, accounts, seed, start, sweeps, workdir, rules, verbose) -> None:
    """Replay days with static territories and with dynamic books (the real pipeline); compare them."""
    from bookflow.simulate import SimulationError, load_config, run_simulation, run_sweep
    from bookflow.simulate.sweep import SWEEP_DAYS

    folder = absolute(workdir) or paths.data_dir() / "simulate" / (f"sweep-{scenario}" if sweeps else scenario)
    echo = lambda line: click.echo(line, err=True)  # noqa: E731
    try:
        config = load_config(
            scenario,
            absolute(config_file),
            {"days": days or (SWEEP_DAYS if sweeps else None), "accounts": accounts, "seed": seed, "start": start},
        )
        if sweeps:
            done: dict = {}
            for spec in sweeps:
                result = run_sweep(
                    config,
                    spec,
                    scenario=scenario,
                    workdir=folder,
                    rules_source=absolute(rules),
                    echo=echo,
                    verbose=verbose,
                    done=done,
                )
                click.echo(result.format())
            return
        result = run_simulation(
            config, scenario=scenario, workdir=folder, rules_source=absolute(rules), echo=echo, verbose=verbose
        )
    except SimulationError as error:
        click.echo(f"bookflow simulate: {error}", err=True)
        sys.exit(2)
    click.echo(result.format())
