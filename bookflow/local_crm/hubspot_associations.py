"""HubSpot's associations on the local CRM server: the v4 batch read
(POST /crm/v4/associations/{from}/{to}/batch/read: at most 1,000 inputs, each answered a page of
its associations, and `paging.next.after` to send back with its id for the next; an input with
none is an error of the answer, HTTP 207 as HubSpot gives it) and the
associations the v3 list endpoint embeds in each record when asked (`associations=companies,
contacts`: the first 100 of each type, with `paging.next` when the record has more).

A mixin of CrmServer, beside HubSpotReadRoutes. Associations live in `hubspot.associations`
(from_type, from_id, to_type, to_id), filled by bookflow.local_crm.orgs.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bookflow.local_crm.hubspot_limits import hubspot_error as _error

ASSOCIATED_TYPES = ("companies", "contacts")
_SINGULAR = {"companies": "company", "contacts": "contact", "deals": "deal"}


def _singular(object_type: str) -> str:
    return _SINGULAR.get(object_type, object_type.removesuffix("s"))


class HubSpotAssociationRoutes:
    hubspot_object_types: dict
    # Settable per server, so tests can make a record's associations span pages.
    association_page = 500  # v4 batch read: associations per input and page
    embedded_associations = 100  # v3 list: associations of one type embedded per record
    # from_id -> (category, message): inputs the v4 batch read answers with that error instead.
    # A test gives a server its own mapping; the default is shared by every server, so read-only.
    association_errors: Mapping[int, tuple[str, str]] = MappingProxyType({})

    def _linked(self, object_type: str, ids: list[int], to_type: str = "companies") -> dict[int, list[int]]:
        rows = self.org.execute(
            "select from_id, to_id from hubspot.associations "
            "where from_type = ? and to_type = ? and from_id in (select unnest(?)) order by from_id, to_id",
            [object_type, to_type, ids],
        ).fetchall()
        linked: dict[int, list[int]] = {}
        for from_id, to_id in rows:
            linked.setdefault(from_id, []).append(to_id)
        return linked

    def _embed_associations(self, object_type: str, results: list[dict[str, Any]], wanted: list[str]) -> None:
        """Each record's associations as the v3 list endpoint gives them: a type the record has
        none of is left out."""
        ids = [int(record["id"]) for record in results]
        for to_type in (name for name in dict.fromkeys(wanted) if name in ASSOCIATED_TYPES):
            linked = self._linked(object_type, ids, to_type)
            kind = f"{_singular(object_type)}_to_{_singular(to_type)}"
            for record in results:
                to_ids = linked.get(int(record["id"]), [])
                if not to_ids:
                    continue
                shown = to_ids[: self.embedded_associations]
                embedded: dict[str, Any] = {"results": [{"id": str(to_id), "type": kind} for to_id in shown]}
                if len(to_ids) > len(shown):
                    after = str(len(shown))
                    link = f"/crm/v3/objects/{object_type}/{record['id']}/associations/{to_type}?after={after}"
                    embedded["paging"] = {"next": {"after": after, "link": link}}
                record.setdefault("associations", {})[to_type] = embedded

    def _associations(self, from_type: str, to_type: str, payload: dict[str, Any]) -> tuple:
        if to_type not in ASSOCIATED_TYPES or from_type not in self.hubspot_object_types:
            return _error(400, "VALIDATION_ERROR", f"unsupported association {from_type} -> {to_type}")
        inputs = payload.get("inputs") or []
        if len(inputs) > 1000:
            return _error(400, "VALIDATION_ERROR", "at most 1,000 inputs per batch")
        linked = self._linked(from_type, [int(item["id"]) for item in inputs], to_type)
        results, errors = [], []
        for item in inputs:
            from_id = int(item["id"])
            if from_id in self.association_errors:
                category, message = self.association_errors[from_id]
                errors.append(_input_error(category, None, message, item["id"], from_type, to_type))
                continue
            to_ids = linked.get(from_id, [])
            start = int(item.get("after") or 0)
            page = to_ids[start : start + self.association_page]
            if not page:
                message = f"No {_singular(to_type)} is associated with {_singular(from_type)} {item['id']}."
                no_associations = "crm.associations.NO_ASSOCIATIONS_FOUND"
                errors.append(
                    _input_error("OBJECT_NOT_FOUND", no_associations, message, item["id"], from_type, to_type)
                )
                continue
            result: dict[str, Any] = {
                "from": {"id": str(item["id"])},
                "to": [
                    {"toObjectId": to_id, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 0}]}
                    for to_id in page
                ],
            }
            if start + len(page) < len(to_ids):
                result["paging"] = {"next": {"after": str(start + len(page))}}
            results.append(result)
        if errors:
            return 207, {"status": "COMPLETE", "results": results, "numErrors": len(errors), "errors": errors}, None
        return 200, {"status": "COMPLETE", "results": results}, None


def _input_error(
    category: str, sub_category: str | None, message: str, from_id: str, from_type: str, to_type: str
) -> dict[str, Any]:
    """One input's error in a batch answer, as HubSpot words them."""
    context = {
        "fromObjectId": [str(from_id)],
        "fromObjectType": [_singular(from_type)],
        "toObjectType": [_singular(to_type)],
    }
    error = {"status": "error", "category": category, "message": message, "context": context}
    return error | ({"subCategory": sub_category} if sub_category else {})
