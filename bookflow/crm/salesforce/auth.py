"""How bookflow logs in to a Salesforce org: the connected app's OAuth 2.0 flows and their settings.

    credentials = SalesforceCredentials.from_env()      # SALESFORCE_* variables
    with SalesforceSession(credentials) as session:     # bookflow.crm.salesforce.session
        ...

Secrets are held as `Secret`s: they never show in repr(), logs or error messages.
"""

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import jwt

from bookflow.crm.errors import CrmConfigurationError
from bookflow.crm.http import Secret
from bookflow.crm.transport import require_https

DEFAULT_API_VERSION = "v61.0"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class GrantType(StrEnum):
    """How bookflow logs in to Salesforce (OAuth 2.0 flows of a connected app)."""

    CLIENT_CREDENTIALS = "client_credentials"  # server-to-server, runs as the app's configured user
    JWT = "jwt"  # urn:ietf:params:oauth:grant-type:jwt-bearer: certificate-signed, no secret shared
    PASSWORD = "password"  # username-password: sandboxes and quick trials only


@dataclass(frozen=True)
class SalesforceCredentials:
    """Where and how to log in.

    `login_url` is where the token is requested: the org's My Domain URL for client_credentials,
    login.salesforce.com / test.salesforce.com for the password and JWT flows. API calls go to
    `instance_url`, or to the instance URL the token response names.
    """

    login_url: str
    client_id: str
    grant_type: GrantType = GrantType.CLIENT_CREDENTIALS
    client_secret: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    private_key: Secret | None = None
    instance_url: str | None = None
    api_version: str = DEFAULT_API_VERSION

    def __post_init__(self) -> None:
        # The token request carries the secret, every API call the token: HTTPS only.
        object.__setattr__(
            self, "login_url", require_https(self.login_url, "the Salesforce login URL (SALESFORCE_LOGIN_URL)")
        )
        if self.instance_url:
            object.__setattr__(
                self,
                "instance_url",
                require_https(self.instance_url, "the Salesforce instance URL (SALESFORCE_INSTANCE_URL)"),
            )
        if not re.fullmatch(r"v\d+\.\d", self.api_version):
            raise CrmConfigurationError(
                f"Salesforce API version {self.api_version!r} should look like {DEFAULT_API_VERSION}"
            )
        try:
            object.__setattr__(self, "grant_type", GrantType(self.grant_type))
        except ValueError:
            choices = ", ".join(grant.value for grant in GrantType)
            raise CrmConfigurationError(
                f"unknown Salesforce grant type {self.grant_type!r}: use one of {choices}"
            ) from None
        if not self.client_id:
            raise CrmConfigurationError("Salesforce client_id (the connected app's consumer key) is empty")
        if self.grant_type is GrantType.JWT and not (self.username and self.private_key):
            raise CrmConfigurationError(
                "the Salesforce JWT bearer flow needs the username to act as and the connected app's "
                "private key (PEM) that signs the assertion"
            )
        if self.grant_type is GrantType.CLIENT_CREDENTIALS and not self.client_secret:
            raise CrmConfigurationError("the Salesforce client_credentials flow needs a client secret")
        if self.grant_type is GrantType.PASSWORD and not (self.username and self.password):
            raise CrmConfigurationError("the Salesforce password flow needs a username and a password")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "SalesforceCredentials":
        """Settings from SALESFORCE_* environment variables.

        SALESFORCE_INSTANCE_URL (My Domain URL) or SALESFORCE_LOGIN_URL, SALESFORCE_CLIENT_ID, and
        SALESFORCE_CLIENT_SECRET (client_credentials, the default) or SALESFORCE_USERNAME and
        SALESFORCE_PASSWORD (password flow, chosen when SALESFORCE_USERNAME is set; append the
        security token to the password if the org asks for one). SALESFORCE_GRANT_TYPE=jwt takes
        SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE (the connected app's PEM key) instead.
        Optional: SALESFORCE_API_VERSION (default v61.0).
        """
        env = os.environ if environ is None else environ

        def need(variable: str, purpose: str) -> str:
            value = env.get(variable, "").strip()
            if not value:
                raise CrmConfigurationError.missing_env(variable, purpose)
            return value

        instance_url = env.get("SALESFORCE_INSTANCE_URL", "").strip() or None
        login_url = env.get("SALESFORCE_LOGIN_URL", "").strip() or instance_url
        if not login_url:
            raise CrmConfigurationError.missing_env(
                "SALESFORCE_INSTANCE_URL",
                "the org's My Domain URL, e.g. https://acme.my.salesforce.com (or set SALESFORCE_LOGIN_URL)",
            )
        username = env.get("SALESFORCE_USERNAME", "").strip() or None
        grant = env.get("SALESFORCE_GRANT_TYPE", "").strip() or (
            GrantType.PASSWORD if username else GrantType.CLIENT_CREDENTIALS
        )
        client_id = need("SALESFORCE_CLIENT_ID", "the connected app's consumer key")
        secret = env.get("SALESFORCE_CLIENT_SECRET", "").strip() or None
        password = private_key = None
        if grant == GrantType.CLIENT_CREDENTIALS:
            secret = need("SALESFORCE_CLIENT_SECRET", "the connected app's consumer secret")
        elif grant == GrantType.PASSWORD:
            username = need("SALESFORCE_USERNAME", "the Salesforce user bookflow logs in as")
            password = need("SALESFORCE_PASSWORD", "that user's password (plus security token if required)")
        elif grant == GrantType.JWT:
            username = need("SALESFORCE_USERNAME", "the Salesforce user the JWT bearer flow acts as")
            key_file = Path(need("SALESFORCE_PRIVATE_KEY_FILE", "the path of the connected app's PEM private key"))
            if not key_file.is_file():
                raise CrmConfigurationError(f"SALESFORCE_PRIVATE_KEY_FILE points to {key_file}, which is not a file")
            private_key = key_file.read_text()
        return cls(
            login_url,
            client_id,
            grant_type=grant,
            client_secret=Secret(secret) if secret else None,
            username=username,
            password=Secret(password) if password else None,
            private_key=Secret(private_key) if private_key else None,
            instance_url=instance_url,
            api_version=env.get("SALESFORCE_API_VERSION", "").strip() or DEFAULT_API_VERSION,
        )

    def token_form(self) -> dict[str, str]:
        """The form posted to /services/oauth2/token for this grant."""
        if self.grant_type is GrantType.JWT:
            return {"grant_type": JWT_BEARER_GRANT, "assertion": self._jwt_assertion()}
        form = {"grant_type": self.grant_type.value, "client_id": self.client_id}
        if self.client_secret is not None:
            form["client_secret"] = self.client_secret.reveal()
        if self.grant_type is GrantType.PASSWORD:
            assert self.username is not None and self.password is not None
            form |= {"username": self.username, "password": self.password.reveal()}
        return form

    def _jwt_assertion(self) -> str:
        # Salesforce's JWT bearer flow: the app (iss) asks for a token for a user (sub) at the
        # login server (aud), signed RS256 with the key whose certificate the app holds.
        assert self.username is not None and self.private_key is not None
        claims = {"iss": self.client_id, "sub": self.username, "aud": self.login_url, "exp": int(time.time()) + 180}
        return jwt.encode(claims, self.private_key.reveal(), algorithm="RS256")

    def __repr__(self) -> str:
        # Secrets stay out; the user name is not a secret and says which login is in use.
        user = f", username={self.username!r}" if self.username else ""
        return (
            f"SalesforceCredentials({self.login_url!r}, grant_type={self.grant_type.value!r}{user}, "
            f"api_version={self.api_version!r})"
        )
