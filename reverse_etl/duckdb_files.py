"""Opening DuckDB files that several processes share.

DuckDB lets one process write a file and locks every other one out (readers too). bookflow's
processes (the daily run, inbound routing, the webhook, the sync) therefore each open a file for
one short piece of work and close it, and wait a little when another one holds it.
"""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

# How long a process waits for another one to let go of a DuckDB file before giving up.
DEFAULT_LOCK_TIMEOUT_S = 120.0


def is_lock_conflict(error: duckdb.Error) -> bool:
    """Whether `error` says another process holds the file (rather than something being wrong)."""
    text = str(error).lower()
    return "lock" in text or "conflicting" in text or "being used by another" in text


def wait_for_lock(attempt, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S):
    """Call `attempt()` until it stops failing on a held lock or `timeout_s` passes.

    Waits are short, growing and jittered so a burst of processes does not retry in lock step.
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while True:
        try:
            return attempt()
        except duckdb.IOException as error:
            if not is_lock_conflict(error) or time.monotonic() >= deadline:
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.25)


@contextmanager
def open_duckdb(
    path: Path, *, read_only: bool = False, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one short piece of work, waiting while another process holds the file."""
    con = wait_for_lock(lambda: duckdb.connect(str(path), read_only=read_only), timeout_s=timeout_s)
    try:
        yield con
    finally:
        con.close()


def attach_read_only(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> None:
    """ATTACH another DuckDB file read-only as `alias`, waiting while a writer holds it."""
    literal = "'" + str(path).replace("'", "''") + "'"  # ATTACH takes no bound parameters
    wait_for_lock(lambda: con.execute(f"attach {literal} as {alias} (read_only)"), timeout_s=timeout_s)


def _cycle_lock_path(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".cycle.lock")


@contextmanager
def cycle_lock(warehouse: Path, *, wait: bool = True) -> Iterator[bool]:
    """Held by a running cycle: the cycle opens its warehouse many times (extract, dbt, publish,
    sync), and a process that grabbed the file in between would fail the next step. Optional
    writers (routing's early report) pass `wait=False`: they get False at once while a cycle runs,
    and stay away. Yields True while the lock is held; the OS frees it if the holder dies."""
    import fcntl

    path = _cycle_lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
