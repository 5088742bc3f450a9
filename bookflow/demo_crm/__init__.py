"""A seeded demo CRM: one DuckDB file shaped like the Fivetran Salesforce connector's output.

The file holds `salesforce.{user, account, opportunity, task, event, book_return_c}` and
`signals.account_signal`, lowercase snake_case, with exactly the columns of
`bookflow.contract.RAW_TABLES`. It is the embedded default CRM: the pipeline extracts from it and
writes account owners back into it.

The roster and rules are read from the rules CSVs, so reps own accounts that fit their target
book (segment by employees, theater by billing country) whatever roster they are given.

Determinism: every random-looking value is `hash(key, seed, salt)` of a row key, never
`random()`, and every date is an offset from `as_of`; the same (seed, accounts, as_of, rules)
therefore gives the same table contents, row for row. Everything is set-based SQL over
`range(n)` (the statements are in `sql/`, one per file), so ten million accounts take minutes,
not hours.

Modules: `parameters` (rules, size, seed and vocabularies as session state), `generator` (the
tables, in order), `daily` (one more day of activities and signals), `queries` (the SQL files).
"""

from bookflow.demo_crm.daily import add_demo_day
from bookflow.demo_crm.generator import TABLES, DemoSummary, generate_demo_crm
from bookflow.demo_crm.parameters import (
    FORMER_REP,
    FULL_BOOKS_AT,
    MAX_ACTIVITY_RATIO,
    MIN_ACCOUNTS,
    POOL_USER_NAME,
    STATIC_USERS,
    UNKNOWN_OWNER_ID,
)

__all__ = [
    "FORMER_REP",
    "FULL_BOOKS_AT",
    "MAX_ACTIVITY_RATIO",
    "MIN_ACCOUNTS",
    "POOL_USER_NAME",
    "STATIC_USERS",
    "TABLES",
    "UNKNOWN_OWNER_ID",
    "DemoSummary",
    "add_demo_day",
    "generate_demo_crm",
]
