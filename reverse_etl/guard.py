"""The blast-radius guard: refuse a sync that would move too much at once.

A bad rules file or a broken upstream load can make a plan retrieve half the company's accounts;
the CRM is where people work, so such a plan must stop before it is written, unless a person
says `--force`. Two limits: the share of any rep's book taken away in one sync, and the share of
all accounts changed. Books of inactive users are exempt: a rep who left loses the whole book,
by design.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

# A first cycle on a brand-new dynamic-books setup retrieves every unworked account at once
# (about a quarter of the demo's books) and deals the pool into empty slots, so the defaults
# leave room for that and still stop a runaway plan that empties books or reshuffles the CRM.
DEFAULT_MAX_BOOK_SHARE = 0.5
DEFAULT_MAX_TOTAL_SHARE = 0.35
# Change types that take an account out of a book.
RELEASES = ("retrieve", "return", "complete", "displace")
# Below this a book is too small for a share to mean anything (3 of 4 accounts is 75%).
MIN_BOOK_FOR_SHARE = 10


@dataclass(frozen=True)
class BlastRadius:
    max_book_share: float | None = DEFAULT_MAX_BOOK_SHARE
    max_total_share: float | None = DEFAULT_MAX_TOTAL_SHARE


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    # information_schema lists views too: marts.account_status is one.
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(query, [schema, table]).fetchone()[0] > 0


def violations(con: duckdb.DuckDBPyConnection, changes: Sequence, limits: BlastRadius) -> list[str]:
    """What in `changes` breaks the limits, in words a person can act on; empty when nothing does."""
    if not changes or not _table_exists(con, "marts", "account_status"):
        return []
    found: list[str] = []
    total = con.execute("select count(*) from marts.account_status").fetchone()[0]
    if limits.max_total_share is not None and total and len(changes) / total > limits.max_total_share:
        found.append(
            f"{len(changes)} changes would touch {len(changes) / total:.0%} of {total} accounts "
            f"(limit {limits.max_total_share:.0%})"
        )
    if limits.max_book_share is not None:
        books = dict(
            con.execute(
                "select owner_id, count(*) from marts.account_status where owner_id is not null group by owner_id"
            ).fetchall()
        )
        inactive: set[str] = set()
        if _table_exists(con, "salesforce", "user"):
            rows = con.execute('select id from salesforce."user" where not coalesce(is_active, false)').fetchall()
            inactive = {row[0] for row in rows}
        taken = Counter(c.from_owner_id for c in changes if c.from_owner_id and c.change_type in RELEASES)
        for rep_id, moved in taken.most_common():
            book = books.get(rep_id, 0)
            if rep_id in inactive or book < MIN_BOOK_FOR_SHARE:
                continue
            if moved / book > limits.max_book_share:
                found.append(
                    f"rep {rep_id} would lose {moved} of {book} accounts ({moved / book:.0%}, "
                    f"limit {limits.max_book_share:.0%})"
                )
    return found


# The limits a sync applies unless told otherwise.
DEFAULT_LIMITS = BlastRadius()
