"""What the sync engine needs from a destination: read owners, write owners, report per record.

Beyond the three members of `Destination`, a destination may offer what a remote CRM needs; the
engine asks for each with the helpers below and does without when it is absent:
- `max_batch`: the most records one write request takes (Salesforce 200, HubSpot 100);
- `invalid_ids(account_ids, owner_ids)`: ids it cannot accept, refused before the sync starts;
- `owner_key(owner_id)`: the form owner ids compare in (Salesforce: 15 and 18 characters alike);
- `bulk_threshold` and `write_owners_bulk(updates)`: a bulk API the engine uses for large syncs;
- `usage()`: the API allowance used, for the report; `close()`: end the session after a sync;
- `writes_field(field)`: whether it writes another owner field than the CRM owner (`writes_field`).

Owner fields: the plan names each change's field as the warehouse's raw accounts name it
(`crm_field` of marts.ownership_changes: `owner_id` for the CRM owner, the column settings.csv
names in `sdr_owner_column` for the SDR owner). `update_field` turns that into an OwnerUpdate's
`field`: None for the CRM owner, else the name as given.
"""

from collections.abc import Callable, Collection, Sequence
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

# The CRM owner field, as the raw accounts (and crm_field) name it.
OWNER_FIELD = "owner_id"


class RecordErrorCode(StrEnum):
    """Why a destination rejected one record; named like the Salesforce API's error codes."""

    NOT_FOUND = "NOT_FOUND"  # no account with this id
    FIELD_NOT_WRITABLE = "FIELD_NOT_WRITABLE"  # the destination holds only the owner field
    DUPLICATE_ID = "DUPLICATE_ID"  # the id is on several accounts (dirty data) or twice in one write
    ENTITY_IS_DELETED = "ENTITY_IS_DELETED"  # the account is in the recycle bin
    INACTIVE_OWNER = "INACTIVE_OWNER"  # the new owner is not an active user
    REQUIRED_FIELD_MISSING = "REQUIRED_FIELD_MISSING"  # no owner id given
    INVALID_FIELD = "INVALID_FIELD"  # a field the rules do not allow the sync to write


class OwnerUpdate(NamedTuple):
    """Set the owner of one CRM account; ids are the CRM's (the pool is its pool user).

    `field` names another user field than the owner (an SDR field, say); None is the owner field.
    A destination writes only the fields it allowlists. Named tuples, like RecordResult: a sync
    makes one of each per change.
    """

    account_id: str
    owner_id: str | None  # None empties another owner field (never the owner itself)
    field: str | None = None


class RecordResult(NamedTuple):
    """What the destination did with one `OwnerUpdate`.

    `error_code` is a `RecordErrorCode` value or, for a real CRM, its own code.
    """

    account_id: str
    ok: bool
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def success(cls, account_id: str) -> "RecordResult":
        """The update was written."""
        return cls(account_id, True)

    @classmethod
    def failure(cls, account_id: str, code: RecordErrorCode | str, message: str) -> "RecordResult":
        """The update was rejected with `code` and a message a person can act on."""
        return cls(account_id, False, str(code), message)


class Destination(Protocol):
    """A CRM (or a file standing in for one) that holds account owners.

    Implementations open connections only inside a call: a DuckDB file lets one writer lock
    everyone else out, and a remote CRM's session should not outlive its batch.
    """

    @property
    def name(self) -> str:
        """Stable key of this destination in the sync ledger, e.g. 'demo_crm'."""
        ...

    def read_owners(self, account_ids: Sequence[str]) -> dict[str, str | None]:
        """Current owner per account id; ids that do not name exactly one live account are absent."""
        ...

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Write `updates`, one result per update; rejected records are results, never exceptions.

        Raises `DestinationError` only when the destination fails as a whole.
        """
        ...


def invalid_ids(destination: Any, account_ids: Collection[str], owner_ids: Collection[str]) -> list[str]:
    """Why ids cannot go to `destination`, one line each; empty when all can (or it does not check)."""
    check = getattr(destination, "invalid_ids", None)
    return list(check(account_ids, owner_ids)) if check else []


def owner_key(destination: Any) -> Callable[[str | None], str | None]:
    """How `destination` compares owner ids; plain equality unless it says otherwise."""
    return getattr(destination, "owner_key", None) or (lambda owner_id: owner_id)


def write_batch_size(destination: Any, wanted: int) -> int:
    """Records per engine batch: `wanted`, but no more than one write request takes."""
    return max(1, min(wanted, getattr(destination, "max_batch", wanted)))


def bulk_threshold(destination: Any) -> int | None:
    """Changes from which `destination` writes through its bulk API, or None if it has none."""
    if not callable(getattr(destination, "write_owners_bulk", None)):
        return None
    return getattr(destination, "bulk_threshold", None)


def update_field(crm_field: str | None) -> str | None:
    """An OwnerUpdate's `field` for a change's `crm_field`: None for the CRM owner."""
    return None if crm_field in (None, OWNER_FIELD) else crm_field


def writes_field(destination: Any, field: str | None) -> bool:
    """Whether `destination` writes `field` (None, the CRM owner, always)."""
    check = getattr(destination, "writes_field", None)
    return field is None or (callable(check) and bool(check(field)))


def close(destination: Any) -> None:
    closer = getattr(destination, "close", None)
    if callable(closer):
        closer()


def usage(destination: Any) -> str | None:
    report = getattr(destination, "usage", None)
    return report() if callable(report) else None
