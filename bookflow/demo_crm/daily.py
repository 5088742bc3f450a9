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
        meaningful = _values(con, rules / "activity_types.csv", "activity_type", "lower(trim(is_meaningful)) = 'true'")
        signal_types = _values(con, rules / "signal_weights.csv", "signal_type", "lower(trim(is_hand_raise)) <> 'true'")
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


def _values(con: duckdb.DuckDBPyConnection, path: Path, column: str, condition: str) -> list[str]:
    """The values of one column of a rules file on the rows meeting `condition`, sorted."""
    return [
        row[0]
        for row in con.execute(
            f"select trim({column}) from read_csv(?, header = true, all_varchar = true) where {condition} order by 1",
            [str(path)],
        ).fetchall()
    ]
