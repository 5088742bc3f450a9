"""Errors of the CRM clients, for whoever calls them (the write-back, the extract, routing).

    CrmError                   base
    ├── CrmConfigurationError  a person must fix the setup: credentials, URL, certificate, permission
    └── CrmRequestError        the CRM failed as a whole for a request (after the retries it merits)
        ├── CrmAnswerLost      a write was sent and its answer lost: the CRM may have applied it
        └── CrmLimitReached    the CRM's allowance is spent, or what is left of it is kept for others

Rejected records are not errors: the callers get them back as data.
"""


class CrmError(Exception):
    """Base of every error the CRM clients raise."""


class CrmConfigurationError(CrmError):
    """The CRM cannot be used until a person fixes its setup; the message names what to fix."""

    @classmethod
    def missing_env(cls, variable: str, purpose: str) -> "CrmConfigurationError":
        """A credential or setting expected in environment variable `variable` is not set."""
        return cls(f"environment variable {variable} is not set: it holds {purpose}")


class CrmRequestError(CrmError):
    """A request failed as a whole: the CRM is down, refused it, or its answer was lost."""


class CrmAnswerLost(CrmRequestError):
    """A request that changes data left this machine and no answer came back (a dropped connection,
    a read timeout, a 500/502/504): whether the CRM applied it is unknown until it is read back.
    It is never resent blindly."""


class CrmLimitReached(CrmRequestError):
    """The CRM's rate allowance (a daily limit, or a window that did not reopen within the retries)
    is spent, or the work would need the share of it kept for the org's other uses: starting more
    requests now only burns attempts."""
