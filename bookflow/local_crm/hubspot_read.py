"""HubSpot's read side of the local CRM server: CRM v3 objects (list with `after` paging, search
with its 10,000-result cap, batch read with `propertiesWithHistory`), owners and property
definitions; associations in bookflow.local_crm.hubspot_associations.

A mixin of CrmServer. Records live in DuckDB tables of `self.org` (schema hubspot, filled by
bookflow.local_crm.orgs). Property values are strings, as HubSpot returns them. Budgets and
scopes: bookflow.local_crm.hubspot_limits.
"""

from datetime import UTC, date, datetime
from typing import Any

from bookflow.local_crm.hubspot_associations import HubSpotAssociationRoutes
from bookflow.local_crm.hubspot_limits import hubspot_error as _error
from bookflow.local_crm.hubspot_search import HubSpotSearchRoutes

ENGAGEMENT_TYPES = ("calls", "emails", "meetings", "notes", "tasks")
# Object type -> (table, the scope a private app needs to read it)
_OBJECTS = {
    "companies": ("companies", "crm.objects.companies.read"),
    "deals": ("deals", "crm.objects.deals.read"),
    "contacts": ("contacts", "crm.objects.contacts.read"),
    **{kind: ("engagements", "crm.objects.contacts.read") for kind in ENGAGEMENT_TYPES},
}
_ALWAYS = ("createdate", "hs_lastmodifieddate", "hs_object_id")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class HubSpotReadRoutes(HubSpotAssociationRoutes, HubSpotSearchRoutes):
    hubspot_object_types = _OBJECTS

    def record_company_owner(self, company_id: str, owner_id: str | None) -> None:
        """An owner written through the API: hs_lastmodifieddate moves, the property's history grows
        (when a portal is loaded)."""
        if "hubspot" not in self.loaded:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        self.org.execute(
            "update hubspot.companies set hubspot_owner_id = ?, hs_lastmodifieddate = ? where id = ?",
            [owner_id, now, int(company_id)],
        )
        self.org.execute(
            "insert into hubspot.property_history values ('companies', ?, 'hubspot_owner_id', ?, ?, 'INTEGRATION', 'bookflow')",
            [int(company_id), owner_id, now],
        )

    def record_company_properties(self, company_id: str, properties: dict[str, str | None]) -> None:
        """Other properties written through the API (an SDR owner property): those the portal's
        companies have take the value (empty: none), hs_lastmodifieddate moves, and each one's
        history grows, as the owner's does (when a portal is loaded)."""
        if "hubspot" not in self.loaded:
            return
        known = set(self._columns("companies"))
        now = datetime.now(UTC).replace(tzinfo=None)
        for name, value in properties.items():
            if name not in known:
                continue
            column = name.replace('"', '""')
            self.org.execute(
                f'update hubspot.companies set "{column}" = ?, hs_lastmodifieddate = ? where id = ?',
                [value or None, now, int(company_id)],
            )
            self.org.execute(
                "insert into hubspot.property_history values ('companies', ?, ?, ?, ?, 'INTEGRATION', 'bookflow')",
                [int(company_id), name, value or None, now],
            )

    # -- dispatch -------------------------------------------------------------------------------

    def _hubspot_get(self, path: str, query: dict[str, list[str]]) -> tuple | None:
        parts = path.strip("/").split("/")
        if parts[:3] == ["crm", "v3", "owners"]:
            # The portal's owners when one is loaded, else the write side's list.
            owners = self._owners if "hubspot" in self.loaded else self._hubspot_owners
            return self._hubspot_scope_error("crm.objects.owners.read") or owners(query)
        if parts[:3] == ["crm", "v3", "properties"] and len(parts) == 4:
            return self._properties(parts[3])
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) == 4 and parts[3] in _OBJECTS:
            return self._hubspot_scope_error(_OBJECTS[parts[3]][1]) or self._list(parts[3], query)
        return None

    def _hubspot_post(self, path: str, payload: dict[str, Any]) -> tuple | None:
        parts = path.strip("/").split("/")
        if parts == ["crm", "v3", "objects", "contacts"]:
            return self._hubspot_scope_error("crm.objects.contacts.write") or self._create_contact(payload)
        if parts[:3] == ["crm", "v4", "associations"] and parts[5:] == ["batch", "read"]:
            return self._associations(parts[3], parts[4], payload)
        if parts[:3] != ["crm", "v3", "objects"] or len(parts) < 5 or parts[3] not in _OBJECTS:
            return None
        denied = self._hubspot_scope_error(_OBJECTS[parts[3]][1])
        if parts[4:] == ["search"]:
            return denied or self._search(parts[3], payload)
        if parts[4:] == ["batch", "read"] and (parts[3] != "companies" or "propertiesWithHistory" in payload):
            return denied or self._batch_read(parts[3], payload)
        return None

    # -- reads ----------------------------------------------------------------------------------

    def _where(self, object_type: str) -> tuple[str, str]:
        table = _OBJECTS[object_type][0]
        where = f"object_type = '{object_type}'" if table == "engagements" else "true"
        return f"hubspot.{table}", where

    def _columns(self, object_type: str) -> list[str]:
        table = _OBJECTS[object_type][0]
        rows = self.org.execute(
            "select column_name from information_schema.columns where table_schema = 'hubspot' and table_name = ? "
            "order by ordinal_position",
            [table],
        ).fetchall()
        return [row[0] for row in rows if row[0] not in ("id", "object_type", "archived", "archived_at")]

    def _properties(self, object_type: str) -> tuple:
        if object_type not in _OBJECTS:
            return _error(404, "OBJECT_NOT_FOUND", f"Unable to infer object type from: {object_type}")
        names = [name for name in self._columns(object_type) if name not in self.hubspot_hidden_properties]
        return 200, {"results": [{"name": name} for name in [*names, "hs_object_id"]]}, None

    def _records(self, object_type: str, rows: list[tuple], columns: list[str], wanted: list[str], history: list[str]):
        known = set(self._columns(object_type)) - self.hubspot_hidden_properties
        shown = [name for name in dict.fromkeys([*_ALWAYS, *wanted]) if name in known or name == "hs_object_id"]
        ids = [row[0] for row in rows]
        histories = self._histories(object_type, ids, [h for h in history if h in known])
        results = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            properties = {name: _text(values["id"] if name == "hs_object_id" else values.get(name)) for name in shown}
            record: dict[str, Any] = {
                "id": str(values["id"]),
                "properties": properties,
                "createdAt": _text(values.get("createdate")),
                "updatedAt": _text(values.get("hs_lastmodifieddate")),
                "archived": bool(values.get("archived")),
            }
            if values.get("archived"):
                record["archivedAt"] = _text(values.get("archived_at"))
            if history:
                record["propertiesWithHistory"] = {
                    name: histories.get((values["id"], name), []) for name in history if name in known
                }
            results.append(record)
        return results

    def _histories(self, object_type: str, ids: list[int], names: list[str]) -> dict[tuple[int, str], list]:
        if not ids or not names:
            return {}
        rows = self.org.execute(
            "select object_id, property, value, timestamp, source_type, source_id from hubspot.property_history "
            "where object_type = ? and object_id in (select unnest(?)) and property in (select unnest(?)) "
            "order by object_id, property, timestamp desc",
            [_OBJECTS[object_type][0], ids, names],
        ).fetchall()
        found: dict[tuple[int, str], list] = {}
        for object_id, name, value, stamp, source_type, source_id in rows:
            found.setdefault((object_id, name), []).append(
                {"value": value or "", "timestamp": _text(stamp), "sourceType": source_type, "sourceId": source_id}
            )
        return found

    def _select(
        self, object_type: str, where: str, params: list, order: str, limit: int, offset: int = 0
    ) -> tuple[list, list]:
        table, kind = self._where(object_type)
        columns = "* exclude (object_type)" if table.endswith("engagements") else "*"
        cursor = self.org.execute(
            f"select {columns} from {table} where {kind} and {where} order by {order} limit {limit} offset {offset}",
            params,
        )
        columns = [item[0] for item in cursor.description]
        return cursor.fetchall(), columns

    def _list(self, object_type: str, query: dict[str, list[str]]) -> tuple:
        first = lambda name, default="": (query.get(name) or [default])[0]  # noqa: E731
        history = [name for name in first("propertiesWithHistory").split(",") if name]
        limit = int(first("limit", "10"))
        if limit > (50 if history else 100):
            return _error(400, "VALIDATION_ERROR", f"limit must be at most {50 if history else 100}")
        archived = first("archived", "false") == "true"
        after = int(first("after", "0") or 0)
        rows, columns = self._select(object_type, "archived = ? and id > ?", [archived, after], "id", limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        body: dict[str, Any] = {
            "results": self._records(object_type, rows, columns, first("properties").split(","), history)
        }
        self._embed_associations(
            object_type, body["results"], [name for name in first("associations").split(",") if name]
        )
        if more:
            body["paging"] = {"next": {"after": str(rows[-1][0]), "link": "?after=" + str(rows[-1][0])}}
        return 200, body, None

    def _batch_read(self, object_type: str, payload: dict[str, Any]) -> tuple:
        history = payload.get("propertiesWithHistory") or []
        ids = [int(item["id"]) for item in payload.get("inputs") or []]
        if len(ids) > (50 if history else 100):
            return _error(400, "VALIDATION_ERROR", f"at most {50 if history else 100} inputs per batch")
        archived = bool(payload.get("archived"))
        rows, columns = self._select(
            object_type, "archived = ? and id in (select unnest(?))", [archived, ids], "id", max(1, len(ids))
        )
        results = self._records(object_type, rows, columns, payload.get("properties") or [], history)
        return 200, {"status": "COMPLETE", "results": results}, None

    def _owners(self, query: dict[str, list[str]]) -> tuple:
        first = lambda name, default="": (query.get(name) or [default])[0]  # noqa: E731
        limit = min(int(first("limit", "100")), 500)
        archived = first("archived", "false") == "true"
        after = int(first("after", "0") or 0)
        cursor = self.org.execute(
            "select * from hubspot.owners where archived = ? and id > ? order by id limit ?",
            [archived, after, limit + 1],
        )
        columns = [item[0] for item in cursor.description]
        rows = cursor.fetchall()
        results = [
            {
                name: (_text(value) if name in ("createdAt", "updatedAt") else value)
                for name, value in zip(columns, row, strict=True)
            }
            | {"id": str(row[0])}
            for row in rows[:limit]
        ]
        body: dict[str, Any] = {"results": results}
        if len(rows) > limit:
            body["paging"] = {"next": {"after": str(rows[limit - 1][0])}}
        return 200, body, None
