"""HubSpot's side of the local CRM server: CRM v3 companies batch read and update, and the owners
list (the write side's; a loaded portal's own list is served by hubspot_read.py).

A mixin of CrmServer, like SalesforceRoutes; routes run under the server's lock.
"""

from typing import Any

OWNERS_PAGE_MAX = 500  # GET /crm/v3/owners answers at most this many per page
OWNER = "hubspot_owner_id"
# A custom property of type owner besides the company owner (a portal's SDR/BDR field; the demo
# portal's, bookflow.local_crm.sql/hubspot_sdr_property.sql).
SDR_OWNER = "sdr_owner"
OWNER_PROPERTIES = frozenset({OWNER, SDR_OWNER})


class HubSpotRoutes:
    companies: dict[str, str | None]
    hubspot_owners: set[str]
    owner_writes: list[tuple[str, str]]
    company_owner_properties: dict[str, dict[str, str]]

    def _hubspot_owners(self, query: dict[str, list[str]]) -> tuple:
        limit = min(int(query.get("limit", ["100"])[0]), OWNERS_PAGE_MAX)
        start = int(query.get("after", ["0"])[0] or 0)
        owners = sorted(self.hubspot_owners, key=int)
        page = owners[start : start + limit]
        body: dict[str, Any] = {
            "results": [
                {"id": owner, "email": f"owner{owner}@example.com", "type": "PERSON", "archived": False}
                for owner in page
            ]
        }
        if start + limit < len(owners):
            body["paging"] = {"next": {"after": str(start + limit), "link": f"/crm/v3/owners?after={start + limit}"}}
        return 200, body, None

    def _hubspot_read(self, payload: dict[str, Any]) -> tuple:
        ids = [item["id"] for item in payload["inputs"]]
        found = [i for i in ids if i in self.companies]
        names = [name for name in payload.get("properties") or [OWNER] if name in OWNER_PROPERTIES]
        results = [
            {
                "id": i,
                "properties": {"hs_object_id": i}
                | {
                    name: (self.companies[i] if name == OWNER else self.company_owner_properties.get(i, {}).get(name))
                    or ""
                    for name in names
                },
                "archived": False,
            }
            for i in found
        ]
        return self._hubspot_batch(results, [i for i in ids if i not in self.companies])

    def _hubspot_update(self, payload: dict[str, Any]) -> tuple:
        inputs = payload["inputs"]
        # An empty owner unassigns the company (bookflow's pool); any other must be a known owner.
        bad = [
            (name, value)
            for item in inputs
            for name, value in (
                item["properties"].items() if OWNER_PROPERTIES & item["properties"].keys() else [(OWNER, None)]
            )
            if name in OWNER_PROPERTIES and value not in {*self.hubspot_owners, ""}
        ]
        if bad:  # HubSpot validates property values for the whole batch first and writes nothing
            name, owner = bad[0]
            return (
                400,
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": f'Property values were not valid: [{{"isValid":false,"message":"{owner} is not '
                    f'a valid owner id","error":"INVALID_OWNER_ID","name":"{name}"}}]',
                },
                None,
            )
        results, missing = [], []
        for item in inputs:
            if item["id"] not in self.companies:
                missing.append(item["id"])
                continue
            others = {name: value for name, value in item["properties"].items() if name != OWNER}
            if others:
                self.company_owner_properties.setdefault(item["id"], {}).update(others)
                self.record_company_properties(item["id"], others)  # what the read routes serve
            if OWNER not in item["properties"]:
                results.append({"id": item["id"], "properties": others, "archived": False})
                continue
            owner = item["properties"][OWNER]
            self.record_company_owner(item["id"], owner or None)  # what the read routes serve
            self.companies[item["id"]] = owner
            self.owner_writes.append((item["id"], owner))
            results.append({"id": item["id"], "properties": {"hubspot_owner_id": owner}, "archived": False})
        return self._hubspot_batch(results, missing)

    @staticmethod
    def _hubspot_batch(results: list[dict[str, Any]], missing: list[str]) -> tuple:
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if not missing:
            return 200, body, None
        body |= {
            "numErrors": 1,
            "errors": [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some COMPANY objects, they may be deleted or "
                    "not exist. Check that ids are valid.",
                    "context": {"ids": missing},
                }
            ],
        }
        return 207, body, None
