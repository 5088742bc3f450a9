"""What the sync engine needs from a destination: read owners, write owners, report per record."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class RecordErrorCode(StrEnum):
    """Why a destination rejected one record; named like the Salesforce API's error codes."""

    NOT_FOUND = "NOT_FOUND"  # no account with this id
    DUPLICATE_ID = "DUPLICATE_ID"  # the id is on several accounts (dirty data) or twice in one write
    ENTITY_IS_DELETED = "ENTITY_IS_DELETED"  # the account is in the recycle bin
    INACTIVE_OWNER = "INACTIVE_OWNER"  # the new owner is not an active user
    REQUIRED_FIELD_MISSING = "REQUIRED_FIELD_MISSING"  # no owner id given


@dataclass(frozen=True)
class OwnerUpdate:
    """Set the owner of one CRM account; ids are the CRM's (the pool is its pool user)."""

    account_id: str
    owner_id: str


@dataclass(frozen=True)
class RecordResult:
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
