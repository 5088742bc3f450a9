"""HubSpot: the private app's token and the API session (session)."""

from bookflow.crm.hubspot.session import DEFAULT_BASE_URL, HubSpotCredentials, HubSpotSession

__all__ = ["DEFAULT_BASE_URL", "HubSpotCredentials", "HubSpotSession"]
