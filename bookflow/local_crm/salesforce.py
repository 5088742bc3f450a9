"""Salesforce's side of the local CRM server: OAuth tokens, SOQL queries, sObject Collections, Bulk API 2.0.

A mixin of CrmServer: it reads and writes the server's state (`accounts`, `users`, `tokens`...)
under the server's lock, which `CrmServer.handle` holds while a route runs.

Ids behave as Salesforce's: records are kept under their 18-character id and answered with it;
a request may name a record by its 15- or 18-character id, which are the same record only
through the checksum suffix (bookflow.crm.salesforce.ids). An id with a wrong suffix is
malformed, never matched by its first 15 characters.
"""

import csv
import io
import json
import re
import secrets
import time
from typing import Any

from bookflow.crm.salesforce.ids import problem, to_18

API = "/services/data/v61.0"
SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
REQUEST_LIMIT = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


# User-lookup fields of Account besides OwnerId (the demo org's BDR field): a write of one alone
# leaves the owner as it is, names an active user or empties it (null; Bulk API 2.0: #N/A).
ACCOUNT_USER_FIELDS = frozenset({"SDR_Owner__c"})
_BULK_NULL = "#N/A"


class SalesforceRoutes:
    def _token(self, form: dict[str, list[str]]) -> tuple:
        value = {key: values[0] for key, values in form.items()}
        if value.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._jwt_token(value.get("assertion", ""))
        if value.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}, None
        grant = value.get("grant_type")
        if grant == "client_credentials" and value.get("client_secret") != self.client_secret:
            return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}, None
        if grant == "password" and (value.get("username"), value.get("password")) != (self.username, self.password):
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}, None
        if grant not in ("client_credentials", "password"):
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, None
        return self._issue_token()

    def _issue_token(self) -> tuple:
        token = "00DTEST!" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.issued_tokens.append(token)
        return (
            200,
            {
                "access_token": token,
                "instance_url": self.url,
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
            },
            None,
        )

    def _jwt_token(self, assertion: str) -> tuple:
        import jwt

        try:
            claims = jwt.decode(assertion, self.jwt_public_key or "", algorithms=["RS256"], audience=self.url)
        except jwt.PyJWTError as error:
            return 400, {"error": "invalid_grant", "error_description": f"invalid assertion: {error}"}, None
        if claims.get("iss") != self.client_id or claims.get("sub") != self.username:
            return 400, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"}, None
        return self._issue_token()

    def _query(self, soql: str) -> tuple:
        match = re.fullmatch(r"SELECT Id((?:, \w+)+) FROM Account WHERE Id IN \((.*)\)", soql)
        if not match:
            return 400, [{"errorCode": "MALFORMED_QUERY", "message": f"unexpected query: {soql[:80]}"}], None
        fields = [name.strip() for name in match.group(1).split(",") if name.strip()]
        wanted: dict[str, None] = {}
        for value in re.findall(r"'([^']*)'", match.group(2)):
            if problem(value):
                return (
                    400,
                    [{"errorCode": "INVALID_QUERY_FILTER_OPERATOR", "message": f"invalid ID field: {value}"}],
                    None,
                )
            wanted[to_18(value)] = None
        records = []
        for account_id in wanted:
            account = self.accounts.get(account_id)
            if account is None or account.deleted:
                continue
            record = {
                "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{account_id}"},
                "Id": account_id,
            }
            for name in fields:
                record[name] = account.owner_id if name == "OwnerId" else (account.fields or {}).get(name)
            records.append(record)
        cursor = "01g" + secrets.token_hex(6)
        self._cursors[cursor] = records
        return self._query_page(cursor, total=len(records))

    def _retrieve(self, payload: dict[str, Any]) -> tuple:
        """sObject Collections retrieve: one record or null per id asked, in order."""
        fields = payload.get("fields") or []
        records: list[dict[str, Any] | None] = []
        for value in payload.get("ids") or []:
            key = self._record_key(str(value), self.accounts)
            account = self.accounts.get(key) if key else None
            if account is None or account.deleted:
                records.append(None)
                continue
            record = {"attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{key}"}, "Id": key}
            for name in fields:
                if name.lower() != "id":
                    record[name] = account.owner_id if name == "OwnerId" else (account.fields or {}).get(name)
            records.append(record)
        return 200, records, None

    def _query_page(self, cursor_path: str, total: int | None = None) -> tuple:
        cursor = cursor_path.split("-")[0]
        records = self._cursors.get(cursor)
        if records is None:
            return 400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}], None
        page, rest = records[: self.query_page_size], records[self.query_page_size :]
        self._cursors[cursor] = rest
        body: dict[str, Any] = {
            "totalSize": total if total is not None else len(records),
            "done": not rest,
            "records": page,
        }
        if rest:
            body["nextRecordsUrl"] = f"{API}/query/{cursor}-{self.query_page_size}"
        return 200, body, None

    def _record_key(self, record_id: str, known: dict | None = None) -> str | None:
        """The 18-character id a request's id names, or None if it is malformed."""
        if known is not None and record_id in known:  # stored under 18 characters: valid as it is
            return record_id
        return None if problem(record_id) else to_18(record_id)

    def _account_error(
        self, account_id: str, owner_id: str | None, users: dict[str, str | None] | None = None
    ) -> tuple[str, str] | None:
        """Why Salesforce would refuse setting this account's owner (or, with `users`, only these
        user fields), or None; ids as sent."""
        key = self._record_key(account_id, self.accounts)
        if key is None:
            return "MALFORMED_ID", f"Account ID: id value of incorrect type: {account_id}"
        account = self.accounts.get(key)
        if account is None:
            return "NOT_FOUND", "Provided external ID field does not exist or is not accessible"
        if account.deleted:
            return "ENTITY_IS_DELETED", "entity is deleted"
        for user_id in [owner_id] if users is None else [value for value in users.values() if value]:
            user = self._record_key(user_id, self.users) if user_id else None
            if user is None or user not in self.users:
                return "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"
            if not self.users[user]:
                return "INACTIVE_OWNER_OR_USER", "operation performed with inactive user as owner of account"
        return None

    def _user_fields(self, fields: dict[str, Any]) -> dict[str, str | None] | None:
        """The user-lookup fields of a write without OwnerId, 18-character ids or None; None when
        the write sets OwnerId or no such field."""
        named = {name: value for name, value in fields.items() if name in ACCOUNT_USER_FIELDS}
        if not named:
            return None
        return {
            name: self._record_key(value, self.users) or value if value and value != _BULK_NULL else None
            for name, value in named.items()
        }

    def _apply(self, account_id: str, owner_id: str | None, fields: dict[str, str | None]) -> str:
        """Set the owner (None: leave it) and other fields of a valid account; returns its
        18-character id."""
        key = self._record_key(account_id, self.accounts)
        account = self.accounts[key]
        if fields:
            account.fields = {**(account.fields or {}), **fields}
            self.record_account_fields(key, fields)
        if owner_id is None:
            return key
        previous, account.owner_id = account.owner_id, self._record_key(owner_id, self.users)
        self.owner_writes.append((key, account.owner_id))
        self.record_account_owner(key, previous, account.owner_id)  # what the read routes serve
        return key

    def _update_account(self, record: dict[str, Any]) -> dict[str, Any]:
        account_id, owner_id = str(record.get("id", "")), record.get("OwnerId")
        extra = {key: value for key, value in record.items() if key not in ("attributes", "id", "OwnerId")}
        users = None if "OwnerId" in record else self._user_fields(extra)
        error = self._account_error(account_id, owner_id, users)
        if error:
            fields = ["OwnerId"] if users is None else list(users)
            return {"success": False, "errors": [{"statusCode": error[0], "message": error[1], "fields": fields}]}
        return {"id": self._apply(account_id, owner_id, extra | (users or {})), "success": True, "errors": []}

    def _bulk(self, method: str, rest: str, raw: bytes) -> tuple:
        parts = rest.split("/") if rest else []
        if method == "POST" and not parts:
            job_id = "750" + secrets.token_hex(6)
            self.bulk_jobs[job_id] = {"id": job_id, "state": "Open", "csv": "", "polls": 0, "spec": json.loads(raw)}
            return 200, {"id": job_id, "state": "Open", "object": "Account", "operation": "update"}, None
        job = self.bulk_jobs.get(parts[0]) if parts else None
        if job is None:
            return 404, [{"errorCode": "NOT_FOUND", "message": "job not found"}], None
        if method == "PUT" and parts[1:] == ["batches"]:
            if job["state"] != "Open":
                return 400, [{"errorCode": "INVALIDJOBSTATE", "message": "job is not open for uploads"}], None
            job["csv"] = raw.decode()  # a job takes one upload; sending it again replaces it
            return 201, None, None
        if method == "PATCH" and len(parts) == 1:
            job["state"] = json.loads(raw)["state"]
            if job["state"] == "UploadComplete":
                self._run_job(job)
            return 200, {"id": job["id"], "state": job["state"]}, None
        if method == "GET" and len(parts) == 1:
            if job["state"] == "UploadComplete":
                job["polls"] += 1
                if job["polls"] > self.bulk_polls_in_progress:
                    job["state"] = "JobComplete"
            state = "InProgress" if job["state"] == "UploadComplete" else job["state"]
            return 200, {"id": job["id"], "state": state}, None
        if method == "GET" and parts[1:] in (["successfulResults"], ["failedResults"]):
            return 200, job["ok" if parts[1] == "successfulResults" else "failed"], "text/csv"
        return 400, [{"errorCode": "INVALID_REQUEST", "message": f"unexpected {method} {rest}"}], None

    def _run_job(self, job: dict[str, Any]) -> None:
        rows = list(csv.DictReader(io.StringIO(job["csv"])))
        columns = list(rows[0]) if rows else ["Id", "OwnerId"]
        ok, failed = io.StringIO(), io.StringIO()
        ok_writer = csv.writer(ok, lineterminator="\n")
        failed_writer = csv.writer(failed, lineterminator="\n")
        ok_writer.writerow(["sf__Id", "sf__Created", *columns])
        failed_writer.writerow(["sf__Id", "sf__Error", *columns])
        for row in rows:
            extra = {k: v for k, v in row.items() if k not in ("Id", "OwnerId")}
            users = None if "OwnerId" in row else self._user_fields(extra)
            error = self._account_error(row["Id"], row.get("OwnerId"), users)
            if error:
                failed_writer.writerow(["", f"{error[0]}:{error[1]}:--", *row.values()])
            else:
                written = self._apply(row["Id"], row.get("OwnerId"), extra | (users or {}))
                ok_writer.writerow([written, "false", *row.values()])
        job["ok"], job["failed"] = ok.getvalue(), failed.getvalue()
