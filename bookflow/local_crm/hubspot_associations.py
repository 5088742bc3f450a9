"""HubSpot's associations on the local CRM server: the v4 batch read
(POST /crm/v4/associations/{from}/{to}/batch/read) and the associations the v3 list endpoint
embeds in each record when asked (`associations=companies`).

A mixin of CrmServer, beside HubSpotReadRoutes. Associations live in `hubspot.associations`
(from_type, from_id, to_type, to_id), filled by bookflow.local_crm.orgs.
"""

from typing import Any

from bookflow.local_crm.hubspot_limits import hubspot_error as _error


class HubSpotAssociationRoutes:
    def _linked(self, object_type: str, ids: list[int]) -> dict[int, list[int]]:
        rows = self.org.execute(
            "select from_id, to_id from hubspot.associations where from_type = ? and from_id in (select unnest(?)) "
            "order by from_id, to_id",
            [object_type, ids],
        ).fetchall()
        linked: dict[int, list[int]] = {}
        for from_id, to_id in rows:
            linked.setdefault(from_id, []).append(to_id)
        return linked

    def _embed_associations(self, object_type: str, results: list[dict[str, Any]], wanted: list[str]) -> None:
        """Each record's associations as the v3 list endpoint gives them."""
        if not wanted:
            return
        linked = self._linked(object_type, [int(record["id"]) for record in results])
        for record in results:
            record["associations"] = {
                "companies": {
                    "results": [
                        {"id": str(company), "type": f"{object_type[:-1]}_to_company"}
                        for company in linked.get(int(record["id"]), [])
                    ]
                }
            }

    def _associations(self, from_type: str, to_type: str, payload: dict[str, Any]) -> tuple:
        if to_type != "companies" or from_type not in self.hubspot_object_types:
            return _error(400, "VALIDATION_ERROR", f"unsupported association {from_type} -> {to_type}")
        ids = [int(item["id"]) for item in payload.get("inputs") or []]
        if len(ids) > 1000:
            return _error(400, "VALIDATION_ERROR", "at most 1,000 inputs per batch")
        linked = self._linked(from_type, ids)
        results = [
            {
                "from": {"id": str(from_id)},
                "to": [
                    {"toObjectId": to_id, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 0}]}
                    for to_id in to_ids
                ],
            }
            for from_id, to_ids in linked.items()
        ]
        return 200, {"status": "COMPLETE", "results": results}, None
