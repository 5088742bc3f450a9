"""HubSpot's CRM v3 search on the local CRM server: filterGroups (OR between groups, AND within
one; at most 5 groups of 6 filters), the operators EQ, NEQ, GT, GTE, LT, LTE, IN, NOT_IN,
HAS_PROPERTY, NOT_HAS_PROPERTY on any property of the object, one sort, `after` paging, at most
200 a page and 10,000 results per query, as HubSpot's search API documents.

A mixin of CrmServer, beside HubSpotReadRoutes (its tables, `_select` and `_records`).
"""

from datetime import UTC, datetime
from typing import Any

from bookflow.local_crm.hubspot_limits import hubspot_error as _error

SEARCH_CAP = 10_000
_OPERATORS = {"GTE": ">=", "GT": ">", "LTE": "<=", "LT": "<", "EQ": "=", "NEQ": "<>"}


def _comparable(column: str, kind: str, value: str) -> tuple[str, Any]:
    """A filter's column expression and value: dates as epoch milliseconds (or ISO 8601), numbers
    as numbers, text without regard to case."""
    if kind.startswith("TIMESTAMP"):  # HubSpot keeps milliseconds
        stamp = (
            datetime.fromtimestamp(int(value) / 1000, UTC)
            if value.isdigit()
            else datetime.fromisoformat(value.replace("Z", "+00:00"))
        )
        return f"date_trunc('millisecond', {column})", stamp.astimezone(UTC).replace(tzinfo=None)
    if kind in ("BIGINT", "INTEGER", "DOUBLE", "HUGEINT") or kind.startswith("DECIMAL"):
        return column, float(value)
    return f"lower(cast({column} as varchar))", value.lower()


class HubSpotSearchRoutes:
    def _search(self, object_type: str, payload: dict[str, Any]) -> tuple:
        limit = int(payload.get("limit") or 10)
        offset = int(payload.get("after") or 0)
        if limit > 200:
            return _error(400, "VALIDATION_ERROR", "limit must be at most 200")
        if offset + limit > SEARCH_CAP:
            return _error(400, "VALIDATION_ERROR", f"the search API returns at most {SEARCH_CAP:,} results per query")
        filtered = self._search_where(object_type, payload.get("filterGroups") or [])
        if isinstance(filtered[0], int):  # HubSpot's 400
            return filtered
        matches, params = filtered
        clauses = ["not archived", f"({matches})"]
        sorts = payload.get("sorts") or [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
        types = self._property_types(object_type)
        if any(s.get("propertyName") not in types for s in sorts):
            return _error(400, "VALIDATION_ERROR", f"cannot sort by {sorts}")
        order = ", ".join(
            f"{'id' if s['propertyName'] == 'hs_object_id' else s['propertyName']} "
            f"{'desc' if s.get('direction') == 'DESCENDING' else 'asc'}"
            for s in sorts
        )
        where = " and ".join(clauses)
        table, kind = self._where(object_type)
        total = self.org.execute(f"select count(*) from {table} where {kind} and {where}", params).fetchone()[0]
        rows, columns = self._select(object_type, where, params, f"{order}, id", limit, offset)
        body: dict[str, Any] = {
            "total": total,
            "results": self._records(object_type, rows, columns, payload.get("properties") or [], []),
        }
        if offset + limit < total:
            body["paging"] = {"next": {"after": str(offset + limit)}}
        return 200, body, None

    def _property_types(self, object_type: str) -> dict[str, str]:
        """Searchable properties of `object_type` and their column types (hs_object_id is the id)."""
        rows = self.org.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'hubspot' and table_name = ?",
            [self._where(object_type)[0].removeprefix("hubspot.")],
        ).fetchall()
        types = {name: kind for name, kind in rows if name not in self.hubspot_hidden_properties}
        return {**types, "hs_object_id": types.pop("id")}

    def _search_where(self, object_type: str, groups: list[dict[str, Any]]) -> tuple:
        """SQL for filterGroups (OR between groups, AND within one), or HubSpot's 400. At most 5 groups
        of 6 filters, as the search API allows."""
        if len(groups) > 5 or any(len(group.get("filters") or []) > 6 for group in groups):
            return _error(400, "VALIDATION_ERROR", "at most 5 filterGroups of at most 6 filters each")
        types = self._property_types(object_type)
        alternatives, params = [], []
        for group in groups:
            conditions = []
            for condition in group.get("filters") or []:
                name, operator = condition.get("propertyName"), condition.get("operator")
                if name not in types:
                    return _error(400, "VALIDATION_ERROR", f"unknown property {name!r} in filter {condition}")
                column, kind = ("id" if name == "hs_object_id" else name), types[name]
                if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
                    conditions.append(f"{column} is {'not ' if operator == 'HAS_PROPERTY' else ''}null")
                elif operator in ("IN", "NOT_IN"):
                    negated = "not " if operator == "NOT_IN" else ""
                    conditions.append(f"lower(cast({column} as varchar)) {negated}in (select unnest(?))")
                    params.append([str(value).lower() for value in condition.get("values") or []])
                elif operator in _OPERATORS:
                    expression, value = _comparable(column, kind, str(condition.get("value", "")))
                    conditions.append(f"{expression} {_OPERATORS[operator]} ?")
                    params.append(value)
                else:
                    return _error(400, "VALIDATION_ERROR", f"unsupported operator in filter {condition}")
            alternatives.append("(" + (" and ".join(conditions) or "true") + ")")
        return " or ".join(alternatives) or "true", params
