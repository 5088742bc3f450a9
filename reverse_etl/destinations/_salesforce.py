"""Checks shared by destinations that read Fivetran-shaped `salesforce.account` and `user` tables.

Both the demo CRM and the warehouse's raw copy of the CRM have this shape, so the rules for what
may be written (exactly one live account, an active owner) live here once.
"""

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from reverse_etl.destinations.base import OWNER_FIELD, OwnerUpdate, RecordErrorCode, RecordResult
from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.exceptions import ConfigurationError, DestinationError


@contextmanager
def connect(path: Path, what: str, missing_hint: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for the length of one call: an open one would lock every other process out.

    A missing file is a configuration error (duckdb.connect would silently create an empty one).
    """
    if not path.exists():
        raise ConfigurationError(f"{what} {path} does not exist: {missing_hint}")
    with ExitStack() as opened:
        try:
            # The cycle and inbound routing write the demo CRM too: take turns with them.
            con = opened.enter_context(open_duckdb(path))
        except duckdb.Error as error:
            raise DestinationError(f"cannot open {what} {path}: {error}") from error
        yield con


@dataclass(frozen=True)
class AccountMatch:
    """What `salesforce.account` holds for one id."""

    rows: int
    owner_id: str | None
    is_deleted: bool


def owner_column(con: duckdb.DuckDBPyConnection, field: str) -> str:
    """`field` quoted as a column of `salesforce.account`; DestinationError when the table lacks it.

    Only a name the table really has reaches the SQL, so a field can never inject anything.
    """
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_schema = 'salesforce' "
            "and table_name = 'account' and table_catalog = current_database()"
        ).fetchall()
    }
    if field not in columns:
        raise DestinationError(f"salesforce.account has no column {field!r}: the owner field cannot be written")
    return '"' + field.replace('"', '""') + '"'


def match_accounts(
    con: duckdb.DuckDBPyConnection, account_ids: Sequence[str], field: str | None = None
) -> dict[str, AccountMatch]:
    """Rows, value of the owner `field` (None: the CRM owner) and deletion flag per requested id
    found in `salesforce.account`."""
    if not account_ids:
        return {}
    column = owner_column(con, field or OWNER_FIELD)
    rows = con.execute(
        f"""
        with wanted as (
            select distinct unnest(?::varchar[]) as account_id
        )

        select
            account.id,
            count(*) as row_count,
            any_value(account.{column}) as owner_id,
            bool_or(coalesce(account.is_deleted, false)) as is_deleted
        from salesforce.account as account
        inner join wanted on account.id = wanted.account_id
        group by account.id
        """,
        [list(account_ids)],
    ).fetchall()
    return {account_id: AccountMatch(count, owner_id, deleted) for account_id, count, owner_id, deleted in rows}


def writable_owners(matches: dict[str, AccountMatch]) -> dict[str, str | None]:
    """Owner per id that names exactly one live account: the only ids a sync may write."""
    return {
        account_id: match.owner_id for account_id, match in matches.items() if match.rows == 1 and not match.is_deleted
    }


def account_problem(account_id: str, match: AccountMatch | None) -> RecordResult | None:
    """The per-record error for an id that cannot be written, or None when it can."""
    if match is None:
        return RecordResult.failure(account_id, RecordErrorCode.NOT_FOUND, f"no account with id {account_id}")
    if match.rows > 1:
        return RecordResult.failure(
            account_id,
            RecordErrorCode.DUPLICATE_ID,
            f"{match.rows} accounts share id {account_id}: not written, fix the duplicate in the CRM",
        )
    if match.is_deleted:
        return RecordResult.failure(account_id, RecordErrorCode.ENTITY_IS_DELETED, f"account {account_id} is deleted")
    return None


def user_activity(con: duckdb.DuckDBPyConnection, user_ids: Sequence[str]) -> dict[str, bool]:
    """Whether each known user id in `salesforce.user` is active; unknown ids are absent."""
    if not user_ids:
        return {}
    rows = con.execute(
        """
        select users.id, bool_or(coalesce(users.is_active, false))
        from salesforce."user" as users
        where users.id in (select unnest(?::varchar[]))
        group by users.id
        """,
        [sorted(set(user_ids))],
    ).fetchall()
    return {user_id: bool(active) for user_id, active in rows}


def check_update(
    update: OwnerUpdate,
    matches: dict[str, AccountMatch],
    users: dict[str, bool],
    seen: set[tuple[str, str | None]],
) -> RecordResult:
    """The result for one update, in the order Salesforce checks: the record, then the owner.

    `seen` holds the (id, field) pairs already accepted or rejected in this write, and gets this
    one: a second update of the same field of the same id is rejected, since which of the two
    should win is unknown.
    """
    key = (update.account_id, update.field)
    duplicate = key in seen
    seen.add(key)
    if duplicate:
        return RecordResult.failure(
            update.account_id,
            RecordErrorCode.DUPLICATE_ID,
            f"account {update.account_id} appears more than once in this write",
        )
    problem = account_problem(update.account_id, matches.get(update.account_id))
    if problem is not None:
        return problem
    if not update.owner_id and update.field is not None:
        return RecordResult.success(update.account_id)  # another owner field may be emptied
    if not update.owner_id:
        return RecordResult.failure(
            update.account_id, RecordErrorCode.REQUIRED_FIELD_MISSING, "an account must have an owner"
        )
    if update.owner_id not in users:
        return RecordResult.failure(
            update.account_id, RecordErrorCode.INACTIVE_OWNER, f"owner {update.owner_id} is not a CRM user"
        )
    if not users[update.owner_id]:
        return RecordResult.failure(
            update.account_id,
            RecordErrorCode.INACTIVE_OWNER,
            f"operation performed with inactive user {update.owner_id} as owner of account",
        )
    return RecordResult.success(update.account_id)
