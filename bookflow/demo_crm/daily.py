"""One more day of CRM life in an existing demo CRM, for incremental runs and benchmarks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from bookflow import paths
from bookflow.crm.salesforce.ids import sql_macros
from bookflow.demo_crm import queries
from bookflow.validation import check_rules


def add_demo_day(
    path: Path, *, day: date, share: float = 0.01, seed: int = 42, rules_dir: Path | None = None
) -> dict[str, int]:
    """Write one more day of CRM life into an existing demo CRM: a `share` of the accounts get a
    meaningful activity by their owner on `day`, and about a third of those also a timing signal.

    This is what a daily incremental run sees; the picks are hashes of (account id, day, seed), so
    the same day gives the same rows. Returns the rows added per table.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    rules = Path(rules_dir) if rules_dir is not None else paths.rules_dir()
    check_rules(rules)
    stamp = day.strftime("%Y%m%d")
    with duckdb.connect(str(path)) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(sql_macros())
        queries.run(con, "day_picked", {"seed": seed, "stamp": stamp, "share": share})
        meaningful = [
            row[0]
            for row in con.execute(
                "select trim(activity_type) from read_csv(?, header = true, all_varchar = true) "
                "where lower(trim(is_meaningful)) = 'true' order by 1",
                [str(rules / "activity_types.csv")],
            ).fetchall()
        ]
        signal_types = [
            row[0]
            for row in con.execute(
                "select trim(signal_type) from read_csv(?, header = true, all_varchar = true) "
                "where lower(trim(is_hand_raise)) <> 'true' order by 1",
                [str(rules / "signal_weights.csv")],
            ).fetchall()
        ]
        con.execute("begin transaction")
        if meaningful:
            queries.run(con, "day_tasks", {"stamp": stamp, "types": meaningful, "seed": seed, "day": day})
        if signal_types:
            queries.run(con, "day_signals", {"stamp": stamp, "types": signal_types, "seed": seed, "day": day})
        con.execute("commit")
        added = con.execute("select count(*), count(*) filter (where with_signal) from picked").fetchone()
    return {
        "salesforce.task": added[0] if meaningful else 0,
        "signals.account_signal": added[1] if signal_types else 0,
    }
