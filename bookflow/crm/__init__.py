"""Clients for the CRMs bookflow reads from and writes to: one per CRM, shared by every caller.

`bookflow.crm.salesforce` and `bookflow.crm.hubspot` hold the login, the HTTP session, paging and
the bulk APIs; `bookflow.crm.http` the retry policy and error mapping they share. The write-back's
destinations (reverse_etl/destinations/) and the extract build on them, so credentials, TLS
settings and rate limits are configured once.
"""
