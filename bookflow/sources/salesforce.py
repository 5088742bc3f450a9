"""Salesforce as a dlt source: each object of the input contract pulled incrementally on its
SystemModstamp (AccountHistory on CreatedDate), with queryAll so deletions arrive as rows whose
is_deleted is true. A pull of more than `bulk_threshold` records goes through a Bulk API 2.0
query job, a smaller one through REST pages.

AccountHistory is read for the owner fields only (Owner, and the SDR field when the rules need
it), one resource and cursor per field: a field the rules come to need has its whole history
read on the next pull, and the others go on from where they were.

Rows arrive as Arrow tables of text columns named as the Fivetran connector names them
(bookflow.sources.landing casts them when it publishes): a Bulk page is parsed once, in C.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, replace

import dlt
import pyarrow as pa
import pyarrow.csv as pacsv

from bookflow.crm.errors import CrmConfigurationError
from bookflow.crm.salesforce.query import REST_PAGE, bulk_pages, count, readable_fields, require_fields, rest_pages
from bookflow.crm.salesforce.session import SalesforceSession
from bookflow.crm.sdr_field import SdrField
from bookflow.sources.tables import BOOL, DATE, FLOAT, INT, TEXT, TIMESTAMP, RawTable

EPOCH = "1970-01-01T00:00:00.000Z"
CURSOR = "_cursor_at"  # the landing column holding the record's SystemModstamp (or CreatedDate)


@dataclass(frozen=True)
class SObject:
    api_name: str
    fields: dict[str, str]  # contract column -> API field
    cursor_field: str = "SystemModstamp"
    where: str = ""  # a condition on the object's records besides the cursor
    optional_fields: tuple[tuple[str, str], ...] = ()  # read when the integration user can


def _raw(name: str, columns: dict[str, str], **options) -> RawTable:
    return RawTable("salesforce", name, columns, key="id", **options)


SOBJECTS: dict[str, tuple[SObject, RawTable]] = {
    "account": (
        SObject(
            "Account",
            {
                "id": "Id", "name": "Name", "owner_id": "OwnerId", "type": "Type", "industry": "Industry",
                "number_of_employees": "NumberOfEmployees", "annual_revenue": "AnnualRevenue",
                "billing_country": "BillingCountry", "billing_state": "BillingState",
                "created_date": "CreatedDate", "is_deleted": "IsDeleted",
            },
            optional_fields=(("website", "Website"),),
        ),
        _raw(
            "account",
            {
                "id": TEXT, "name": TEXT, "owner_id": TEXT, "type": TEXT, "industry": TEXT,
                "number_of_employees": INT, "annual_revenue": FLOAT, "billing_country": TEXT,
                "billing_state": TEXT, "created_date": TIMESTAMP, "is_deleted": BOOL, "website": TEXT,
            },
            optional_columns=("website",),
        ),
    ),
    "user": (
        SObject("User", {"id": "Id", "name": "Name", "email": "Email", "is_active": "IsActive"}),
        _raw("user", {"id": TEXT, "name": TEXT, "email": TEXT, "is_active": BOOL}),
    ),
    "opportunity": (
        SObject(
            "Opportunity",
            {
                "id": "Id", "account_id": "AccountId", "owner_id": "OwnerId", "stage_name": "StageName",
                "is_closed": "IsClosed", "is_won": "IsWon", "created_date": "CreatedDate",
                "close_date": "CloseDate", "is_deleted": "IsDeleted",
            },
        ),
        _raw(
            "opportunity",
            {
                "id": TEXT, "account_id": TEXT, "owner_id": TEXT, "stage_name": TEXT, "is_closed": BOOL,
                "is_won": BOOL, "created_date": TIMESTAMP, "close_date": DATE, "is_deleted": BOOL,
            },
        ),
    ),
    **{
        name: (
            SObject(
                api_name,
                {
                    "id": "Id", "account_id": "AccountId", "owner_id": "OwnerId", "type": "Type",
                    "activity_date": "ActivityDate", "is_deleted": "IsDeleted",
                },
                # The contact or lead it was with (the primary one under Shared Activities): the
                # distinct contacts of activity_thresholds.csv's min_contacts.
                optional_fields=(("who_id", "WhoId"),),
            ),
            _raw(
                name,
                {
                    "id": TEXT, "account_id": TEXT, "owner_id": TEXT, "type": TEXT,
                    "activity_date": TIMESTAMP, "is_deleted": BOOL, "who_id": TEXT,
                },
                optional_columns=("who_id",),
            ),
        )
        for name, api_name in (("task", "Task"), ("event", "Event"))
    },
    "book_return_c": (
        SObject(
            "Book_Return__c",
            {
                "id": "Id", "account_c": "Account__c", "returned_by_c": "Returned_By__c",
                "reason_c": "Reason__c", "created_date": "CreatedDate", "is_deleted": "IsDeleted",
            },
        ),
        _raw(
            "book_return_c",
            {
                "id": TEXT, "account_c": TEXT, "returned_by_c": TEXT, "reason_c": TEXT,
                "created_date": TIMESTAMP, "is_deleted": BOOL,
            },
        ),
    ),
    "account_history": (
        SObject(
            "AccountHistory",
            {
                "id": "Id", "account_id": "AccountId", "field": "Field", "old_value": "OldValue",
                "new_value": "NewValue", "created_date": "CreatedDate", "is_deleted": "IsDeleted",
            },
            cursor_field="CreatedDate",
        ),
        _raw(
            "account_history",
            {
                "id": TEXT, "account_id": TEXT, "field": TEXT, "old_value": TEXT, "new_value": TEXT,
                "created_date": TIMESTAMP, "is_deleted": BOOL,
            },
            optional=True,
        ),
    ),
}  # fmt: skip


HISTORY = "account_history"


def _history_fields(sdr_field: SdrField | None) -> list[str]:
    """The Account fields whose AccountHistory rows the pull reads: the owner, the SDR field."""
    return ["Owner", *([sdr_field.api_name] if sdr_field else [])]


def _history_resource(field: str) -> str:
    """The resource (and so the cursor) of one field's history; Owner's keeps the table's name."""
    return HISTORY if field == "Owner" else f"{HISTORY}_{field.lower()}"


