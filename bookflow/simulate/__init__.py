"""`bookflow simulate`: static territories against dynamic books, day by day, on the same accounts.

Two worlds start from the same CRM and live the same number of days:

* dynamic books: every day runs the real pipeline (extract -> dbt build for that as-of date ->
  sync of the ownership changes into the demo CRM, through `bookflow.cycle.run_cycle`); then the
  reps act on the books the CRM now shows, and what they do (activities, returns, opportunities)
  is written into the demo CRM, where the next day's run reads it.
* static territories: every account of the new-business TAM (NBTAM) belongs for good to one rep
  of its target book, carved by geography (`static_territories: geography`: billing country and
  state units dealt round-robin over the book's reps) or kept as the CRM had it before the first
  day (`crm`, with unowned accounts carved by geography). Nothing is ever retrieved or dealt.

Both worlds use the same behaviour model, so the only difference between them is who owns what:

1. Work: each day a rep works the best accounts of their book (by the first day's priority
   score), at most `floor(capacity x work_rate)` of them, capacity being the pipeline's measure
   for that day (ramp, time off). Accounts with an open opportunity or returned in the simulation
   have left the prospecting book and are not worked.
2. Returns: an account worked on `return_after_days` distinct days whose seeded draw
   `u(account, "return")` is below its tier's `return_rate` is returned that day by the rep
   working it, with a reason drawn from the rules' return reasons. A returned account never
   converts (it was a dud); in the dynamic world the return is a `book_return_c` row the next run
   processes.
3. Conversion, deterministic: an account is *qualified* once worked on `days_to_convert`
   distinct days; it counts for the rep who worked it last. Each day and tier a world's
   opportunities are topped up to `floor(conversion_rate x its qualified accounts)` (the expected
   value, rounded down), shared between reps by largest remainders of `conversion_rate x the rep's
   qualified accounts`, and opened on the qualified accounts each rep worked that day in the order
   of a seeded draw `u(account, "convert")`. So a rep with 60 qualified good accounts at 10% opens
   exactly 6 opportunities, never a lucky 8: the Jane/Joe example reproduces exactly, rep by rep. In the dynamic world each one is an open opportunity in
   the CRM, owned by the rep, so the account stays with them and leaves the prospecting book.

Scores, tiers and NBTAM membership are the pipeline's (`marts.account_scores`, `account_status`)
on the first day, for both worlds. The measures:

* opportunities: opened during the simulation;
* top-tier coverage: share of the tier-1 NBTAM accounts with a simulated touch in the last 30
  days (only simulated touches count, so both worlds start from zero);
* book productivity: opportunities per account slot of capacity (the reps' summed capacity,
  averaged over the days). In the Jane/Joe example capacity is 120, the number of good accounts,
  so this is the "8 / 120 good accounts" of docs/concepts.md.

Everything per account is set-based SQL in DuckDB; Python only loops over days.
"""

from bookflow.simulate.config import SimulationConfig, SimulationError, load_config
from bookflow.simulate.engine import run_simulation
from bookflow.simulate.measures import SimulationResult

__all__ = ["SimulationConfig", "SimulationError", "SimulationResult", "load_config", "run_simulation"]
