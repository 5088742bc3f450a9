"""Salesforce: login (auth), the REST session with SOQL paging (session), Bulk API 2.0 (bulk), ids."""

from bookflow.crm.salesforce.auth import DEFAULT_API_VERSION, GrantType, SalesforceCredentials
from bookflow.crm.salesforce.session import SalesforceSession

__all__ = ["DEFAULT_API_VERSION", "GrantType", "SalesforceCredentials", "SalesforceSession"]
