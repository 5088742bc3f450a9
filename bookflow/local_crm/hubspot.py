"""HubSpot's side of the local CRM server: CRM v3 companies batch read and update.

A mixin of CrmServer, like SalesforceRoutes.
"""

from typing import Any


class HubSpotRoutes:
    def _hubspot_read(self, payload: dict[str, Any]) -> tuple:
        ids = [item["id"] for item in payload["inputs"]]
        found = [i for i in ids if i in self.companies]
        results = [
            {"id": i, "properties": {"hs_object_id": i, "hubspot_owner_id": self.companies[i] or ""}, "archived": False}
            for i in found
        ]
        return self._hubspot_batch(results, [i for i in ids if i not in self.companies])

    def _hubspot_update(self, payload: dict[str, Any]) -> tuple:
        inputs = payload["inputs"]
        bad = [i for i in inputs if i["properties"].get("hubspot_owner_id") not in self.hubspot_owners]
        if bad:  # HubSpot validates property values for the whole batch first and writes nothing
            owner = bad[0]["properties"].get("hubspot_owner_id")
            return (
                400,
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": f'Property values were not valid: [{{"isValid":false,"message":"{owner} is not '
                    f'a valid owner id","error":"INVALID_OWNER_ID","name":"hubspot_owner_id"}}]',
                },
                None,
            )
        results, missing = [], []
        for item in inputs:
            if item["id"] not in self.companies:
                missing.append(item["id"])
                continue
            owner = item["properties"]["hubspot_owner_id"]
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
