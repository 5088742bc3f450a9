"""Run a command line to its end, then leave the process without tearing the interpreter down.

A process that imported Dagster or dbt holds millions of objects when its command returns, and
Python's own exit spends about a second collecting and freeing them (1.4 s after a `bookflow
run`, 0.7 s after each dbt call). Every bookflow command and dbt itself have closed their files and
connections by then, so what the interpreter does first at exit is still done, in its order (wait
for the threads that are not daemons, then run the exit handlers, log flushes among them), the
output is flushed and the process ends with the command's exit code. An exception other than an
exit leaves as usual.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn


def run_then_exit(command: Callable[[], object]) -> NoReturn:
    """Call a click command in standalone mode and end the process with its exit code."""
    try:
        command()
        code = 0
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    # Both private, and both what Python's own exit calls first: the thread wait also wakes idle
    # pool workers (concurrent.futures registers that with threading, not atexit).
    try:
        threading._shutdown()
    except KeyboardInterrupt:  # a second Ctrl-C stops the wait, not the exit handlers
        pass
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        # The reader went away (`bookflow ... | head`): Python's own exit says 120 then.
        code = code or 120
    os._exit(code)
