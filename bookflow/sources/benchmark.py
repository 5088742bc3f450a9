"""`bookflow bench-extract`: pull a demo org of N accounts from the local HTTPS CRM at a given
latency and compare the time with the ideal for the pages and requests in flight the API allows.

The CRM is served from a process of its own (bookflow.local_crm.process), as it is on another
machine: the extract's own CPU is printed apart. The ideal: every request costs exactly the
latency and nothing else, one request in flight (an object's pages are read one after another; a
Bulk API 2.0 result page's locator comes with the page before it), so the time can be no shorter
than requests x latency. Objects pulled side by side (dlt's parallelized resources) can beat it.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from bookflow.sources.run import ExtractOptions, extract_crm


def _serve(pipe: Connection, cert: Path, key: Path, demo: Path, latency_ms: float) -> None:
    """The local CRM serving the demo org as Salesforce: its URL and credentials, then the
    requests it answered and the CPU it spent answering them when asked, then it stops."""
    from bookflow.local_crm import CrmServer
    from bookflow.local_crm.orgs import load_salesforce_org

    with CrmServer(cert, key) as crm:
        load_salesforce_org(crm, demo, write_state=False)
        crm.latency = latency_ms / 1000
        cpu = time.process_time()
        pipe.send((crm.url, crm.client_id, crm.client_secret))
        pipe.recv()
        with crm.lock:
            pipe.send((len(crm.log), time.process_time() - cpu))


def run_extract_benchmark(
    accounts: int, *, latency_ms: float, bulk_page: int, workdir: Path | None, echo: Callable[[str], None]
) -> dict[str, float]:
    from bookflow.crm.http import Secret
    from bookflow.crm.salesforce import SalesforceCredentials
    from bookflow.demo_crm import generate_demo_crm
    from bookflow.local_crm import make_certificate
    from bookflow.local_crm.process import served

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(workdir) if workdir else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        demo = folder / f"demo_{accounts}.duckdb"
        if not demo.exists():
            started = time.perf_counter()
            generate_demo_crm(demo, accounts=accounts, seed=42)
            echo(f"demo org of {accounts:,} accounts generated in {time.perf_counter() - started:.1f}s")
        warehouse = Path(scratch) / "warehouse.duckdb"
        cert, key = make_certificate(Path(scratch))
        with served(_serve, cert, key, demo, latency_ms) as (pipe, (url, client_id, client_secret)):
            credentials = SalesforceCredentials(url, client_id, client_secret=Secret(client_secret))
            cpu = time.process_time()
            report = extract_crm(
                "salesforce",
                warehouse,
                options=ExtractOptions(verify=str(cert), bulk_page=bulk_page),
                credentials=credentials,
            )
            cpu = time.process_time() - cpu
            pipe.send("figures")
            answered, server_cpu = pipe.recv()
    records = sum(report.pulled.values())
    ideal = report.requests * latency_ms / 1000
    figures = {
        "records": records,
        "seconds": report.seconds,
        "requests": report.requests,
        "answered": answered,
        "client_cpu_s": cpu,
        "server_cpu_s": server_cpu,
        "records_per_second": records / report.seconds,
        "ideal_seconds": ideal,
        "ratio": ideal / report.seconds,
    }
    echo(
        f"extracted {records:,} records from a {accounts:,}-account org in {report.seconds:.1f}s "
        f"({report.requests:,} HTTPS requests, {latency_ms:.0f} ms latency each, Bulk API pages of {bulk_page:,})"
    )
    echo(
        f"  {figures['records_per_second']:,.0f} records/s; ideal with one request in flight "
        f"{records / ideal:,.0f} records/s ({ideal:.1f}s); ratio {figures['ratio']:.2f}; "
        f"CPU: the extract's {cpu:.1f}s, the CRM's {server_cpu:.1f}s (a process of its own)"
    )
    for table, rows in sorted(report.published.items()):
        echo(f"  {table:<32} {rows:>12,}")
    return figures
