"""Records created and edited through the API on the local CRM server: Salesforce Leads
(POST/PATCH /sobjects/Lead, REST "Create a Record" / "Update a Record") and HubSpot contacts
(POST /crm/v3/objects/contacts). These are where hand raises start in a CRM; the read routes
(SOQL, CRM search) serve them like every other record of the org.

A mixin of CrmServer, run under its lock. Answers and error bodies follow the public APIs: a
create answers 201 with the new id; an unknown field is INVALID_FIELD (Salesforce) or a 400
VALIDATION_ERROR (HubSpot); a required field missing is REQUIRED_FIELD_MISSING; a second HubSpot
contact with an e-mail already taken is a 409 CONFLICT naming the existing id.
"""

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bookflow.crm.salesforce.ids import to_18
from bookflow.local_crm.hubspot_limits import hubspot_error

SCHEMA = Path(__file__).parent / "sql" / "hand_raise_objects.sql"
_LEAD_REQUIRED = ("LastName", "Company")
_SYSTEM_FIELDS = {"id", "createddate", "systemmodstamp", "isdeleted", "isconverted"}
_CONTACT_SYSTEM = {"id", "createdate", "lastmodifieddate", "hs_lastmodifieddate", "archived", "archived_at"}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _field_error(code: str, message: str, fields: list[str]) -> tuple:
    return 400, [{"message": message, "errorCode": code, "fields": fields}], None


class CreatedRecordRoutes:
    def ensure_hand_raise_objects(self) -> None:
        self.org.execute(SCHEMA.read_text())

    # -- Salesforce -----------------------------------------------------------------------------

    def _lead_fields(self, payload: dict[str, Any]) -> tuple[dict[str, Any], tuple | None]:
        """The payload's fields as the org spells them, or Salesforce's error for the first bad one."""
        columns = {name.lower(): name for name in self._column_types("Lead")}
        fields: dict[str, Any] = {}
        for name, value in payload.items():
            if name == "attributes":
                continue
            if name.lower() in _SYSTEM_FIELDS:
                return {}, _field_error(
                    "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {name}.", [name]
                )
            if name.lower() not in columns:
                return {}, _field_error("INVALID_FIELD", f"No such column '{name}' on sobject of type Lead", [])
            fields[columns[name.lower()]] = value
        return fields, None

    def _salesforce_record(self, method: str, rest: str, payload: dict[str, Any]) -> tuple | None:
        """POST sobjects/Lead and PATCH sobjects/Lead/{id}; None for any other object or method."""
        parts = rest.strip("/").split("/")
        if parts[0].lower() != "lead" or (method, len(parts)) not in (("POST", 1), ("PATCH", 2)):
            return None
        fields, error = self._lead_fields(payload)
        if error:
            return error
        now = _now()
        if method == "PATCH":
            assignments = ", ".join(f'"{name}" = ?' for name in [*fields, "SystemModstamp"])
            updated = self.org.execute(
                f'update salesforce."Lead" set {assignments} where "Id" = ? and not "IsDeleted" returning "Id"',
                [*fields.values(), now, to_18(parts[1]) if len(parts[1]) == 15 else parts[1]],
            ).fetchall()
            if not updated:
                return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], None
            return 204, None, None
        missing = [name for name in _LEAD_REQUIRED if not fields.get(name)]
        if missing:
            return _field_error(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )
        lead_id = to_18("00Q" + secrets.token_hex(6))
        row = {**fields, "Id": lead_id, "CreatedDate": now, "SystemModstamp": now}
        self.org.execute(
            f'insert into salesforce."Lead" ({", ".join(chr(34) + name + chr(34) for name in row)}) '
            f"values ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        return 201, {"id": lead_id, "success": True, "errors": []}, None

    # -- HubSpot --------------------------------------------------------------------------------

    def _create_contact(self, payload: dict[str, Any]) -> tuple:
        properties = payload.get("properties") or {}
        known = set(self._columns("contacts")) - _CONTACT_SYSTEM
        unknown = [name for name in properties if name not in known]
        if unknown:
            return hubspot_error(
                400, "VALIDATION_ERROR", f'Property values were not valid: "{unknown[0]}" does not exist'
            )
        email = properties.get("email")
        if email:
            taken = self.org.execute(
                "select id from hubspot.contacts where lower(email) = lower(?) and not archived", [email]
            ).fetchone()
            if taken:
                return hubspot_error(409, "CONFLICT", f"Contact already exists. Existing ID: {taken[0]}")
        contact_id = (self.org.execute("select max(id) from hubspot.contacts").fetchone()[0] or 50_000_000_000) + 1
        now = _now()
        row = {**properties, "id": contact_id, "createdate": now, "lastmodifieddate": now, "hs_lastmodifieddate": now}
        self.org.execute(
            f"insert into hubspot.contacts ({', '.join(row)}) values ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        rows, columns = self._select("contacts", "id = ?", [contact_id], "id", 1)
        return 201, self._records("contacts", rows, columns, list(properties), [])[0], None
