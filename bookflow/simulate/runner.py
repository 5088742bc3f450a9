"""Run a simulation in a process of its own, and a sweep of simulations one setting apart.

The day loop (bookflow.simulate.engine) keeps dbt, and through dbt-duckdb the simulation's
warehouse, open from the first day to the last: that is what makes a day cheap. A process of its
own gives all of it back when the run ends, whoever called it (the command line, a test, a sweep).
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bookflow.simulate.config import SimulationConfig, SimulationError
from bookflow.simulate.measures import SimulationResult

REQUEST_FILE, RESULT_FILE, ERROR_FILE = "request.pickle", "result.pickle", "error.txt"


def run_simulation(
    config: SimulationConfig,
    *,
    scenario: str,
    workdir: Path,
    rules_source: Path | None = None,
    echo: Callable[[str], None] = lambda _line: None,
    verbose: bool = False,
) -> SimulationResult:
    """Replay `config.days` days in both worlds under `workdir` (replaced), chart and return the outcome.

    Progress lines go to `echo`; dbt's own output to `pipeline.log` in `workdir` unless `verbose`.
    """
    workdir = Path(workdir).resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    request = {
        "config": config,
        "scenario": scenario,
        "rules_source": Path(rules_source).resolve() if rules_source else None,
        "verbose": verbose,
    }
    (workdir / REQUEST_FILE).write_bytes(pickle.dumps(request))
    with (workdir / "pipeline.log").open("w") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "bookflow.simulate", str(workdir)],
            stdout=None if verbose else log,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in child.stderr:
            echo(line.rstrip("\n"))
        code = child.wait()
    if (workdir / ERROR_FILE).exists():
        raise SimulationError((workdir / ERROR_FILE).read_text().strip())
    if code != 0 or not (workdir / RESULT_FILE).exists():
        raise SimulationError(f"the simulation stopped (exit code {code}); see the lines above and {workdir}")
    return pickle.loads((workdir / RESULT_FILE).read_bytes())


def main(workdir: str) -> int:
    """The simulation's own process: read the request, run the days, leave the result or the error."""
    from bookflow.simulate.chart import write_chart
    from bookflow.simulate.engine import simulate_here

    folder = Path(workdir)
    request = pickle.loads((folder / REQUEST_FILE).read_bytes())
    try:
        result = simulate_here(
            request["config"],
            scenario=request["scenario"],
            workdir=folder,
            rules_source=request["rules_source"],
            verbose=request["verbose"],
            echo=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except SimulationError as error:
        (folder / ERROR_FILE).write_text(str(error))
        return 2
    write_chart(result)
    (folder / RESULT_FILE).write_bytes(pickle.dumps(result))
    return 0
