"""The local CRM in a process of its own, as a CRM is on another machine: the benchmarks measure
the client, so the server's CPU (TLS, routes, DuckDB pages) must not share its interpreter.

    with served(_serve, cert, key, ...) as (pipe, hello):
        ...  # hello is what _serve sent first (its URL, credentials)

`serve(pipe, *args)` runs in a fresh interpreter (spawn: forking a process that has run DuckDB's
threads is not safe), so it must be a module-level function.
"""

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any


@contextmanager
def served(serve: Callable[..., None], *args: Any) -> Iterator[tuple[Connection, Any]]:
    """Run `serve(pipe, *args)` in a child process; yield the pipe and the first message it sends.

    On the way out the child is given 30 s to finish (it answers a last request for figures), and
    killed at once if the caller failed."""
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    process = context.Process(target=serve, args=(child_pipe, *args))
    process.start()
    failed = True
    try:
        yield pipe, pipe.recv()
        failed = False
    finally:
        process.join(timeout=0 if failed else 30)
        if process.is_alive():
            process.kill()
            process.join()
