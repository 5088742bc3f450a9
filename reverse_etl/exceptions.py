"""Errors the sync raises when it cannot go on; per-record problems are data, not exceptions.

    SyncError                  base: catch this to handle any sync failure
    ├── ConfigurationError     the sync cannot start: a missing file, table or credential env var
    ├── DestinationError       the destination failed as a whole (locked, unreachable); nothing
    │                          in the failed batch is recorded, so the next sync retries it
    └── BlastRadiusExceeded    more changes planned than the caller allowed; nothing was written

The CRM clients (bookflow.crm) raise CrmConfigurationError and CrmRequestError; the destinations
turn them into ConfigurationError and DestinationError (`sync_errors`), so a caller of the sync
handles one tree.

A record the CRM rejects (unknown id, inactive owner...) is not an exception: it comes back as a
`RecordResult` and lands in the ledger as 'failed' with the CRM's message.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from bookflow.crm.errors import CrmConfigurationError, CrmRequestError


class SyncError(Exception):
    """Base of every error the reverse-ETL sync raises."""


class ConfigurationError(SyncError, CrmConfigurationError):
    """The sync cannot start until a person fixes its setup; the message names what is missing."""

    @classmethod
    def missing_env(cls, variable: str, purpose: str) -> "ConfigurationError":
        """A credential or setting expected in environment variable `variable` is not set."""
        return cls(f"environment variable {variable} is not set: it holds {purpose}")


class DestinationError(SyncError, CrmRequestError):
    """The destination could not take a batch at all (as opposed to rejecting single records)."""


class BlastRadiusExceeded(SyncError):
    """The plan would move more than the guard allows: nothing was written."""

    # A runaway plan can break the limit for every rep; the message names the first few.
    SHOWN = 5

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[: self.SHOWN])
        if len(problems) > self.SHOWN:
            shown += f"; and {len(problems) - self.SHOWN} more (see `bookflow sync --dry-run`)"
        super().__init__(
            "sync refused, nothing was written: "
            + shown
            + ". Check the plan with `bookflow sync --dry-run`; if it is right, rerun with --force "
            "or raise --max-book-share / --max-total-share"
        )
        self.problems = problems


@contextmanager
def sync_errors() -> Iterator[None]:
    """Raise the CRM clients' errors as the sync's own, with the same message."""
    try:
        yield
    except (ConfigurationError, DestinationError):
        raise
    except CrmConfigurationError as error:
        raise ConfigurationError(str(error)) from error
    except CrmRequestError as error:
        raise DestinationError(str(error)) from error
