"""Opening DuckDB files that several processes share.

DuckDB lets one process write a file and locks every other one out (readers too). bookflow's
processes (the daily run, inbound routing, the webhook, the sync) therefore each open a file for
one short piece of work and close it, and wait a little when another one holds it.

DuckDB's own lock is not enough to take turns safely. Opening a file, DuckDB first reads its
header (to tell what kind of file it is), keeps those bytes for the open, and only then takes its
lock. A process whose open falls on the moment another one checkpoints and lets go gets the lock
with the header from before that checkpoint: it opens the older database, and its own checkpoint
then writes over what the other one had committed (a hand raise answered 202 went missing from the
inbox that way). So bookflow takes its turn on a lock file beside the database (`<file>.lock`:
shared to read, exclusive to write) before DuckDB touches the file, and gives the turn back only
after DuckDB has closed it. DuckDB's own lock still keeps out processes that take no turns (dbt, a
DuckDB shell); those are waited for as before.
"""

import fcntl
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# How long a process waits for another one to let go of a DuckDB file before giving up.
DEFAULT_LOCK_TIMEOUT_S = 120.0
# Looks at a busy file start 2 ms apart (a turn often lasts a few milliseconds) and grow to 50 ms.
_FIRST_WAIT_S = 0.002
_LONGEST_WAIT_S = 0.05
# The turns on files ATTACHed to a connection of open_duckdb, given back when it closes.
_attached_turns: dict[int, ExitStack] = {}


def is_lock_conflict(error: duckdb.Error) -> bool:
    """Whether `error` says another process holds the file (rather than something being wrong)."""
    text = str(error).lower()
    return "lock" in text or "conflicting" in text or "being used by another" in text


def wait_for_lock(attempt, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S):
    """Call `attempt()` until it stops failing on a held lock or `timeout_s` passes.

    Waits are short, growing and jittered so a burst of processes does not retry in lock step.
    """
    deadline = time.monotonic() + timeout_s
    delay = _FIRST_WAIT_S
    while True:
        try:
            return attempt()
        except duckdb.IOException as error:
            if not is_lock_conflict(error) or time.monotonic() >= deadline:
                raise
            delay = _pause(delay)


def _pause(delay: float) -> float:
    """Sleep about `delay`, jittered; the next, longer delay."""
    time.sleep(delay * (0.5 + random.random()))
    return min(delay * 2, _LONGEST_WAIT_S)


def lock_file_path(path: Path) -> Path:
    """The file whose lock is the turn on DuckDB file `path`."""
    return Path(str(path) + ".lock")


@contextmanager
def turn(path: Path, *, shared: bool, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the turn on DuckDB file `path` across processes: many readers (`shared`) or one writer.

    Raises duckdb.IOException, as DuckDB does for its own lock, when others keep the turn past
    `timeout_s`. In a folder bookflow may not write to there is no lock file and no turn: nobody
    writes a database there either.
    """
    try:
        handle = lock_file_path(path).open("a")
    except OSError:
        yield
        return
    with handle:
        deadline = time.monotonic() + timeout_s
        delay = _FIRST_WAIT_S
        while True:
            try:
                fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise duckdb.IOException(
                        f'Could not set lock on file "{path}": other processes held their turn for {timeout_s:g} s'
                    ) from None
                delay = _pause(delay)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def open_duckdb(
    path: Path, *, read_only: bool = False, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one short piece of work, in this process's turn on the file."""
    deadline = time.monotonic() + timeout_s
    with turn(path, shared=read_only, timeout_s=timeout_s), ExitStack() as attached:
        left = max(0.0, deadline - time.monotonic())
        con = wait_for_lock(lambda: duckdb.connect(str(path), read_only=read_only), timeout_s=left)
        _attached_turns[id(con)] = attached
        try:
            yield con
        finally:
            del _attached_turns[id(con)]
            con.close()


def attach_read_only(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> None:
    """ATTACH another DuckDB file read-only as `alias` to a connection of open_duckdb, waiting while a
    writer holds it. The reader's turn on `path` lasts until `con` closes, even past a DETACH."""
    turns = _attached_turns.get(id(con))
    if turns is None:
        raise ValueError("attach_read_only takes a connection from open_duckdb (it keeps the turn on the file)")
    deadline = time.monotonic() + timeout_s
    turns.enter_context(turn(path, shared=True, timeout_s=timeout_s))
    literal = "'" + str(path).replace("'", "''") + "'"  # ATTACH takes no bound parameters
    left = max(0.0, deadline - time.monotonic())
    wait_for_lock(lambda: con.execute(f"attach {literal} as {alias} (read_only)"), timeout_s=left)


@contextmanager
def copying_from(con: duckdb.DuckDBPyConnection, alias: str) -> Iterator[None]:
    """The body copies from the attached `alias` inside a transaction it commits itself: a failure
    rolls back whatever it began, and `alias` is detached either way."""
    try:
        yield
    except Exception:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass  # no transaction was open: the failure came before it
        raise
    finally:
        con.execute(f"detach {alias}")


def _cycle_lock_path(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".cycle.lock")


# How long a cycle waits for another cycle on the same warehouse before giving up.
DEFAULT_CYCLE_LOCK_TIMEOUT_S = 600.0


class CycleLockTimeout(TimeoutError):
    """Another cycle held the warehouse's cycle lock for longer than the caller would wait."""


def cycle_lock_holder(warehouse: Path) -> str:
    """Who holds the cycle lock, as its holder wrote it: "pid N since T" (or a vaguer phrase)."""
    try:
        text = _cycle_lock_path(warehouse).read_text().strip()
    except OSError:
        text = ""
    return text or "another process"


@contextmanager
def cycle_lock(
    warehouse: Path,
    *,
    wait: bool = True,
    timeout_s: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[bool]:
    """Held by a running cycle: the cycle opens its warehouse many times (extract, dbt, publish,
    sync), and a process that grabbed the file in between would fail the next step. Optional
    writers (routing's early report) pass `wait=False`: they get False at once while a cycle runs,
    and stay away. Yields True while the lock is held; the OS frees it if the holder dies.

    A waiting caller is told once who holds it (`on_wait`, "pid N since T": the holder writes
    that into the lock file) and gives up with CycleLockTimeout after `timeout_s` (None: never).
    Locks belong to open files, not processes: a second `cycle_lock` in the same process waits
    like any other caller."""
    path = _cycle_lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        if not _take(handle):
            if not wait:
                yield False
                return
            holder = cycle_lock_holder(warehouse)
            if on_wait:
                on_wait(f"waiting for the cycle lock on {warehouse} held by {holder}")
            deadline = None if timeout_s is None else time.monotonic() + timeout_s
            while not _take(handle):
                if deadline is not None and time.monotonic() >= deadline:
                    raise CycleLockTimeout(
                        f"gave up after {timeout_s:g}s waiting for the cycle lock on {warehouse}, "
                        f"held by {cycle_lock_holder(warehouse)}"
                    )
                time.sleep(0.2)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
            handle.flush()
            yield True
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take(handle) -> bool:  # noqa: ANN001 (an open file)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
