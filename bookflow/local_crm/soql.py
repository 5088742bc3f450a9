"""The part of SOQL bookflow's extract sends, translated to SQL over the local org's tables.

    SELECT Id, OwnerId FROM Account WHERE SystemModstamp >= 2026-01-01T00:00:00.000Z AND IsDeleted = false
        ORDER BY SystemModstamp LIMIT 10
    SELECT COUNT() FROM Task WHERE SystemModstamp >= 2026-01-01T00:00:00Z

Field and object names are case-insensitive, as in Salesforce; an unknown object or field is
refused with Salesforce's own error codes (INVALID_TYPE, INVALID_FIELD), which is also how a
field hidden by field-level security looks to the API user.
"""

import re
from dataclasses import dataclass

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+)(?:\s+ASC)?)?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"^\s*(?P<field>\w+)\s*(?P<op>=|!=|<>|>=|<=|>|<|\bIN\b)\s*(?P<value>\(.*\)|'(?:[^'\\]|\\.)*'|[\w:.+\-]+)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SoqlError(Exception):
    """A query Salesforce would refuse: `code` is its errorCode, the message its text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Query:
    sobject: str  # the table's name, as the org spells it
    fields: list[str]  # as the org spells them; empty for COUNT()
    sql_where: str
    params: list
    order_by: str | None
    limit: int | None

    @property
    def is_count(self) -> bool:
        return not self.fields


def parse(soql: str, columns_of: dict[str, list[str]]) -> Query:
    """Translate `soql`; `columns_of` maps each object the user may read to its readable fields."""
    match = _QUERY.match(soql)
    if not match:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in query: {soql[:80]}")
    objects = {name.lower(): name for name in columns_of}
    sobject = objects.get(match["object"].lower())
    if sobject is None:
        raise SoqlError(
            "INVALID_TYPE",
            f"sObject type '{match['object']}' is not supported. If you are attempting to use a custom object, "
            "be sure to append the '__c' after the entity name. Please reference your WSDL or the describe "
            "call for the appropriate names.",
        )
    fields_of = {name.lower(): name for name in columns_of[sobject]}

    def field(name: str) -> str:
        if name.lower() not in fields_of:
            raise SoqlError(
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a custom field, "
                "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
                "describe call for the appropriate names.",
            )
        return fields_of[name.lower()]

    selected = [item.strip() for item in match["fields"].split(",")]
    fields = [] if [s.upper() for s in selected] == ["COUNT()"] else [field(name) for name in selected]
    clauses, params = [], []
    if match["where"]:
        for condition in _conjuncts(match["where"]):
            parsed = _CONDITION.match(condition)
            if not parsed:
                raise SoqlError("MALFORMED_QUERY", f"unexpected condition: {condition[:80]}")
            column = field(parsed["field"])
            op = {"!=": "<>"}.get(parsed["op"], parsed["op"].upper())
            if op == "IN":
                values = [_literal(v.strip()) for v in parsed["value"].strip("()").split(",") if v.strip()]
                clauses.append(f'"{column}" in ({", ".join("?" for _ in values)})')
                params += values
            else:
                value = _literal(parsed["value"])
                if value is None:
                    clauses.append(f'"{column}" is {"not " if op == "<>" else ""}null')
                else:
                    clauses.append(f'"{column}" {op} ?')
                    params.append(value)
    order_by = field(match["order"]) if match["order"] else None
    return Query(sobject, fields, " and ".join(clauses) or "true", params, order_by, _int(match["limit"]))


def _conjuncts(where: str) -> list[str]:
    """The conditions ANDed at the top of `where`, a parenthesised group of ANDs opened up
    (`SystemModstamp >= ... AND (LeadSource = 'Web' AND IsConverted = false)`). OR is not in the subset."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(r"'(?:[^'\\]|\\.)*'|\(|\)|\s+AND\s+", where, flags=re.IGNORECASE):
        token = match.group()
        if token.startswith("'"):
            continue
        if token in "()":
            depth += 1 if token == "(" else -1
        elif depth == 0:
            parts.append(where[start : match.start()])
            start = match.end()
    parts.append(where[start:])
    conditions = []
    for part in (part.strip() for part in parts):
        if part.startswith("(") and part.endswith(")"):
            conditions += _conjuncts(part[1:-1])
        else:
            conditions.append(part)
    return conditions


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _literal(text: str):
    if text.startswith("'"):
        return text[1:-1].replace("\\'", "'")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if _DATETIME.match(text):
        from datetime import datetime

        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if _DATE.match(text):
        from datetime import date

        return date.fromisoformat(text)
    try:
        return float(text) if "." in text else int(text)
    except ValueError as error:
        raise SoqlError("MALFORMED_QUERY", f"unexpected literal {text!r}") from error
