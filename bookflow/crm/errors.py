"""Errors of the CRM clients, for whoever calls them (the write-back, the extract, routing).

    CrmError                   base
    ├── CrmConfigurationError  a person must fix the setup: credentials, URL, certificate, permission
    └── CrmRequestError        the CRM failed as a whole for a request (after the retries it merits)

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
