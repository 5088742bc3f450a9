"""Reading CRM objects out of HubSpot: list pages (`after` cursors), searches by last
modification (windowed under the search API's 10,000-result cap), batch reads with property
history, v4 association reads, owners and property definitions; every call paced by the
session's budgets (bookflow.crm.budget: the portal's ten-second window, the searches' own).

    reader = HubSpotReader(session)
    for page in reader.list_pages("companies", ["name", "hubspot_owner_id"]): ...
    for page in reader.modified_since("deals", since_ms): ...
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from bookflow.crm.errors import CrmConfigurationError, CrmRequestError
from bookflow.crm.hubspot.session import HubSpotSession

LIST_PAGE = 100  # the list endpoint's largest page
HISTORY_PAGE = 50  # ...and its largest when property history is asked for (batch reads too)
SEARCH_PAGE = 200
SEARCH_CAP = 10_000  # a search returns at most this many results, however it is paged
BATCH_READ = 100
ASSOCIATION_BATCH = 1000  # inputs of a v4 association batch read

# The errors of a batch answer (HTTP 207, one per input) that mean there is nothing to read: a
# record deleted since a search found it (it is listed as archived), or a record with no
# association of the type asked for. Any other error leaves an input unread.
NOTHING_THERE = {"OBJECT_NOT_FOUND"}


class HubSpotReader:
    def __init__(self, session: HubSpotSession) -> None:
        self.session = session

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, path, idempotent=True, **kwargs)
        except CrmConfigurationError as error:
            raise CrmConfigurationError(_scope_hint(str(error), path)) from None
        return response.json() if response.content else {}

    def property_names(self, object_type: str) -> set[str]:
        body = self._call("GET", f"/crm/v3/properties/{object_type}")
        return {item["name"] for item in body.get("results", [])}

    def require_properties(self, object_type: str, wanted: Sequence[str]) -> None:
        """Raise naming each property the portal lacks (HubSpot silently leaves unknown ones out)."""
        missing = [name for name in wanted if name not in self.property_names(object_type)]
        if missing:
            raise CrmConfigurationError(
                f"HubSpot {object_type}: the portal has no propert{'ies' if len(missing) > 1 else 'y'} "
                + ", ".join(missing)
                + f": create {'them' if len(missing) > 1 else 'it'} (Settings > Properties > {object_type}), or "
                "grant the private app the crm.schemas." + object_type + ".read scope if it exists"
            )

    def list_pages(
        self,
        object_type: str,
        properties: Sequence[str],
        *,
        archived: bool = False,
        associations: Sequence[str] = (),
        history: Sequence[str] = (),
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record of `object_type`, page by page (`after` cursors)."""
        params: dict[str, str] = {
            "limit": str(HISTORY_PAGE if history else LIST_PAGE),
            "properties": ",".join(properties),
            "archived": "true" if archived else "false",
        }
        if associations:
            params["associations"] = ",".join(associations)
        if history:
            params["propertiesWithHistory"] = ",".join(history)
        while True:
            body = self._call("GET", f"/crm/v3/objects/{object_type}", params=params)
            yield body.get("results", [])
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            params["after"] = after

    def modified_since(self, object_type: str, since_ms: int) -> Iterator[list[dict[str, Any]]]:
        """Ids and hs_lastmodifieddate of the records modified at or after `since_ms`, oldest first.

        A search stops at 10,000 results, so past that a new search starts at the last
        modification time seen; records sharing that very millisecond are then paged by id.
        """
        start, after_id, same_ms = since_ms, 0, False
        while True:
            filters = (
                [
                    {"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": str(start)},
                    {"propertyName": "hs_object_id", "operator": "GT", "value": str(after_id)},
                ]
                if same_ms
                else [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(start)}]
            )
            sort = "hs_object_id" if same_ms else "hs_lastmodifieddate"
            payload: dict[str, Any] = {
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
                "properties": ["hs_lastmodifieddate"],
                "limit": SEARCH_PAGE,
            }
            seen = 0
            last: dict[str, Any] | None = None
            while True:
                body = self._call("POST", f"/crm/v3/objects/{object_type}/search", json=payload)
                results = body.get("results", [])
                if results:
                    yield results
                    last = results[-1]
                seen += len(results)
                after = ((body.get("paging") or {}).get("next") or {}).get("after")
                if not after or seen + SEARCH_PAGE > SEARCH_CAP:
                    break
                payload["after"] = after
            if not after:
                if same_ms:  # that millisecond is done: on to the ones after it
                    start, same_ms = start + 1, False
                    continue
                return
            # The cap was reached: go on from the last record seen.
            last_ms = _epoch_ms(last["properties"]["hs_lastmodifieddate"]) if last else start
            if same_ms:
                after_id = int(last["id"]) if last else after_id
            elif last_ms == start:
                same_ms, after_id = True, 0
            else:
                start = last_ms

    def batch_read(
        self, object_type: str, ids: Sequence[str], properties: Sequence[str], history: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        size = HISTORY_PAGE if history else BATCH_READ
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), size):
            payload: dict[str, Any] = {
                "inputs": [{"id": record_id} for record_id in ids[start : start + size]],
                "properties": list(properties),
            }
            if history:
                payload["propertiesWithHistory"] = list(history)
            path = f"/crm/v3/objects/{object_type}/batch/read"
            found += _read_whole(self._call("POST", path, json=payload), path)
        return found

    def associated(self, object_type: str, to_type: str, ids: Sequence[str]) -> dict[str, list[str]]:
        """Record id -> the ids of its `to_type` associations, each once, through the v4 batch read:
        1,000 records a call, and a record with more than a page of associations is asked again
        with the `after` its result gave, until none is given."""
        linked: dict[str, list[str]] = {}
        pending = [{"id": str(record_id)} for record_id in ids]
        while pending:
            asked, pending = pending[:ASSOCIATION_BATCH], pending[ASSOCIATION_BATCH:]
            path = f"/crm/v4/associations/{object_type}/{to_type}/batch/read"
            for result in _read_whole(self._call("POST", path, json={"inputs": asked}), path):
                from_id = str(result["from"]["id"])
                linked.setdefault(from_id, []).extend(str(to["toObjectId"]) for to in result.get("to", []))
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    pending.append({"id": from_id, "after": after})
        return {record_id: list(dict.fromkeys(to_ids)) for record_id, to_ids in linked.items()}

    def owners(self, *, archived: bool) -> Iterator[list[dict[str, Any]]]:
        params = {"limit": "500", "archived": "true" if archived else "false"}
        while True:
            body = self._call("GET", "/crm/v3/owners", params=params)
            yield body.get("results", [])
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            params["after"] = after


