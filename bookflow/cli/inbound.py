"""`bookflow watch` and `webhook`: hand raisers received, matched and routed as they arrive."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
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

log = logging.getLogger("bookflow.webhook")

insecure_option = click.option(
    "--insecure-no-signature",
    is_flag=True,
    help="Accept unsigned hand raises (local demos only; logged loudly). Otherwise BOOKFLOW_WEBHOOK_SECRET is required.",
)


def _verifier(insecure: bool):
    """The webhook's signature check from the environment; None (unsigned) only when asked for."""
    from bookflow.inbound.signatures import HUBSPOT_SECRET_ENV, SECRET_ENV, Verifier

    secret = os.environ.get(SECRET_ENV, "").strip() or None
    hubspot_secret = os.environ.get(HUBSPOT_SECRET_ENV, "").strip() or None
    if insecure:
        logging.basicConfig()
        log.warning(
            "WEBHOOK RUNS WITHOUT SIGNATURE CHECKS (--insecure-no-signature): anyone who can reach it can "
            "assign accounts. For local demos only."
        )
        return None
    if not (secret or hubspot_secret):
        click.echo(
            f"bookflow webhook: set {SECRET_ENV} (the shared secret senders sign with) or {HUBSPOT_SECRET_ENV} "
            "(HubSpot's v3 signatures); --insecure-no-signature runs without checks, for local demos only",
            err=True,
        )
        sys.exit(2)
    return Verifier(secret=secret, hubspot_secret=hubspot_secret)


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
@click.option("--webhook-port", type=int, help="Also serve the hand-raise webhook at this port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the webhook binds to.")
@insecure_option
@click.option(
    "--crm-source",
    type=click.Choice(["salesforce", "hubspot"]),
    help="Also read hand raises from this CRM (Salesforce leads, HubSpot contacts), with the write-back's credentials.",
)
@click.option(
    "--lead-object", default="Lead", show_default=True, help="Salesforce object whose records are hand raises."
)
@click.option(
    "--lead-condition",
    help="SOQL condition that marks a hand raise, e.g. \"LeadSource = 'Web'\" (default: every record).",
)
@click.option(
    "--contact-property",
    default="lifecyclestage",
    show_default=True,
    help="HubSpot contact property that marks a hand raise.",
)
@click.option(
    "--contact-values",
    default="marketingqualifiedlead",
    show_default=True,
    help="Comma-separated values of that property that make a contact a hand raise.",
)
@click.option(
    "--crm-poll-seconds",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds between reads of the CRM (each is an API call against the org's allowance).",
)
def watch(
    warehouse, rules, crm, store, destination, interval, once, webhook_port, host, insecure_no_signature, **crm_source
) -> None:
    """Route hand raisers as they arrive and sync them at once (for setups without a Dagster daemon)."""
    from bookflow.crm.errors import CrmConfigurationError
    from bookflow.destinations import make_destination
    from reverse_etl import ConfigurationError

    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    crm_path = absolute(crm) or paths.demo_crm_path()
    rules_dir = absolute(rules) or paths.rules_dir()
    store_path = absolute(store) or paths.inbound_store_path(warehouse_path)
    if destination in ("salesforce", "hubspot"):
        check_crm_credentials("watch", destination)
    if crm_source["crm_source"]:
        check_crm_credentials("watch", crm_source["crm_source"])
    try:
        target = None
        if destination != "none":
            target = make_destination(destination, warehouse_path=warehouse_path, demo_crm_path=crm_path)
        source = _crm_hand_raise_source(**crm_source)
    except (ConfigurationError, CrmConfigurationError) as error:
        click.echo(f"bookflow watch: {error}", err=True)
        sys.exit(2)
    if webhook_port is not None:
        _serve_webhook_in_background(store_path, rules_dir, host, webhook_port, _verifier(insecure_no_signature))
    click.echo(f"watching {store_path} for hand raises; Ctrl-C to stop", err=True)
    stopping = threading.Event()
    previous = signal.signal(signal.SIGINT, _stop_and_interrupt(stopping))
    try:
        _watch_loop(store_path, warehouse_path, rules_dir, target, interval, once, source)
    except BaseException:
        # DuckDB turns Ctrl-C during a query into RuntimeError("Query interrupted"), and a client
        # may wrap it in its own error: after Ctrl-C, whatever the cut-off call raised is the stop.
        # Nothing is lost: routing's transaction rolls back, and the sync reads each owner back
        # from the CRM before writing, so a write whose ledger row was cut off is recognised.
        if not stopping.is_set():
            raise
        click.echo("bookflow watch: stopped", err=True)
    finally:
        signal.signal(signal.SIGINT, previous)
        if source is not None:
            source.close()


def _crm_hand_raise_source(crm_source, lead_object, lead_condition, contact_property, contact_values, crm_poll_seconds):
    """The CRM hand-raise source the options ask for, or None."""
    if not crm_source:
        return None
    from bookflow.inbound.crm_source import CrmHandRaiseSettings, CrmHandRaiseSource

    values = tuple(value.strip() for value in contact_values.split(",") if value.strip())
    settings = CrmHandRaiseSettings(
        crm=crm_source,
        lead_object=lead_object,
        lead_condition=(lead_condition or "").strip() or None,
        contact_property=contact_property,
        contact_values=values,
        every_s=crm_poll_seconds,
    )
    return CrmHandRaiseSource(settings)


def _stop_and_interrupt(stopping: threading.Event):
    def interrupt(signum, frame):
        stopping.set()
        raise KeyboardInterrupt

    return interrupt


def _watch_loop(store_path, warehouse_path, rules_dir, target, interval, once, crm_source=None) -> None:
    from bookflow.inbound.routing import NotReady
    from bookflow.inbound.service import route_and_sync
    from bookflow.validation import InputError
    from reverse_etl import SyncError

    waiting_for_cycle = False
    while True:
        try:
            outcome = route_and_sync(
                store=store_path, warehouse=warehouse_path, rules_dir=rules_dir, destination=target,
                crm_source=crm_source,
            )  # fmt: skip
            waiting_for_cycle = False
            if outcome.crm_error:
                click.echo(f"bookflow watch: {outcome.crm_error}", err=True)
                if once:
                    sys.exit(1)
            if outcome.routing.hand_raises or outcome.routing.alerts or (outcome.sync and outcome.sync.planned):
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


def _serve_webhook_in_background(store: Path, rules_dir: Path, host: str, port: int, verifier) -> None:
    import threading

    import uvicorn

    from bookflow.inbound.webhook import create_app

    app = create_app(store=store, rules_dir=rules_dir, verifier=verifier)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    threading.Thread(target=server.run, name="webhook", daemon=True).start()


@click.command()
@warehouse_option
@rules_option
@inbound_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 for every interface).")
@click.option("--port", type=int, default=8787, show_default=True, help="Port.")
@click.option("--public-url", help="The URL senders call, when a proxy in front changes it (HubSpot signs it).")
@insecure_option
def webhook(warehouse, rules, store, host, port, public_url, insecure_no_signature) -> None:
    """Serve POST /hand-raises: signed hand raises from forms, loaders and HubSpot land in the inbox."""
    import uvicorn

    from bookflow.inbound.webhook import create_app
    from bookflow.validation import InputError

    warehouse_path = absolute(warehouse) or paths.warehouse_path()
    store_path = absolute(store) or paths.inbound_store_path(warehouse_path)
    verifier = _verifier(insecure_no_signature)
    try:
        app = create_app(
            store=store_path, rules_dir=absolute(rules) or paths.rules_dir(), verifier=verifier, public_url=public_url
        )
    except (InputError, ValueError) as error:
        click.echo(f"bookflow webhook: {error}", err=True)
        sys.exit(2)
    # uvicorn's access log names the path and status, never a body.
    uvicorn.run(app, host=host, port=port, log_level="warning")
