"""`bookflow watch` and `webhook`: hand raisers routed as they arrive."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from bookflow import paths
from bookflow.cli.options import (
    absolute,
    check_crm_credentials,
    crm_option,
    inbound_option,
    rules_option,
    warehouse_option,
)


@click.command()
@warehouse_option
@rules_option
@crm_option
@inbound_option
@click.option(
    "--destination",
    type=click.Choice(["demo", "csv", "salesforce", "hubspot", "none"]),
    default="demo",
    show_default=True,
    help="Where routed hand raisers are written; none only routes.",
)
@click.option(
    "--interval", type=click.FloatRange(min=0.1), default=1.0, show_default=True, help="Seconds between passes."
)
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or a test).")
@click.option("--webhook-port", type=int, help="Also serve the hand-raise webhook on 127.0.0.1 at this port.")
def watch(warehouse, rules, crm, store, destination, interval, once, webhook_port) -> None:
    """Route hand raisers as they arrive and sync them at once (for setups without a Dagster daemon)."""
    from bookflow.destinations import make_destination
    from reverse_etl import ConfigurationError

    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    crm_path = absolute(crm) or paths.demo_crm_path()
    rules_dir = absolute(rules) or paths.rules_dir()
    store_path = absolute(store) or paths.inbound_store_path(warehouse_path)
    if destination in ("salesforce", "hubspot"):
        check_crm_credentials("watch", destination)
    try:
        target = None
        if destination != "none":
            target = make_destination(destination, warehouse_path=warehouse_path, demo_crm_path=crm_path)
    except ConfigurationError as error:
        click.echo(f"bookflow watch: {error}", err=True)
        sys.exit(2)
    if webhook_port is not None:
        _serve_webhook_in_background(crm_path, rules_dir, webhook_port)
    click.echo(f"watching {crm_path} for hand raises (store {store_path}); Ctrl-C to stop", err=True)
    try:
        _watch_loop(store_path, crm_path, rules_dir, target, interval, once, warehouse_path)
    except KeyboardInterrupt:
        click.echo("bookflow watch: stopped", err=True)


def _watch_loop(store_path, crm_path, rules_dir, target, interval, once, warehouse_path) -> None:
    from bookflow.inbound.routing import NotReady
    from bookflow.inbound.service import route_and_sync
    from bookflow.validation import InputError
    from reverse_etl import SyncError

    waiting_for_cycle = False
    while True:
        try:
            outcome = route_and_sync(
                store=store_path, crm=crm_path, rules_dir=rules_dir, destination=target, warehouse=warehouse_path
            )
            waiting_for_cycle = False
            if outcome.routing.hand_raises or (outcome.sync and outcome.sync.planned):
                click.echo(f"{time.strftime('%H:%M:%S')} {outcome.summary()}")
        except NotReady as error:
            if once:
                click.echo(f"bookflow watch: {error}", err=True)
                sys.exit(2)
            if not waiting_for_cycle:
                click.echo(f"bookflow watch: {error}; waiting", err=True)
                waiting_for_cycle = True
        except InputError as error:
            click.echo(f"bookflow watch: {error}", err=True)
            sys.exit(2)
        except SyncError as error:
            # The CRM is down or refused us: keep routing, the ledger retries on the next pass.
            click.echo(f"bookflow watch: sync failed, retrying next pass: {error}", err=True)
            if once:
                sys.exit(1)
        if once:
            return
        time.sleep(interval)


def _serve_webhook_in_background(crm: Path, rules_dir: Path, port: int) -> None:
    import threading

    import uvicorn

    from bookflow.inbound.webhook import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(crm=crm, rules_dir=rules_dir), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, name="webhook", daemon=True).start()


@click.command()
@rules_option
@crm_option
@click.option("--port", type=int, default=8787, show_default=True, help="Port on 127.0.0.1.")
def webhook(rules, crm, port) -> None:
    """Serve POST /hand-raises on 127.0.0.1: CRMs and forms push hand raises into the signals table."""
    import uvicorn

    from bookflow.inbound.webhook import create_app
    from bookflow.validation import InputError

    try:
        app = create_app(crm=absolute(crm) or paths.demo_crm_path(), rules_dir=absolute(rules) or paths.rules_dir())
    except (InputError, ValueError) as error:
        click.echo(f"bookflow webhook: {error}", err=True)
        sys.exit(2)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
