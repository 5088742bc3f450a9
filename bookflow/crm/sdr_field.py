"""The SDR owner field under its two names: the raw column the warehouse holds it in, and the
field (Salesforce) or company property (HubSpot) the CRM's API knows it by.

settings.csv names the column (`sdr_owner_column`) and may name the API field
(`sdr_owner_crm_field`); left empty, the API name comes from the column by the loader's rule:
Fivetran lands a Salesforce custom field `X__c` as the lowercase column `x_c`, and a HubSpot
property `p` of companies as `property_p`. Salesforce field names are case-insensitive, so a
derived `sdr_owner__c` is the field `SDR_Owner__c`.

Every part of bookflow that maps one name to the other (the rules check, the extract, the
write-back) does it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# A Salesforce custom field's API name: letters, digits and single underscores, then __c
# (optionally behind a managed package's namespace, `ns__`).
_SALESFORCE_CUSTOM = re.compile(r"^(?:[A-Za-z][A-Za-z0-9]*__)?[A-Za-z](?:_?[A-Za-z0-9])*__c$")
# HubSpot internal property names: lowercase letters, digits and underscores, a letter first.
_HUBSPOT_PROPERTY = re.compile(r"^[a-z][a-z0-9_]*$")
_HUBSPOT_PREFIX = "property_"


@dataclass(frozen=True)
class SdrField:
    """The SDR owner field of one CRM: `column` in the raw accounts, `api_name` in the CRM's API."""

    crm: str
    column: str
    api_name: str


def column_of(crm: str, api_name: str) -> str:
    """The raw column a loader lands `api_name` in (Fivetran's naming)."""
    if crm == "hubspot":
        return _HUBSPOT_PREFIX + api_name
    return api_name.lower().replace("__", "_")


def api_name_problem(crm: str, api_name: str) -> str | None:
    """Why `api_name` cannot be the SDR field of `crm`, or None."""
    if crm == "hubspot":
        if not _HUBSPOT_PROPERTY.match(api_name):
            return f"is {api_name!r}: a HubSpot property's internal name (lowercase letters, digits, underscores)"
        return None
    if not _SALESFORCE_CUSTOM.match(api_name):
        return f"is {api_name!r}: the API name of a custom Account field, such as SDR_Owner__c"
    return None


def derived_api_name(crm: str, column: str) -> str | None:
    """The API name `column` lands from, when the loader's rule says it unambiguously."""
    if crm == "hubspot":
        name = column[len(_HUBSPOT_PREFIX) :] if column.startswith(_HUBSPOT_PREFIX) else ""
    else:
        name = column[:-2] + "__c" if column.endswith("_c") else ""
    return name if name and api_name_problem(crm, name) is None else None


def sdr_field(crm: str, column: str | None, api_name: str | None = None) -> SdrField | None:
    """The SDR field of `crm` for these settings (None without a column); ValueError when the API
    name is missing, malformed, or lands in another column than `column`."""
    if not column:
        return None
    name = api_name or derived_api_name(crm, column)
    if not name:
        expected = "property_<name>" if crm == "hubspot" else "<name>_c"
        raise ValueError(
            f"sdr_owner_column {column!r} is not a {crm} loader's column ({expected}): "
            "name the field in setting 'sdr_owner_crm_field'"
        )
    problem = api_name_problem(crm, name)
    if problem:
        raise ValueError(f"sdr_owner_crm_field {problem}")
    if column_of(crm, name) != column:
        raise ValueError(
            f"sdr_owner_crm_field {name!r} lands in column {column_of(crm, name)!r}, not in sdr_owner_column {column!r}"
        )
    return SdrField(crm, column, name)


def needed_sdr_field(rules_dir: Path, crm: str) -> SdrField | None:
    """The SDR field the extract must read from `crm`: the one the rules name, when a rep of the
    roster writes it (bookflow.rules.required_sdr_owner_column); None otherwise."""
    from bookflow.crm.errors import CrmConfigurationError
    from bookflow.rules import required_sdr_owner_column, setting_value

    column = required_sdr_owner_column(rules_dir)
    try:
        return sdr_field(crm, column, setting_value(rules_dir, "sdr_owner_crm_field"))
    except ValueError as error:
        raise CrmConfigurationError(f"{Path(rules_dir) / 'settings.csv'}: {error}") from error


def warehouse_sdr_field(con, crm: str) -> SdrField | None:
    """The SDR field the warehouse's last run named (its `rules.settings`), or None."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'rules' and table_name = 'settings'"
    ).fetchone()[0]
    if not found:
        return None
    values = dict(
        con.execute(
            "select setting, trim(value) from rules.settings "
            "where setting in ('sdr_owner_column', 'sdr_owner_crm_field') and trim(value) <> ''"
        ).fetchall()
    )
    return sdr_field(crm, values.get("sdr_owner_column"), values.get("sdr_owner_crm_field"))
