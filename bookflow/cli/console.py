"""What a person sees while a cycle runs: a line per finished step on a terminal, dbt's and
Dagster's log in a file, and errors in a line or two (the stack trace only with -v).
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

import click

from bookflow import paths

LOGS_KEPT = 30
# The steps of the allocation_cycle job, in words; a step not named here shows its key.
STEP_LABELS = {
    "crm_extract": "extract the CRM tables",
    "allocation_dbt_assets": "dbt build: score, retrieve, deal, check the rules",
    "reverse_etl__crm_sync": "sync ownership changes to the CRM",
    "bi__published_marts": "publish the marts for BI tools",
    "bi__book_health_report": "draw the book-health report",
}
# Steps of a cycle that extracts from a CRM's API (`bookflow run --source salesforce|hubspot`).
PULL_LABELS = {
    f"landing__{crm}": f"pull what changed from {name}'s API"
    for crm, name in (("salesforce", "Salesforce"), ("hubspot", "HubSpot"))
}
# dbt's own progress lines, e.g. "57 of 157 OK created sql table model marts.account_status".
DBT_NODE_DONE = re.compile(r"^\s*(\d+) of (\d+) (?!START)")
VERBOSE_KEY = "bookflow.verbose"


def mark_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    """--verbose's callback: the group's error handler reads it (Context.meta is shared)."""
    ctx.meta[VERBOSE_KEY] = bool(value)
    return value


def log_path_for(warehouse: Path, command: str) -> Path:
    """A new log file in <warehouse stem>_logs/ beside the warehouse (its own, like its other state:
    bookflow.paths.beside_warehouse); only the newest LOGS_KEPT stay."""
    folder = paths.beside_warehouse(Path(warehouse), "_logs")
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob(f"bookflow-{command}-*.log"), reverse=True)[LOGS_KEPT - 1 :]:
        old.unlink(missing_ok=True)
    return folder / f"bookflow-{command}-{datetime.now().strftime('%Y%m%dT%H%M%S%f')}.log"


class _LogTap(io.TextIOBase):
    """A text stream into the log file that also hands each complete line to `on_line`."""

    def __init__(self, file, on_line) -> None:  # noqa: ANN001
        self._file = file
        self._on_line = on_line
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._file.write(text)
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._on_line(line)
        return len(text)

    def flush(self) -> None:
        self._file.flush()


class RunConsole:
    """Around a cycle: stdout and stderr (dbt's log, Dagster's) go to the log file unless
    verbose; on a terminal a spinner names the step running and a line marks each step done."""

    def __init__(self, log_path: Path, *, verbose: bool = False, spinner: bool = True) -> None:
        self.log_path = log_path
        self.verbose = verbose
        self.spinner = spinner
        self._stack = contextlib.ExitStack()
        self._status = None
        self._spinner = None
        self._console = None
        self._step_started = time.perf_counter()
        self._steps_left = dict(STEP_LABELS)
        self._terminal = sys.stderr

    @property
    def log_level(self) -> str:
        """Dagster's console log: everything when verbose, else the step log into the file."""
        return "DEBUG" if self.verbose else "INFO"

    def __enter__(self) -> RunConsole:
        terminal = self._terminal = sys.stderr
        if not self.verbose:
            log = self._stack.enter_context(open(self.log_path, "w", encoding="utf-8"))  # noqa: SIM115
            tap = _LogTap(log, self._dbt_line)
            self._stack.enter_context(contextlib.redirect_stdout(tap))
            self._stack.enter_context(contextlib.redirect_stderr(tap))
            if self.spinner and terminal.isatty():
                from rich.console import Console
                from rich.live import Live
                from rich.spinner import Spinner

                self._console = Console(file=terminal)
                self._spinner = Spinner("dots", STEP_LABELS["crm_extract"])
                # Live must not take stdout back from the log file: it would print dbt's log above the spinner.
                self._status = Live(
                    self._spinner, console=self._console, transient=True, redirect_stdout=False, redirect_stderr=False
                )
                self._status.start()
                self._stack.callback(self._status.stop)
        return self

    def __exit__(self, *exc_info) -> None:  # noqa: ANN002
        self._stack.close()

    def step_finished(self, step_key: str, succeeded: bool) -> None:
        seconds = time.perf_counter() - self._step_started
        self._step_started = time.perf_counter()
        if self._console is None:
            return
        self._steps_left.pop(step_key, None)
        mark = "[green]✓[/green]" if succeeded else "[red]✗[/red]"
        label = STEP_LABELS.get(step_key) or PULL_LABELS.get(step_key, step_key)
        self._console.print(f"{mark} {label}  [dim]{seconds:.1f}s[/dim]")
        # Steps after dbt's have no fixed order: name what is left rather than guess the next.
        if "allocation_dbt_assets" in self._steps_left:
            self._spinner.update(text=self._steps_left["allocation_dbt_assets"])
        else:
            self._spinner.update(text=f"{len(self._steps_left)} more steps" if self._steps_left else "summing up")

    def _dbt_line(self, line: str) -> None:
        match = DBT_NODE_DONE.match(line)
        if match and self._status is not None:
            self._spinner.update(text=f"{STEP_LABELS['allocation_dbt_assets']}  [dim]{match[1]} of {match[2]}[/dim]")

    def say(self, message: str) -> None:
        """A line the person must see while the run goes on (it waits for another run's lock): on
        the terminal, though the log file takes stderr, and in the log."""
        if self._console is not None:
            self._console.print(message, markup=False, highlight=False)
        else:
            print(message, file=self._terminal, flush=True)
        if sys.stderr is not self._terminal:
            print(message, file=sys.stderr)

    def write_to_log(self, text: str) -> None:
        """Append to the log after the run (the full error text the summary shortens)."""
        if self.log_path.exists():
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(text + "\n")


class BookflowGroup(click.Group):
    """The `bookflow` group: an unexpected error ends a command with one line saying what
    happened and where to look; `-v` shows the stack trace as well."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001 (the last line of defence of a command line)
            if ctx.meta.get(VERBOSE_KEY):
                traceback.print_exc()
            first_line = (str(error).strip().splitlines() or [""])[0]
            click.echo(f"bookflow: {type(error).__name__}: {first_line}", err=True)
            if not ctx.meta.get(VERBOSE_KEY):
                click.echo("  (run the command again with -v for the stack trace)", err=True)
            sys.exit(1)
