"""Processes that take turns on a DuckDB file lose nothing another one committed.

DuckDB reads a file's header before it takes the file's lock. An open that reads the header while
another process still holds the file, and gets the lock right after that process checkpointed and
let go, works on the database from before that checkpoint, and its own checkpoint writes over what
the other committed. The window lasts a fraction of a millisecond; strace holds the lock call back
so that the second process's open falls into it every time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from reverse_etl.duckdb_files import open_duckdb

# Commits row 2, then holds the file for a moment before it checkpoints and lets go.
WRITER = """
import sys, time
from pathlib import Path
from reverse_etl.duckdb_files import open_duckdb
path = Path(sys.argv[1])
with open_duckdb(path) as con:
    con.execute("insert into numbers values (2)")
    Path(str(path) + ".holding").touch()
    time.sleep(0.2)
"""

# Opens the file while the writer holds it, then adds row 3.
OPENER = """
import sys, time
from pathlib import Path
from reverse_etl.duckdb_files import open_duckdb
path = Path(sys.argv[1])
Path(str(path) + ".ready").touch()
while not Path(str(path) + ".holding").exists():
    time.sleep(0.002)
with open_duckdb(path) as con:
    print(con.execute("select list(n order by n) from numbers").fetchone()[0])
    con.execute("insert into numbers values (3)")
"""


# Holds the file's turn until killed.
HOLDER = """
import sys, time
from pathlib import Path
from reverse_etl.duckdb_files import open_duckdb
with open_duckdb(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(600)
"""


def _strace() -> str:
    strace = shutil.which("strace")
    if strace is None or subprocess.run([strace, "-o", "/dev/null", "true"], capture_output=True).returncode != 0:
        pytest.skip("strace (allowed to trace) is needed to hold DuckDB's lock call back")
    return strace


def test_an_open_while_another_process_checkpoints_keeps_what_it_committed(tmp_path):
    strace = _strace()
    path = tmp_path / "shared.duckdb"
    with open_duckdb(path) as con:
        con.execute("create table numbers (n integer primary key)")
        con.execute("insert into numbers values (1)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    # Every lock call of the opener waits half a second: it reads the header while the writer holds
    # the file, and takes the lock after the writer's checkpoint.
    opener = subprocess.Popen(
        [strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=fcntl", "-e", "inject=fcntl:delay_enter=500000",
         sys.executable, "-c", textwrap.dedent(OPENER), str(path)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not Path(str(path) + ".ready").exists():
        assert opener.poll() is None and time.monotonic() < deadline, opener.communicate()
        time.sleep(0.01)
    writer = subprocess.run([sys.executable, "-c", textwrap.dedent(WRITER), str(path)], env=env, capture_output=True)
    assert writer.returncode == 0, writer.stderr
    seen, errors = opener.communicate(timeout=60)
    assert opener.returncode == 0, errors

    assert seen.strip() == "[1, 2]"  # the writer's row, committed before the opener got in
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select list(n order by n) from numbers").fetchone()[0] == [1, 2, 3]


def test_a_turn_not_given_back_in_time_is_a_lock_error(tmp_path):
    path = tmp_path / "held.duckdb"
    with open_duckdb(path) as con:
        con.execute("create table numbers (n integer)")
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLDER), str(path)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(duckdb.IOException, match="lock"), open_duckdb(path, read_only=True, timeout_s=0.3):
            pass
        assert 0.3 <= time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
