"""The plan of a sync: the changes in `marts.ownership_changes` not settled yet for a destination.

Settled = 'applied' or 'skipped' in the ledger; 'failed' ones stay planned until they run out of
attempts; 'conflict' ones are looked at again. Releases (retrieve, return) come before
assignments (distribute, inbound) so a rep's book shrinks before it grows.

The plan runs in phases (`phases`): batches of one phase run side by side, and a phase starts
when the one before it has finished, so an account released and dealt again in one plan gets
its second change only after the first one landed.
"""

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import NamedTuple

import duckdb

from reverse_etl.destinations.base import OWNER_FIELD
from reverse_etl.exceptions import ConfigurationError
from reverse_etl.ledger import LedgerEntry, SyncStatus, ledger_exists, utc_now

# Releases first: a change_type missing here sorts last rather than failing the sync.
_CHANGE_ORDER = {
    "retrieve": 0,
    "return": 0,
    "complete": 0,
    "displace": 0,
    "distribute": 1,
    "handoff": 1,
    "inbound": 1,
}

# The plan in one pass of the warehouse: unsettled changes only, in plan order. Changes that ran
# out of attempts are counted apart (`_EXHAUSTED`).
_PLANNED = """
with changes as (
    select
        changes.*,
        coalesce(ledger.attempts, 0) as attempts,
        ledger.status as ledger_status
    from {changes} as changes
    left join {ledger} as ledger
        on changes.change_id = ledger.change_id
        and ledger.destination = ?
    where ledger.status is null or ledger.status not in ('applied', 'skipped')
)

select
    change_id, as_of, account_id, from_owner_id, to_owner_id, change_type, reason,
    from_crm_owner_id, to_crm_owner_id, attempts, ledger_status, {crm_field} as crm_field,
    ledger_status = 'failed' and attempts >= ? as is_exhausted
from changes
order by {order}, account_id, change_id
"""
_ORDER = "case change_type {whens} else 2 end"

# A dry run must not create the ledger, so before the first sync there is none to join.
_NO_LEDGER_YET = (
    "(select null::varchar as change_id, null::varchar as destination,"
    " null::integer as attempts, null::varchar as status where false)"
)


class PlannedChange(NamedTuple):
    """One pending ownership change: bookflow's owner ids (None = pool) and the CRM's, and the
    field it writes (`crm_field`: the CRM owner, or the SDR field; an empty SDR field is None).

    A named tuple, like LedgerEntry: a plan holds one per change, and reading a plan of 100,000
    changes into frozen dataclasses cost the sync a fifth of a second before its first request.
    """

    change_id: str
    as_of: date
    account_id: str
    from_owner_id: str | None
    to_owner_id: str | None
    change_type: str
    reason: str | None
    from_crm_owner_id: str | None
    to_crm_owner_id: str | None
    attempts: int = 0  # write attempts already recorded in the ledger
    ledger_status: str | None = None  # what the ledger says of it so far (None: never tried)
    crm_field: str = OWNER_FIELD

    def entry(
        self,
        status: SyncStatus,
        *,
        attempts: int,
        error: str | None = None,
        applied: bool = False,
        now: datetime | None = None,
    ) -> LedgerEntry:
        """The ledger row saying this change ended in `status` (applied at `now`, default: now)."""
        applied_at = (now or utc_now()) if applied else None
        return LedgerEntry(
            self.change_id,
            status,
            attempts,
            error,
            applied_at,
            self.as_of,
            self.account_id,
            self.change_type,
            self.from_owner_id,
            self.to_owner_id,
            self.crm_field,
        )


def read_plan(
    con: duckdb.DuckDBPyConnection, destination: str, max_attempts: int, changes_relation: str
) -> tuple[list[PlannedChange], int]:
    """Pending changes for `destination`, releases first, and how many ran out of attempts."""
    ledger = "reverse_etl.sync_ledger" if ledger_exists(con) else _NO_LEDGER_YET
    order = _ORDER.format(whens=" ".join(f"when '{kind}' then {rank}" for kind, rank in _CHANGE_ORDER.items()))
    try:
        # Plans written before the SDR field (and inbound routing's own) change the CRM owner only.
        columns = [column[0] for column in con.execute(f"select * from {changes_relation} limit 0").description]
        crm_field = f"coalesce(crm_field, '{OWNER_FIELD}')" if "crm_field" in columns else f"'{OWNER_FIELD}'"
        result = con.execute(
            _PLANNED.format(ledger=ledger, changes=changes_relation, order=order, crm_field=crm_field),
            [destination, max_attempts],
        )
    except duckdb.CatalogException as error:
        raise ConfigurationError(
            f"no plan to sync: {error}. Build {changes_relation} first (`bookflow run`)"
        ) from error
    changes: list[PlannedChange] = []
    exhausted = 0
    # Owners, types, reasons and days repeat across a plan: one object each keeps a plan of
    # millions of changes in memory once.
    share = {}.setdefault
    while rows := result.fetchmany(50_000):
        for (
            change_id,
            as_of,
            account_id,
            from_owner_id,
            to_owner_id,
            change_type,
            reason,
            from_crm_owner_id,
            to_crm_owner_id,
            attempts,
            ledger_status,
            crm_field,
            is_exhausted,
        ) in rows:
            if is_exhausted:
                exhausted += 1
                continue
            changes.append(
                PlannedChange(
                    change_id,
                    share(as_of, as_of),
                    account_id,
                    share(from_owner_id, from_owner_id),
                    share(to_owner_id, to_owner_id),
                    share(change_type, change_type),
                    share(reason, reason),
                    share(from_crm_owner_id, from_crm_owner_id),
                    share(to_crm_owner_id, to_crm_owner_id),
                    attempts,
                    ledger_status,
                    share(crm_field, crm_field),
                )
            )
    return changes, exhausted


def phases(changes: Sequence[PlannedChange]) -> list[list[PlannedChange]]:
    """The plan's changes in phases to run one after the other, in plan order within each.

    Phase k holds each account's k-th change, releases before assignments, the CRM owner's
    before another field's (a batch writes one field): an account appears at most once per
    phase, and its changes land in plan order. One pass, no sort of the changes.
    """
    seen: dict[str, int] = {}
    groups: dict[tuple[int, int, bool, str], list[PlannedChange]] = {}
    for change in changes:
        occurrence = seen.get(change.account_id, 0)
        seen[change.account_id] = occurrence + 1
        key = (occurrence, _CHANGE_ORDER.get(change.change_type, 2), change.crm_field != OWNER_FIELD, change.crm_field)
        group = groups.get(key)
        if group is None:
            group = groups[key] = []
        group.append(change)
    return [groups[key] for key in sorted(groups)]


def chunks(changes: Sequence[PlannedChange], size: int) -> Iterator[list[PlannedChange]]:
    for start in range(0, len(changes), size):
        yield list(changes[start : start + size])
