"""Sync throughput against the local HTTPS Salesforce server with injected latency.

`bookflow bench-sync --changes 100000 --latency-ms 50` (or `python -m reverse_etl.benchmark`,
same options) plans N owner changes in a scratch warehouse, serves N accounts from
`bookflow.local_crm` (127.0.0.1 only) in a process of its own, as a CRM is on another machine,
syncs them through the real engine and SalesforceDestination, and compares records/s with the
ideal: each batch needs one SOQL read and one sObject Collections write, so with `concurrency`
requests in flight the ideal is batch_size x concurrency / (2 x latency). `--bulk-changes` times
a second sync of that many changes, which the engine writes through Bulk API 2.0.
"""

import os
import tempfile
import time
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path

import click
import duckdb

from bookflow.local_crm import Account, CrmServer, make_certificate
from bookflow.local_crm.process import served
from reverse_etl.destinations.salesforce import SalesforceDestination
from reverse_etl.engine import DEFAULT_CONCURRENCY, sync

# Valid 18-character ids (the local server, like Salesforce, refuses a wrong checksum).
FROM_OWNER, TO_OWNER = "005BENCHFROM000Y5D", "005BENCHTO00000Y5A"


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


def _serve(pipe: Connection, cert: Path, key: Path, changes: int, latency_ms: float, page: int) -> None:
    """The local CRM in a child process: answers its URL, then the figures when asked, then stops."""
    with CrmServer(cert, key) as crm:
        crm.users = {FROM_OWNER: True, TO_OWNER: True}
        crm.accounts = {f"001{i:012d}AAA": Account(FROM_OWNER) for i in range(changes)}
        crm.query_page_size = page
        crm.latency = latency_ms / 1000
        crm.bulk_polls_in_progress = 0
        pipe.send((crm.url, crm.client_id, crm.client_secret))
        started = time.process_time()  # the server's CPU while it serves the sync, start-up left out
        pipe.recv()
        cpu = time.process_time() - started
        with crm.lock:
            landed = sum(1 for account in crm.accounts.values() if account.owner_id == TO_OWNER)
            pipe.send(
                {
                    "requests": len(crm.log),
                    "bulk_jobs": len(crm.bulk_jobs),
                    "landed_in_crm": landed,
                    "server_cpu_s": cpu,
                }
            )


def run_sync_benchmark(
    changes: int, latency_ms: float, batch_size: int, concurrency: int = DEFAULT_CONCURRENCY, *, bulk: bool = False
) -> dict:
    """Sync `changes` owner updates and return the figures (also what `main` prints).

    With `bulk`, the engine's bulk threshold is left at its default so a large sync goes through
    Bulk API 2.0; otherwise it is set above `changes` to measure the REST path.
    """
    # All digits: no upper-case letter, so the checksum suffix is AAA.
    accounts = [f"001{i:012d}AAA" for i in range(changes)]
    with tempfile.TemporaryDirectory(prefix="bookflow-sync-bench-") as scratch:
        root = Path(scratch)
        certificate, key = make_certificate(root)
        warehouse = root / "warehouse.duckdb"
        _plan(warehouse, accounts)
        page = max(batch_size, 2000)
        with served(_serve, certificate, key, changes, latency_ms, page) as (pipe, (url, client_id, client_secret)):
            options = {} if bulk else {"bulk_threshold": changes + 1}
            destination = SalesforceDestination(
                url,
                client_id=client_id,
                client_secret=client_secret,
                verify=certificate,
                connections=concurrency,
                bulk_poll_interval=0.1,
                **options,
            )
            started, cpu = time.perf_counter(), time.process_time()
            report = sync(warehouse, destination, batch_size=batch_size, concurrency=concurrency, force=True)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            load = os.getloadavg()[0]  # the machine's state, to read the wall-clock figures against
            pipe.send("figures")
            figures = pipe.recv()
    ideal = batch_size * concurrency / (2 * latency_ms / 1000) if latency_ms else float("inf")
    rate = changes / seconds
    return {
        "changes": changes,
        "batch_size": batch_size,
        "concurrency": concurrency,
        "latency_ms": latency_ms,
        "seconds": seconds,
        "client_cpu_s": cpu,
        "records_per_s": rate,
        "ideal_records_per_s": ideal,
        "ratio_to_ideal": rate / ideal,
        "applied": report.counts["applied"],
        "load_average": load,
        "cores": os.cpu_count(),
        **figures,
    }


def format_figures(figures: dict) -> str:
    if figures["bulk_jobs"]:
        return "\n".join(
            [
                f"synced {figures['changes']:,} changes through Bulk API 2.0 in {figures['seconds']:.1f}s "
                f"({figures['bulk_jobs']} jobs, {figures['requests']:,} HTTPS requests, "
                f"{figures['latency_ms']:.0f} ms latency each)",
                f"  {figures['records_per_s']:,.0f} records/s; ledger applied {figures['applied']:,}, "
                f"owners changed in the CRM {figures['landed_in_crm']:,}",
            ]
        )
    return "\n".join(
        [
            f"synced {figures['changes']:,} changes in {figures['seconds']:.1f}s "
            f"({figures['requests']:,} HTTPS requests, {figures['latency_ms']:.0f} ms latency each, "
            f"batches of {figures['batch_size']}, {figures['concurrency']} in flight)",
            f"  {figures['records_per_s']:,.0f} records/s; ideal {figures['ideal_records_per_s']:,.0f} records/s "
            f"(batch x in flight / round trip of a read and a write); ratio {figures['ratio_to_ideal']:.2f}",
            f"  ledger applied {figures['applied']:,}, owners changed in the CRM {figures['landed_in_crm']:,}; "
            f"the sync's own CPU {figures['client_cpu_s']:.1f}s, the local server's {figures['server_cpu_s']:.1f}s",
            f"  load average {figures['load_average']:.1f} on {figures['cores']} cores (wall-clock figures need a quiet machine)",
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
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Requests in flight.",
)
@click.option(
    "--bulk-changes",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Then time a sync of this many changes through Bulk API 2.0 (0: skip).",
)
def main(changes: int, latency_ms: float, batch_size: int, concurrency: int, bulk_changes: int) -> None:
    """Sync throughput against the local HTTPS Salesforce server (127.0.0.1 only)."""
    click.echo(format_figures(run_sync_benchmark(changes, latency_ms, batch_size, concurrency)))
    if bulk_changes:
        click.echo(format_figures(run_sync_benchmark(bulk_changes, latency_ms, batch_size, concurrency, bulk=True)))


if __name__ == "__main__":
    main()
