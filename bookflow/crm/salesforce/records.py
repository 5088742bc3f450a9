"""Reading one field of many records by id, matched exactly.

By sObject Collections retrieve (a POST of up to 2,000 ids: no URL to outgrow), or by SOQL
`WHERE Id IN (...)` where an API answers that it has no such retrieve (404/405; the session
remembers). Answers are matched to the ids asked through bookflow.crm.salesforce.ids: a record
answered under another id than asked is not taken.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from bookflow.crm.salesforce import ids
from bookflow.crm.salesforce.session import RETRIEVE_MAX, SalesforceSession

QUERY_CHUNK = 200  # ids per SOQL query: keeps the URL far below Salesforce's 16,384-byte limit


def field_by_id(session: SalesforceSession, sobject: str, keys: Sequence[str], field: str) -> dict[str, Any]:
    """`field` of each live record among `keys` (canonical 18-character ids); absent ones are left out.

    `sobject` and `field` go into the request as they are: the caller allowlists them.
    """
    if session.collections_retrieve:
        found = _retrieved(session, sobject, keys, field)
        if found is not None:
            return found
        session.collections_retrieve = False
    return _queried(session, sobject, keys, field)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _retrieved(session: SalesforceSession, sobject: str, keys: Sequence[str], field: str) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    for chunk in _chunks(keys, RETRIEVE_MAX):
        records = session.retrieve(sobject, chunk, [field])
        if records is None:
            return None
        for key, record in zip(chunk, records, strict=True):
            # In request order; the API answers with canonical ids, anything else is checked.
            if record is not None and (record.get("Id") == key or ids.canonical(str(record.get("Id", ""))) == key):
                found[key] = record.get(field)
    return found


def _queried(session: SalesforceSession, sobject: str, keys: Sequence[str], field: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(keys, QUERY_CHUNK):
        wanted = set(chunk)
        listed = ", ".join(f"'{key}'" for key in chunk)  # canonical ids only: no quotes inside
        for record in session.query(f"SELECT Id, {field} FROM {sobject} WHERE Id IN ({listed})"):
            key = ids.canonical(str(record["Id"]))
            if key in wanted:
                found[key] = record.get(field)
    return found
