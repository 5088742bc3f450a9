"""Salesforce's read side of the local CRM server: describe, SOQL query and queryAll with
`nextRecordsUrl` paging, and Bulk API 2.0 query jobs with `Sforce-Locator` paging.

A mixin of CrmServer. The org's records live in DuckDB tables named after their sObjects, with
the API's field names (`self.org`, filled by bookflow.local_crm.orgs), so a million accounts and
their activities fit and a page is one SQL statement. Every response carries `Sforce-Limit-Info`,
and calls beyond `api_daily_limit` are refused with REQUEST_LIMIT_EXCEEDED, as an org's daily
allocation is.
"""

import base64
import secrets
from datetime import UTC, date, datetime
from typing import Any

from bookflow.local_crm.salesforce import ACCOUNT_USER_FIELDS
from bookflow.local_crm.soql import Query, SoqlError, parse

NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"
    if isinstance(value, date):
        return value.isoformat()
    return value


class SalesforceReadRoutes:
    # -- the org's schema as the API user sees it ------------------------------------------------

    def salesforce_columns(self) -> dict[str, list[str]]:
        """Readable fields per object: the org's tables less what field-level security hides."""
        rows = self.org.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'salesforce' order by table_name, ordinal_position"
        ).fetchall()
        columns: dict[str, list[str]] = {}
        for table, column in rows:
            if (table.lower(), column.lower()) not in self.hidden_fields:
                columns.setdefault(table, []).append(column)
        return columns

    def _column_types(self, sobject: str) -> dict[str, str]:
        rows = self.org.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'salesforce' and table_name = ?",
            [sobject],
        ).fetchall()
        return dict(rows)

    def _describe(self, sobject: str) -> tuple:
        columns = {name.lower(): (name, fields) for name, fields in self.salesforce_columns().items()}
        if sobject.lower() not in columns:
            return 404, NOT_FOUND, None
        name, fields = columns[sobject.lower()]
        return 200, {"name": name, "queryable": True, "fields": [{"name": field} for field in fields]}, None

    def record_account_owner(self, account_id: str, previous: str | None, owner_id: str) -> None:
        """An owner written through the API: the account's SystemModstamp moves and AccountHistory
        gains the two rows Salesforce writes for an owner change (user names, then ids). Nothing
        to do when no org is loaded (the write side alone, as the sync tests and bench-sync use it)."""
        if "salesforce" not in self.loaded:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        self.org.execute(
            'update salesforce."Account" set "OwnerId" = ?, "SystemModstamp" = ? where "Id" = ?',
            [owner_id, now, account_id],
        )
        self._record_history(account_id, "Owner", previous, owner_id, now)

    def record_account_fields(self, account_id: str, fields: dict[str, str | None]) -> None:
        """Other fields written through the API: those the org's Account has change, and its
        SystemModstamp moves (an incremental extract reads the record again). A user field the org
        tracks history of (the SDR field) gains AccountHistory's two rows when its value changes."""
        if "salesforce" not in self.loaded:
            return
        now = datetime.now(UTC).replace(tzinfo=None)
        known = {name.lower(): name for name in self._column_types("Account")}
        for name, value in fields.items():
            if name.lower() not in known:
                continue
            field = known[name.lower()]
            column = field.replace('"', '""')
            before = self.org.execute(f'select "{column}" from salesforce."Account" where "Id" = ?', [account_id])
            previous = before.fetchone()
            self.org.execute(
                f'update salesforce."Account" set "{column}" = ?, "SystemModstamp" = ? where "Id" = ?',
                [value, now, account_id],
            )
            if field in ACCOUNT_USER_FIELDS and previous is not None and previous[0] != value:
                self._record_history(account_id, field, previous[0], value, now)

    def _record_history(
        self, account_id: str, field: str, previous: str | None, value: str | None, now: datetime
    ) -> None:
        """AccountHistory's rows for a change of a user field: one with the users' names, one with
        their ids (an empty side is null in both), when the org has AccountHistory."""
        if not self._has_table("salesforce", "AccountHistory"):
            return
        names = dict(
            self.org.execute(
                'select "Id", "Name" from salesforce."User" where "Id" in (?, ?)', [previous, value]
            ).fetchall()
        )
        for old, new in ((names.get(previous, previous), names.get(value, value)), (previous, value)):
            self.org.execute(
                'insert into salesforce."AccountHistory" ("Id", "AccountId", "Field", "OldValue", "NewValue", '
                '"CreatedDate", "IsDeleted") values (?, ?, ?, ?, ?, ?, false)',
                ["017" + secrets.token_hex(6), account_id, field, old, new, now],
            )

    def _has_table(self, schema: str, table: str) -> bool:
        return bool(
            self.org.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()[0]
        )

    # -- SOQL over REST -------------------------------------------------------------------------

    def _parsed(self, soql: str, include_deleted: bool) -> tuple[Query, str, list]:
        query = parse(soql, self.salesforce_columns())
        where, params = query.sql_where, list(query.params)
        if not include_deleted and "IsDeleted" in self._column_types(query.sobject):
            where = f'({where}) and not "IsDeleted"'
        return query, where, params

    def _read_query(self, soql: str, *, include_deleted: bool) -> tuple:
        try:
            query, where, params = self._parsed(soql, include_deleted)
        except SoqlError as error:
            return 400, [{"errorCode": error.code, "message": error.message}], None
        table = f'salesforce."{query.sobject}"'
        if query.is_count:
            total = self.org.execute(f"select count(*) from {table} where {where}", params).fetchone()[0]
            return 200, {"totalSize": total, "done": True, "records": []}, None
        cursor = "01g" + secrets.token_hex(6)
        self._snapshot(cursor, query, where, params)
        return self._read_page(cursor, 0)

    def _snapshot(self, name: str, query: Query, where: str, params: list) -> int:
        """The query's rows, numbered, as of now: pages and bulk results read this copy."""
        order = f'"{query.order_by}", "Id"' if query.order_by else '"Id"'
        limit = f" limit {query.limit}" if query.limit else ""
        columns = ", ".join(f'"{field}"' for field in query.fields)
        self.org.execute(
            f'create temp table "{name}" as select row_number() over (order by {order}) as rn, {columns} '
            f'from salesforce."{query.sobject}" where {where} order by {order}{limit}',
            params,
        )
        total = self.org.execute(f'select count(*) from "{name}"').fetchone()[0]
        self._read_cursors[name] = {"sobject": query.sobject, "fields": query.fields, "total": total}
        return total

    def _read_page(self, cursor: str, offset: int) -> tuple:
        state = self._read_cursors.get(cursor)
        if state is None:
            return 400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}], None
        fields, size = state["fields"], self.query_page_size
        rows = self.org.execute(
            f'select {", ".join(chr(34) + f + chr(34) for f in fields)} from "{cursor}" '
            "where rn > ? and rn <= ? order by rn",
            [offset, offset + size],
        ).fetchall()
        api = self.salesforce_api
        records = [
            {
                "attributes": {"type": state["sobject"], "url": f"{api}/sobjects/{state['sobject']}/{row[0]}"},
                **{field: _json_value(value) for field, value in zip(fields, row, strict=True)},
            }
            for row in rows
        ]
        done = offset + size >= state["total"]
        body: dict[str, Any] = {"totalSize": state["total"], "done": done, "records": records}
        if done:
            self._forget(cursor)
        else:
            body["nextRecordsUrl"] = f"{api}/query/{cursor}-{offset + size}"
        return 200, body, None

    def _forget(self, name: str) -> None:
        self._read_cursors.pop(name, None)
        self.org.execute(f'drop table if exists "{name}"')

    def _next_page(self, locator: str) -> tuple | None:
        """A `nextRecordsUrl` of a read query, or None when the locator is the write path's."""
        cursor, _, offset = locator.partition("-")
        if cursor not in self._read_cursors:
            return None
        return self._read_page(cursor, int(offset or 0))

    # -- Bulk API 2.0 query jobs ----------------------------------------------------------------

    def _bulk_query(self, method: str, rest: str, payload: dict[str, Any], params: dict[str, list[str]]) -> tuple:
        parts = rest.split("/") if rest else []
        if method == "POST" and not parts:
            operation = payload.get("operation")
            if operation not in ("query", "queryAll"):
                return 400, [{"errorCode": "INVALIDJOB", "message": f"unknown operation {operation!r}"}], None
            try:
                query, where, args = self._parsed(payload.get("query", ""), operation == "queryAll")
            except SoqlError as error:
                return 400, [{"errorCode": error.code, "message": error.message}], None
            job_id = "750" + secrets.token_hex(6)
            self._snapshot(job_id, query, where, args)
            self.query_jobs[job_id] = {"id": job_id, "operation": operation, "object": query.sobject, "polls": 0}
            return 200, self._job_info(job_id, "UploadComplete"), None
        job = self.query_jobs.get(parts[0]) if parts else None
        if job is None:
            return 404, NOT_FOUND, None
        if method == "GET" and len(parts) == 1:
            job["polls"] += 1
            state = "JobComplete" if job["polls"] > self.bulk_polls_in_progress else "InProgress"
            return 200, self._job_info(job["id"], state), None
        if method == "GET" and parts[1:] == ["results"]:
            return self._bulk_results(job["id"], params)
        if method == "DELETE" and len(parts) == 1:
            self.query_jobs.pop(job["id"])
            self._forget(job["id"])
            return 204, None, None
        return 400, [{"errorCode": "INVALIDJOB", "message": f"unexpected {method} {rest}"}], None

    def _job_info(self, job_id: str, state: str) -> dict[str, Any]:
        job = self.query_jobs.get(job_id, {})
        info = {"id": job_id, "operation": job.get("operation"), "object": job.get("object"), "state": state}
        if state == "JobComplete":
            info["numberRecordsProcessed"] = self._read_cursors[job_id]["total"]
        return info

    def _bulk_results(self, job_id: str, params: dict[str, list[str]]) -> tuple:
        state = self._read_cursors[job_id]
        if self.query_jobs[job_id]["polls"] <= self.bulk_polls_in_progress:
            return 400, [{"errorCode": "INVALIDJOB", "message": "job is not complete"}], None
        locator = (params.get("locator") or [""])[0]
        offset = int(base64.b64decode(locator).decode()) if locator else 0
        size = int((params.get("maxRecords") or [str(self.bulk_page_size)])[0])
        types = self._column_types(state["sobject"])
        header = ",".join(f'"{field}"' for field in state["fields"])
        line = " || ',' || ".join(_csv_value(field, types[field]) for field in state["fields"])
        body = self.org.execute(
            f'select string_agg({line}, chr(10) order by rn) from "{job_id}" where rn > ? and rn <= ?',
            [offset, offset + size],
        ).fetchone()[0]
        count = min(size, max(0, state["total"] - offset))
        after = offset + size
        next_locator = base64.b64encode(str(after).encode()).decode() if after < state["total"] else "null"
        text = header + "\n" + (body + "\n" if body else "")
        return 200, text, "text/csv", {"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(count)}


def _csv_value(field: str, data_type: str) -> str:
    """SQL for one CSV cell as Bulk API 2.0 writes it: quoted, empty for null, UTC datetimes."""
    column = f'"{field}"'
    if data_type.startswith("TIMESTAMP"):
        column = f"strftime({column}, '%Y-%m-%dT%H:%M:%S.%gZ')"
    return f"coalesce('\"' || replace(cast({column} as varchar), '\"', '\"\"') || '\"', '')"
