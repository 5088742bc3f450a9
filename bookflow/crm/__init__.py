"""Clients for the CRMs bookflow reads from and writes to: one per CRM, shared by every caller.

`bookflow.crm.salesforce` and `bookflow.crm.hubspot` hold the login, the HTTP session, paging,
reads by id and the bulk APIs; `bookflow.crm.transport` the HTTPS-only rule, the trusted CAs
(BOOKFLOW_CA_BUNDLE) and the HTTP client; `bookflow.crm.http` the retry policy and error map;
`bookflow.crm.budget` the rate budget each session shares among its threads. The write-back's
destinations (reverse_etl/destinations/) and the extract build on them, so credentials, TLS
settings and rate limits are configured once.
"""
