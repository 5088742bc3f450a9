"""`bookflow bench`, `bench-sync`, `bench-inbound` and `bench-match`: benchmarks that print figures and ratios."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--sizes",
    default="100k,1m",
    show_default=True,
    help="Demo sizes, comma-separated: 100k, 1m, 10m or numbers of accounts.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    help="Where to keep the benchmark files; day-1 demos found there are reused (default: a temp dir).",
)
def bench(sizes, workdir) -> None:
    """Full and incremental run times, peak memory and the ratio to a one-query lower bound, per size."""
    from bookflow.benchmark import parse_sizes, run_benchmark

    try:
        chosen = parse_sizes(sizes)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--sizes") from error
    run_benchmark(chosen, Path(workdir) if workdir else None, echo=click.echo)


@click.command("bench-sync")
@click.option("--changes", type=int, default=100_000, show_default=True, help="Ownership changes to sync.")
@click.option(
    "--latency-ms", type=float, default=50.0, show_default=True, help="Latency the server adds to every answer."
)
@click.option("--batch-size", type=int, default=200, show_default=True, help="Records per Salesforce request.")
@click.option("--concurrency", type=int, default=8, show_default=True, help="Requests in flight (the sync's default).")
@click.option(
    "--bulk-changes",
    type=int,
    default=0,
    show_default=True,
    help="Then time a sync of this many changes, which goes through Bulk API 2.0 (e.g. 1000000; 0: skip).",
)
def bench_sync(changes, latency_ms, batch_size, concurrency, bulk_changes) -> None:
    """Time the reverse-ETL sync against a local HTTPS Salesforce server with injected latency."""
    from reverse_etl.benchmark import format_figures, run_sync_benchmark

    click.echo(format_figures(run_sync_benchmark(changes, latency_ms, batch_size, concurrency)))
    if bulk_changes:
        click.echo(format_figures(run_sync_benchmark(bulk_changes, latency_ms, batch_size, concurrency, bulk=True)))


@click.command("bench-inbound")
@click.option("--accounts", type=int, default=100_000, show_default=True, help="Accounts in the demo CRM.")
@click.option("--rate", type=float, default=1.0, show_default=True, help="Hand raises per second in the stream.")
@click.option("--duration", type=float, default=300.0, show_default=True, help="Seconds the stream lasts.")
@click.option("--burst", type=int, default=500, show_default=True, help="Hand raises posted at once, mid-stream.")
@click.option("--workdir", type=click.Path(file_okay=False), help="Where to keep the files (default: a temp dir).")
@click.option(
    "--latency-ms",
    type=float,
    default=50.0,
    show_default=True,
    help="Latency the local Salesforce adds to every answer.",
)
def bench_inbound(accounts, rate, duration, burst, workdir, latency_ms) -> None:
    """Time hand raisers from the signed webhook to an owner in the local HTTPS Salesforce: p50/p95/p99."""
    from bookflow.inbound.benchmark import format_figures, run_inbound_benchmark

    figures = run_inbound_benchmark(
        accounts=accounts,
        rate=rate,
        duration=duration,
        burst=burst,
        workdir=Path(workdir) if workdir else None,
        echo=click.echo,
        latency_ms=latency_ms,
    )
    click.echo(format_figures(figures))


@click.command("bench-match")
@click.option(
    "--fixture",
    type=click.Path(file_okay=False, exists=True),
    help="A folder with accounts.csv and leads.csv (default: tests/fixtures/matching).",
)
@click.option("--match-at", type=click.FloatRange(0, 1), default=None, help="Confidence from which a lead matches.")
@click.option("--review-at", type=click.FloatRange(0, 1), default=None, help="Confidence from which it goes to review.")
@click.option(
    "--keep-warehouse",
    type=click.Path(dir_okay=False),
    default=None,
    help="A new DuckDB file to build the accounts' match keys in and keep (default: a temporary one).",
)
def bench_match(fixture, match_at, review_at, keep_warehouse) -> None:
    """Precision and recall of lead-to-account matching on a fixture of messy leads with known answers."""
    from bookflow.inbound.matching.bench import FIXTURE_DIR, run_match_benchmark
    from bookflow.inbound.matching.scoring import MATCH_AT, REVIEW_AT

    try:
        figures = run_match_benchmark(
            Path(fixture) if fixture else FIXTURE_DIR,
            match_at=MATCH_AT if match_at is None else match_at,
            review_at=REVIEW_AT if review_at is None else review_at,
            keep_warehouse=Path(keep_warehouse).resolve() if keep_warehouse else None,
        )
    except FileExistsError:
        raise click.UsageError(f"--keep-warehouse {keep_warehouse} exists: name a new file") from None
    click.echo(figures.format())


@click.command("bench-extract")
@click.option("--accounts", type=int, default=1_000_000, show_default=True, help="Accounts in the demo org.")
@click.option(
    "--latency-ms", type=float, default=50.0, show_default=True, help="Latency the server adds to every answer."
)
@click.option("--bulk-page", type=int, default=100_000, show_default=True, help="Records per Bulk API result page.")
@click.option(
    "--workdir", type=click.Path(file_okay=False), help="Keep the demo org here and reuse it (default: a temp dir)."
)
def bench_extract(accounts, latency_ms, bulk_page, workdir) -> None:
    """Extract a Salesforce org of --accounts accounts (activities at the demo's rate) from the local HTTPS CRM."""
    from bookflow.sources.benchmark import run_extract_benchmark

    run_extract_benchmark(
        accounts,
        latency_ms=latency_ms,
        bulk_page=bulk_page,
        workdir=Path(workdir) if workdir else None,
        echo=click.echo,
    )
