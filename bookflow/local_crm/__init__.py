"""A local HTTPS stand-in for the parts of Salesforce and HubSpot that bookflow uses (tests, benchmarks).

Real sockets, real TLS (a self-signed certificate made with openssl per test session), status
codes and error bodies shaped like the real APIs, and knobs for the failures a real CRM has:
rate limits, outages, slow answers, and connections that drop after the work was done. It binds
to 127.0.0.1 only.

    with CrmServer(*make_certificate(tmp)) as crm:
        crm.users = {"005...": True}
        ...  # point a destination at crm.url, trusting the certificate
"""

from bookflow.local_crm.faults import ANSWERED, APPLIED, RECEIVED, Fault
from bookflow.local_crm.handler import make_certificate
from bookflow.local_crm.hubspot_limits import HubSpotLimits
from bookflow.local_crm.salesforce import API, REQUEST_LIMIT, SESSION_EXPIRED
from bookflow.local_crm.server import Account, CrmServer

__all__ = [
    "ANSWERED",
    "API",
    "APPLIED",
    "RECEIVED",
    "REQUEST_LIMIT",
    "SESSION_EXPIRED",
    "Account",
    "CrmServer",
    "Fault",
    "HubSpotLimits",
    "make_certificate",
]
