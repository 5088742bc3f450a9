"""What `bookflow bench-sync` prints, from its figures (the run itself is a benchmark, not a test)."""

from reverse_etl.benchmark import format_figures


def test_the_rest_figures_name_both_processes_cpu_and_the_machine_load():
    figures = {
        "changes": 100_000,
        "batch_size": 200,
        "concurrency": 8,
        "latency_ms": 50.0,
        "seconds": 7.5,
        "client_cpu_s": 2.94,
        "server_cpu_s": 0.81,
        "records_per_s": 13_333.3,
        "ideal_records_per_s": 16_000.0,
        "ratio_to_ideal": 0.8333,
        "applied": 100_000,
        "requests": 1_001,
        "bulk_jobs": 0,
        "landed_in_crm": 100_000,
        "load_average": 1.25,
        "cores": 2,
    }
    assert format_figures(figures).splitlines() == [
        "synced 100,000 changes in 7.5s (1,001 HTTPS requests, 50 ms latency each, batches of 200, 8 in flight)",
        "  13,333 records/s; ideal 16,000 records/s (batch x in flight / round trip of a read and a write); ratio 0.83",
        "  ledger applied 100,000, owners changed in the CRM 100,000; the sync's own CPU 2.9s, the local server's 0.8s",
        "  load average 1.2 on 2 cores (wall-clock figures need a quiet machine)",
    ]
