"""`bookflow-dbt`: dbt's own command line, for the dbt subprocess dagster-dbt starts each run.

The same as the `dbt` script dbt-core installs, but it ends the process as soon as dbt returns
(bookflow/fast_exit.py says why): 0.7 s less per dbt call. And it ends with the run that started
it: a run killed outright (kill -9, the out-of-memory killer) would otherwise leave dbt building
on into a slot no run will make current (bookflow/slots.py), holding the warehouse file.
"""

from __future__ import annotations

import os
import signal
import sys

from bookflow.fast_exit import run_then_exit

# Set by orchestration.dbt_project.dbt_environment: the process that starts dbt.
PARENT_PID_ENV = "BOOKFLOW_DBT_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    expected = os.environ.get(PARENT_PID_ENV)
    if not expected or not sys.platform.startswith("linux"):
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    # The parent may have died before the line above: then it is no longer our parent.
    if os.getppid() != int(expected):
        os._exit(1)


def main() -> None:
    _die_with_parent()
    from dbt.cli.main import cli

    run_then_exit(cli)


if __name__ == "__main__":
    main()
