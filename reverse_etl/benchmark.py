"""Sync throughput against the local HTTPS Salesforce server with injected latency.

`bookflow bench-sync --changes 100000 --latency-ms 50` (or `python -m reverse_etl.benchmark`,
same options) plans N owner changes in a scratch warehouse, serves N accounts from
`bookflow.local_crm` (127.0.0.1 only), syncs them through the real engine and SalesforceDestination,
and compares records/s with the ideal for the batch size: the engine keeps one request in flight
and a batch needs one SOQL read and one composite write, so the ideal is batch_size / (2 x latency).
"""

import tempfile
import time
from datetime import date
from pathlib import Path

import click
import duckdb

from bookflow.local_crm import Account, CrmServer, make_certificate
from reverse_etl.destinations.salesforce import SalesforceDestination
from reverse_etl.engine import sync

FROM_OWNER, TO_OWNER = "005BENCHFROM000001", "005BENCHTO00000001"


def _plan(warehouse: Path, accounts: list[str]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.ownership_changes as
            select
                'bench-' || account_id as change_id, ? as as_of, account_id,
                ? as from_owner_id, ? as to_owner_id, 'distribute' as change_type, 'benchmark' as reason,
                ? as from_crm_owner_id, ? as to_crm_owner_id
            from (select unnest(?::varchar[]) as account_id)
            """,
            [date(2026, 6, 1), FROM_OWNER, TO_OWNER, FROM_OWNER, TO_OWNER, accounts],
        )


def run_sync_benchmark(changes: int, latency_ms: float, batch_size: int) -> dict:
    """Sync `changes` owner updates and return the figures (also what `main` prints)."""
    accounts = [f"001{i:012d}AAA" for i in range(changes)]
    with tempfile.TemporaryDirectory(prefix="bookflow-sync-bench-") as scratch:
        root = Path(scratch)
        certificate, key = make_certificate(root)
        warehouse = root / "warehouse.duckdb"
        _plan(warehouse, accounts)
        with CrmServer(certificate, key) as crm:
            crm.users = {FROM_OWNER: True, TO_OWNER: True}
            crm.accounts = {account: Account(FROM_OWNER) for account in accounts}
            crm.query_page_size = max(batch_size, 2000)
            crm.latency = latency_ms / 1000
            destination = SalesforceDestination(
                crm.url,
                client_id=crm.client_id,
                client_secret=crm.client_secret,
                verify=certificate,
                bulk_threshold=changes + 1,  # measure the REST path the daily sync uses
            )
            started = time.perf_counter()
            report = sync(warehouse, destination, batch_size=batch_size, force=True)
            seconds = time.perf_counter() - started
            requests = len(crm.log)
            landed = sum(1 for account in accounts if crm.accounts[account].owner_id == TO_OWNER)
    ideal = batch_size / (2 * latency_ms / 1000)
    rate = changes / seconds
    return {
        "changes": changes,
        "batch_size": batch_size,
        "latency_ms": latency_ms,
        "requests": requests,
        "seconds": seconds,
        "records_per_s": rate,
        "ideal_records_per_s": ideal,
        "ratio_to_ideal": rate / ideal,
        "applied": report.counts["applied"],
        "landed_in_crm": landed,
    }


def format_figures(figures: dict) -> str:
    return "\n".join(
        [
            f"synced {figures['changes']:,} changes in {figures['seconds']:.1f}s "
            f"({figures['requests']:,} HTTPS requests, {figures['latency_ms']:.0f} ms latency each, "
            f"batches of {figures['batch_size']})",
            f"  {figures['records_per_s']:,.0f} records/s; ideal with one request in flight "
            f"{figures['ideal_records_per_s']:,.0f} records/s; ratio {figures['ratio_to_ideal']:.2f}",
            f"  ledger applied {figures['applied']:,}, owners changed in the CRM {figures['landed_in_crm']:,}",
        ]
    )


@click.command()
@click.option(
    "--changes", type=click.IntRange(min=1), default=100_000, show_default=True, help="Owner changes to sync."
)
@click.option(
    "--latency-ms", type=click.FloatRange(min=0), default=50.0, show_default=True, help="Added to every request."
)
@click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True, help="Changes per batch.")
def main(changes: int, latency_ms: float, batch_size: int) -> None:
    """Sync throughput against the local HTTPS Salesforce server (127.0.0.1 only)."""
    click.echo(format_figures(run_sync_benchmark(changes, latency_ms, batch_size)))


if __name__ == "__main__":
    main()
