"""Errors the sync raises when it cannot go on; per-record problems are data, not exceptions.

    SyncError                  base: catch this to handle any sync failure
    ├── ConfigurationError     the sync cannot start or go on until a person fixes its setup: a
    │   │                      missing file, table or credential, a certificate, refused login
    │   └── InvalidIds         ids the destination cannot accept: nothing was written
    ├── DestinationError       the destination failed as a whole for one batch (locked,
    │   │                      unreachable); the sync goes on, the batch is left for later
    │   ├── AnswerLost         a write's answer was lost: read back before the sync ends
    │   └── LimitReached       the CRM's allowance is spent: no new batch starts
    └── BlastRadiusExceeded    more changes planned than the caller allowed; nothing was written

The CRM clients (bookflow.crm) raise CrmConfigurationError and CrmRequestError (and its
CrmAnswerLost, CrmLimitReached); the destinations turn them into the sync's own (`sync_errors`),
so a caller of the sync handles one tree.

A record the CRM rejects (unknown id, inactive owner...) is not an exception: it comes back as a
`RecordResult` and lands in the ledger as 'failed' with the CRM's message.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from bookflow.crm.errors import CrmAnswerLost, CrmConfigurationError, CrmLimitReached, CrmRequestError


class SyncError(Exception):
    """Base of every error the reverse-ETL sync raises."""


class ConfigurationError(SyncError, CrmConfigurationError):
    """The sync cannot start until a person fixes its setup; the message names what is missing."""

    @classmethod
    def missing_env(cls, variable: str, purpose: str) -> "ConfigurationError":
        """A credential or setting expected in environment variable `variable` is not set."""
        return cls(f"environment variable {variable} is not set: it holds {purpose}")


class InvalidIds(ConfigurationError):
    """Ids in the plan that the destination cannot accept; the sync refused before writing."""

    SHOWN = 10

    def __init__(self, destination: str, problems: list[str]) -> None:
        shown = "; ".join(problems[: self.SHOWN])
        if len(problems) > self.SHOWN:
            shown += f"; and {len(problems) - self.SHOWN} more (`bookflow sync --dry-run` lists them)"
        super().__init__(
            f"sync refused, nothing was written: {len(problems)} ids in the plan cannot go to {destination}: "
            f"{shown}. Fix them upstream (the raw CRM tables or the dbt models that map ids), then sync again"
        )
        self.problems = problems


class DestinationError(SyncError, CrmRequestError):
    """The destination could not take a batch at all (as opposed to rejecting single records)."""


class AnswerLost(DestinationError, CrmAnswerLost):
    """A write was sent and its answer lost: whether it was applied is known only by reading back."""


class LimitReached(DestinationError, CrmLimitReached):
    """The destination's rate allowance is spent for now: starting more batches would only fail."""


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
    except CrmAnswerLost as error:
        raise AnswerLost(str(error)) from error
    except CrmLimitReached as error:
        raise LimitReached(str(error)) from error
    except CrmRequestError as error:
        raise DestinationError(str(error)) from error