def _owner_fields(name: str, sdr_field: SdrField | None) -> dict[str, str]:
    """The SDR field as a contract column of Account (raw column -> API name), if the rules need it."""
    return {sdr_field.column: sdr_field.api_name} if sdr_field and name == "account" else {}


def raw_tables(sdr_field: SdrField | None = None) -> list[RawTable]:
    """The raw tables the pull lands, salesforce.account with the SDR column if the rules need it."""
    tables = [raw for _, raw in SOBJECTS.values()]
    if sdr_field is None:
        return tables
    return [
        replace(raw, columns=raw.columns | {sdr_field.column: TEXT}) if raw.name == "account" else raw for raw in tables
    ]


def _soql_datetime(value: str) -> str:
    """A cursor as a SOQL datetime literal, down to the second (the `>=` re-reads that second)."""
    return value[:19] + "Z"


def _canonical(value: object) -> str | None:
    """Datetimes as the Bulk API writes them (…T12:00:00.000Z), REST's +0000 included."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text[:-5] + "Z" if text.endswith("+0000") else text


def _table(columns: list[str], rows: list[list[str | None]]) -> pa.Table:
    return pa.Table.from_arrays(
        [pa.array([row[i] for row in rows], type=pa.string()) for i in range(len(columns))], names=columns
    )


@dlt.source(name="salesforce", max_table_nesting=0)
def salesforce_source(
    session: SalesforceSession,
    *,
    reserve: float = 0.1,
    bulk_threshold: int = 10_000,
    bulk_page: int = 100_000,
    sdr_field: SdrField | None = None,
) -> list:
    """One resource per object of the input contract that the org has (AccountHistory may be absent:
    one per owner field then), Account with the SDR field the rules need (`sdr_field`: a field
    missing from the org, or hidden from the integration user, stops the pull naming it).

    Objects are pulled side by side (dlt's parallelized resources; one session, one budget). Each
    claims the calls its pages need from the org's daily allocation first (the session's budget
    reads Sforce-Limit-Info): the pull stops rather than eat into `reserve`, the share of it left
    to the org's other uses."""
    resources = []
    for name, (sobject, raw) in SOBJECTS.items():
        try:
            readable = readable_fields(session, sobject.api_name)
        except CrmConfigurationError:
            if raw.optional:
                continue
            raise
        required = dict(sobject.fields) | _owner_fields(name, sdr_field)
        require_fields(sobject.api_name, [*required.values(), sobject.cursor_field], readable)
        present = {field.lower() for field in readable}
        wanted = replace(sobject, fields=required | {c: f for c, f in sobject.optional_fields if f.lower() in present})
        if name != HISTORY:
            resources.append(_resource(session, name, name, wanted, reserve, bulk_threshold, bulk_page))
            continue
        # An org without history tracking on a field has no rows of it: nothing is read, no error.
        for field in _history_fields(sdr_field):
            of_field = replace(wanted, where=f"Field = '{field}'")
            resources.append(
                _resource(session, _history_resource(field), name, of_field, reserve, bulk_threshold, bulk_page)
            )
    return resources


def _resource(
    session: SalesforceSession,
    name: str,
    table: str,
    sobject: SObject,
    reserve: float,
    bulk_threshold: int,
    bulk_page: int,
):
    contract_columns = [*sobject.fields, CURSOR]
    api_fields = [*sobject.fields.values(), sobject.cursor_field]

    @dlt.resource(
        name=name,
        table_name=table,
        primary_key="id",
        write_disposition="merge",
        columns={column: {"data_type": "text"} for column in contract_columns},
        parallelized=True,
    )
    def pull(cursor=dlt.sources.incremental(CURSOR, initial_value=EPOCH)) -> Iterator[pa.Table]:  # noqa: B008 (dlt reads the cursor from the default)
        where = f"{sobject.cursor_field} >= {_soql_datetime(cursor.last_value)}"
        if sobject.where:
            where += f" AND {sobject.where}"
        soql = f"SELECT {', '.join(api_fields)} FROM {sobject.api_name} WHERE {where} ORDER BY {sobject.cursor_field}"
        # Claimed like the pages: objects pulled side by side must not overrun the allocation together.
        with session.budget.claim(1, f"counting {sobject.api_name} records", reserve=reserve):
            records = count(session, sobject.api_name, where)
        bulk = records > bulk_threshold
        calls = 4 + records // bulk_page if bulk else 1 + records // REST_PAGE
        with session.budget.claim(calls, f"reading {records:,} {sobject.api_name} records", reserve=reserve):
            if bulk:
                options = pacsv.ConvertOptions(
                    column_types={field: pa.string() for field in api_fields}, strings_can_be_null=True
                )
                for page in bulk_pages(session, soql, include_deleted=True, max_records=bulk_page):
                    table = pacsv.read_csv(io.BytesIO(page.encode()), convert_options=options)
                    if table.num_rows:
                        yield table.select(api_fields).rename_columns(contract_columns)
                return
            for page in rest_pages(session, soql, include_deleted=True):
                if page:
                    rows = [[_canonical(record.get(field)) for field in api_fields] for record in page]
                    yield _table(contract_columns, rows)

    return pull
