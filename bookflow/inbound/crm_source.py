"""Hand raises read from the CRM itself: Salesforce Leads, HubSpot contacts, polled by the watcher.

- Salesforce: the records of an object (default Lead) that meet a SOQL condition (say
  `LeadSource = 'Web'`), read through the REST query with `nextRecordsUrl` paging, by
  SystemModstamp: a lead made a hand raise by an edit (its status set to a qualified one) counts
  too. Fields Id, Email, Company, Website, Country, NumberOfEmployees, CreatedDate.
- HubSpot: contacts whose property (default `lifecyclestage`) holds one of the values (default
  `marketingqualifiedlead`), found by the CRM v3 search by `lastmodifieddate`, `after` paging,
  200 a page; past the search's 10,000-result cap a new search starts at the last modification
  seen. Properties email, company, website, country.

Each record is one hand raise (source `salesforce_lead` / `hubspot_contact`, source_id its id):
the inbox's key drops it when a later pass reads it again. The cursor, the CRM's modification
stamp of the newest record read, is kept in `inbound.source_watermarks` and read back with a
short overlap for records committed out of order. A new store starts from now, as the warehouse
poll does: what the CRM held before is the daily cycle's business. The credentials are the
write-back's (SALESFORCE_*, HUBSPOT_* environment variables).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bookflow.crm.hubspot.objects import SEARCH_CAP, SEARCH_PAGE
from bookflow.inbound.hand_raise import HandRaise, append_to_inbox
from bookflow.inbound.store import ensure_store
from reverse_etl.duckdb_files import open_duckdb
from reverse_etl.ledger import utc_now

CRM_SOURCES = ("salesforce", "hubspot")
SOURCE_NAMES = {"salesforce": "salesforce_lead", "hubspot": "hubspot_contact"}
log = logging.getLogger("bookflow.inbound")
_OVERLAP = timedelta(minutes=2)
LEAD_FIELDS = ("Id", "Email", "Company", "Website", "Country", "NumberOfEmployees", "CreatedDate", "SystemModstamp")
CONTACT_PROPERTIES = ("email", "company", "website", "country", "lastmodifieddate")
# Contacts keep their modification time in lastmodifieddate (other objects: hs_lastmodifieddate).
CONTACT_MODIFIED = "lastmodifieddate"


@dataclass(frozen=True)
class CrmHandRaiseSettings:
    crm: str  # salesforce | hubspot
    lead_object: str = "Lead"
    lead_condition: str | None = None  # SOQL; None: every record of the object
    contact_property: str = "lifecyclestage"
    contact_values: tuple[str, ...] = ("marketingqualifiedlead",)
    every_s: float = 10.0  # between reads: each is an API call, and an org's daily allowance is shared

    @property
    def source(self) -> str:
        return SOURCE_NAMES[self.crm]


class CrmHandRaiseSource:
    """One CRM's hand raises; keeps its logged-in session from pass to pass. Close it when done."""

    def __init__(self, settings: CrmHandRaiseSettings) -> None:
        self.settings = settings
        self._last_read: float | None = None
        if settings.crm == "salesforce":
            from bookflow.crm.salesforce import SalesforceCredentials, SalesforceSession

            self.session: Any = SalesforceSession(SalesforceCredentials.from_env())
        else:
            from bookflow.crm.hubspot import HubSpotCredentials, HubSpotSession

            self.session = HubSpotSession(HubSpotCredentials.from_env())

    def close(self) -> None:
        self.session.close()

    def poll(self, store: Path, signal_type: str) -> int | None:
        """Append the hand raises changed since the watermark to the inbox; how many were new (None:
        not looked, the last read was under `every_s` ago). A CRM error (bookflow.crm.errors)
        leaves the watermark where it was."""
        if self._last_read is not None and time.monotonic() - self._last_read < self.settings.every_s:
            return None
        self._last_read = time.monotonic()
        ensure_store(store)
        source = self.settings.source
        with open_duckdb(store) as con:
            mark = con.execute(
                "select received_up_to from inbound.source_watermarks where source = ?", [source]
            ).fetchone()
            if mark is None:
                con.execute("insert into inbound.source_watermarks values (?, ?)", [source, utc_now()])
                return 0
        read = self._salesforce if self.settings.crm == "salesforce" else self._hubspot
        records, newest = read(mark[0] - _OVERLAP)
        hand_raises = [raised for raised in (_hand_raise(record, source, signal_type) for record in records) if raised]
        added = append_to_inbox(store, hand_raises) if hand_raises else 0
        if newest is not None:
            with open_duckdb(store) as con:
                con.execute(
                    "update inbound.source_watermarks set received_up_to = greatest(received_up_to, ?) where source = ?",
                    [newest, source],
                )
        return added

    def _salesforce(self, since: datetime) -> tuple[list[dict[str, Any]], datetime | None]:
        condition = self.settings.lead_condition
        soql = (
            f"SELECT {', '.join(LEAD_FIELDS)} FROM {self.settings.lead_object} "
            f"WHERE SystemModstamp >= {since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
            + (f" AND ({condition})" if condition else "")
            + " ORDER BY SystemModstamp"
        )
        records = []
        for record in self.session.query(soql):
            records.append(
                {
                    "source_id": record["Id"],
                    "email": record.get("Email"),
                    "company_name": record.get("Company"),
                    "website": record.get("Website"),
                    "country": record.get("Country"),
                    "employees": record.get("NumberOfEmployees"),
                    "occurred_at": record.get("CreatedDate"),
                    "modified": _stamp(record.get("SystemModstamp")),
                }
            )
        return records, max((r["modified"] for r in records if r["modified"]), default=None)

    def _hubspot(self, since: datetime) -> tuple[list[dict[str, Any]], datetime | None]:
        settings = self.settings
        start_ms = int(since.replace(tzinfo=UTC).timestamp() * 1000)
        records: list[dict[str, Any]] = []
        while True:
            payload: dict[str, Any] = {
                "filterGroups": [
                    {
                        "filters": [
                            {
                                "propertyName": settings.contact_property,
                                "operator": "IN",
                                "values": list(settings.contact_values),
                            },
                            {"propertyName": CONTACT_MODIFIED, "operator": "GTE", "value": str(start_ms)},
                        ]  # fmt: skip
                    }
                ],
                "sorts": [{"propertyName": CONTACT_MODIFIED, "direction": "ASCENDING"}],
                "properties": list(CONTACT_PROPERTIES),
                "limit": SEARCH_PAGE,
            }
            seen, capped = 0, False
            while True:
                body = self.session.post("/crm/v3/objects/contacts/search", payload, idempotent=True).json()
                for result in body.get("results", []):
                    properties = result.get("properties") or {}
                    records.append(
                        {
                            "source_id": str(result["id"]),
                            "email": properties.get("email"),
                            "company_name": properties.get("company"),
                            "website": properties.get("website"),
                            "country": properties.get("country"),
                            "occurred_at": properties.get(CONTACT_MODIFIED) or result.get("updatedAt"),
                            "modified": _stamp(properties.get(CONTACT_MODIFIED) or result.get("updatedAt")),
                        }
                    )
                seen += len(body.get("results", []))
                after = ((body.get("paging") or {}).get("next") or {}).get("after")
                if not after:
                    break
                if seen + SEARCH_PAGE > SEARCH_CAP:
                    capped = True
                    break
                payload["after"] = after
            newest = max((r["modified"] for r in records if r["modified"]), default=None)
            next_ms = int(newest.replace(tzinfo=UTC).timestamp() * 1000) if newest else start_ms
            # Past the cap, search again from the last modification seen; 10,000 contacts changed in
            # one millisecond would not move it, and the next pass tries again.
            if not capped or next_ms <= start_ms:
                return records, newest
            start_ms = next_ms


def _stamp(text: str | None) -> datetime | None:
    """A CRM timestamp (Salesforce's +0000, HubSpot's Z) as naive UTC, as the store keeps them."""
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    if text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def _hand_raise(record: dict[str, Any], source: str, signal_type: str) -> HandRaise | None:
    """The record as a hand raise; a malformed e-mail is dropped (the company may still match), and
    a record naming no company is left out with a line on stderr."""
    hints = {key: value for key, value in record.items() if key != "modified" and value not in (None, "")}
    hints.update(source=source, signal_type=signal_type, occurred_at=_stamp(record.get("occurred_at")))
    for attempt in (hints, {key: value for key, value in hints.items() if key != "email"}):
        try:
            return HandRaise.model_validate(attempt)
        except ValidationError as error:
            problem = "; ".join(item["msg"] for item in error.errors())
    log.warning("%s %s left out: %s", source, record["source_id"], problem)
    return None