def _read_whole(body: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The results of a batch read, when each of its inputs was read or has nothing to read.

    A record whose activities lost their company, or a record changed and left out, would move
    ownership on a wrong picture of the work done: an input HubSpot could not read stops the
    pull (nothing of it lands; the next run reads it again) and says why.
    """
    unread = [error for error in body.get("errors") or [] if error.get("category") not in NOTHING_THERE]
    if unread:
        first = unread[0]
        raise CrmRequestError(
            f"HubSpot {path}: {len(unread)} error(s) in the batch's answer, e.g. {first.get('category')}: "
            f"{first.get('message')} ({first.get('context') or {}}); nothing of this pull was landed"
        )
    return body.get("results", [])


def _epoch_ms(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def required_scope(path: str) -> str:
    """The private app scope HubSpot documents for reading what `path` names."""
    parts = path.split("?")[0].strip("/").split("/")
    if "owners" in parts:
        return "crm.objects.owners.read"
    if "properties" in parts:
        return f"crm.schemas.{parts[-1]}.read"
    kind = parts[3] if len(parts) > 3 else ""
    return f"crm.objects.{kind}.read" if kind in ("companies", "deals") else "crm.objects.contacts.read"


def _scope_hint(message: str, path: str) -> str:
    """A 403 is a scope the private app lacks: name it and where to grant it."""
    if "HTTP 403" in message:
        return (
            f"{message}. Grant the private app the {required_scope(path)} scope "
            f"(Settings > Integrations > Private Apps > Scopes) to read {path.split('?')[0]}"
        )
    return message
