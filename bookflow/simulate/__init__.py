"""`bookflow simulate`: static territories against dynamic books, day by day, on the same accounts.

Two worlds start from the same CRM, the same reps and the same behaviour, and live the same days:

* dynamic books: every morning the real pipeline runs for that day (the extract, `dbt build` of
  every model and rule test, the sync of the ownership changes into the simulation's own CRM:
  bookflow.simulate.pipeline); then the reps work the books the CRM shows, and what they do
  (activities, returns, opportunities) goes into the CRM for the next morning's run.
* static territories: every NBTAM account belongs for good to one rep of its target book, carved
  by geography or kept as the CRM had it; nothing is retrieved or dealt. A leaver's territory
  waits for their hire.

The behaviour model, every figure of which is in assumptions.yml with the paper it comes from:

1. Effort: a rep makes `touches_per_day_per_slot x capacity` touches a working day, capacity being
   the pipeline's measure of the day (ramps, time off, leavers).
2. Sequences: an account is worked to completion by `sequence_touches` touches on distinct days at
   least `touch_interval_days` apart. A rep spends the day's touches on due steps first, then on
   new sequences, best priority (the pipeline's score of the day) first.
3. Outcome of a completion: converts at its tier's rate (counted, not drawn: floor(rate x
   completions) per tier, largest remainders between reps); else returned with a reason
   (`return_share`, reasons by weight) or left idle. Dynamic books: the opportunity keeps the
   account with its rep, the return is filed in the CRM, the idle account waits for retrieval.
   Both worlds: the account cools down (the reason's rest days, or `cooldown_days`) before anyone
   works it again, unless a strong signal ends it early.
4. Arrivals, the same in both worlds: timing signals, hand raises and new accounts every day.
5. Roster: leavers on seeded days (deactivated in the CRM), each replaced by a ramping hire.

The measures (bookflow.simulate.measures) are taken the same way in both worlds, per rep and per
world, every day; the CSVs and the chart give them per day and per week. Everything per account is
set-based SQL (bookflow/simulate/sql/); Python loops over days only.
"""

from bookflow.simulate.config import SimulationConfig, SimulationError, load_config
from bookflow.simulate.measures import SimulationResult
from bookflow.simulate.runner import run_simulation
from bookflow.simulate.sweep import SweepResult, run_sweep

__all__ = [
    "SimulationConfig",
    "SimulationError",
    "SimulationResult",
    "SweepResult",
    "load_config",
    "run_simulation",
    "run_sweep",
]
