"""A local HTTPS stand-in for the parts of Salesforce and HubSpot that bookflow uses (tests, benchmarks).

Real sockets, real TLS (a self-signed certificate made with openssl per test session), status
codes and error bodies shaped like the real APIs, and knobs for the failures a real CRM has:
rate limits, outages, slow answers, and connections that drop after the work was done.
"""

import csv
import io
import json
import re
import secrets
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

API = "/services/data/v61.0"
SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
REQUEST_LIMIT = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
_DEFAULT_BODIES = {
    429: {"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT"},
    503: [{"errorCode": "SERVER_UNAVAILABLE", "message": "Service temporarily unavailable, try again"}],
}


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for a day: (certificate, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Fault:
    """Answer the next `count` requests whose path contains `path` this way instead."""

    path: str
    count: int
    status: int | None = None  # answer with this status and `body`...
    body: Any = None
    retry_after: str | None = None
    delay: float = 0.0  # ...or answer late...
    drop_after_apply: bool = False  # ...or do the work, then hang up without answering


@dataclass
class Account:
    owner_id: str | None
    deleted: bool = False
    fields: dict[str, str] = field(default_factory=dict)


class CrmServer:
    """State and behaviour; `url` is where it listens. Use as a context manager."""

    def __init__(self, cert: Path, key: Path) -> None:
        import ssl

        self.lock = threading.Lock()
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, bool] = {}  # Salesforce user id -> active
        self.companies: dict[str, str | None] = {}  # HubSpot company id -> owner id
        self.hubspot_owners: set[str] = set()
        self.client_id, self.client_secret = "bookflow-app", "s3cr3t-client-value"
        self.username, self.password = "sync@example.com", "pa55word-value"
        self.hubspot_token = "pat-na1-very-secret-token"
        self.tokens: set[str] = set()
        self.issued_tokens: list[str] = []
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str]] = []  # (method, path) of every request
        self.owner_writes: list[tuple[str, str]] = []  # (account id, owner) per applied write
        self.query_page_size = 2000
        self.bulk_polls_in_progress = 1  # GETs answering InProgress before a job completes
        self.bulk_jobs: dict[str, dict[str, Any]] = {}
        self.jwt_public_key: str | None = None  # PEM of the connected app's certificate key
        self.latency = 0.0  # seconds added to every answer, like a CRM on the other side of the world
        self._cursors: dict[str, list[dict[str, Any]]] = {}

        handler = type("Handler", (_Handler,), {"crm": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "CrmServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- knobs ----------------------------------------------------------------------------------

    def fail_next(
        self, count: int, status: int, *, path: str = "", body: Any = None, retry_after: str | None = None
    ) -> None:
        self.faults.append(
            Fault(
                path,
                count,
                status=status,
                body=_DEFAULT_BODIES.get(status) if body is None else body,
                retry_after=retry_after,
            )
        )

    def slow_next(self, count: int, seconds: float, *, path: str = "") -> None:
        self.faults.append(Fault(path, count, delay=seconds))

    def drop_after_apply_next(self, *, path: str) -> None:
        self.faults.append(Fault(path, 1, drop_after_apply=True))

    def expire_sessions(self) -> None:
        """Every issued token stops working, as when a Salesforce session times out."""
        with self.lock:
            self.tokens.clear()

    def requests_to(self, fragment: str) -> int:
        return sum(1 for _, path in self.log if fragment in path)

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, request: "_Handler") -> None:
        split = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        with self.lock:
            self.log.append((request.command, split.path))
            fault = next((f for f in self.faults if f.count > 0 and f.path in split.path), None)
            if fault:
                fault.count -= 1
        if self.latency:
            time.sleep(self.latency)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            request.reply(fault.status, fault.body, headers)
            return
        with self.lock:
            status, body, content_type = self._route(request, split.path, parse_qs(split.query), raw)
        if fault and fault.drop_after_apply:
            request.hang_up()
            return
        request.reply(status, body, content_type=content_type)

    def _route(self, request: "_Handler", path: str, query: dict[str, list[str]], raw: bytes) -> tuple:
        if path == "/services/oauth2/token":
            return self._token(parse_qs(raw.decode()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if path.startswith("/crm/v3/"):
            if token != self.hubspot_token:
                return (
                    401,
                    {
                        "status": "error",
                        "message": "Authentication credentials not found.",
                        "category": "INVALID_AUTHENTICATION",
                    },
                    None,
                )
            payload = json.loads(raw or b"{}")
            if path == "/crm/v3/objects/companies/batch/read":
                return self._hubspot_read(payload)
            if path == "/crm/v3/objects/companies/batch/update":
                return self._hubspot_update(payload)
            return 404, {"status": "error", "message": "not found", "category": "OBJECT_NOT_FOUND"}, None
        if token not in self.tokens:
            return 401, SESSION_EXPIRED, None
        if path == f"{API}/query":
            return self._query(query["q"][0])
        if path.startswith(f"{API}/query/"):
            return self._query_page(path.rsplit("/", 1)[1])
        if path == f"{API}/composite/sobjects" and request.command == "PATCH":
            return 200, [self._update_account(record) for record in json.loads(raw)["records"]], None
        if path.startswith(f"{API}/jobs/ingest"):
            return self._bulk(request.command, path.removeprefix(f"{API}/jobs/ingest").strip("/"), raw)
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], None

    # -- Salesforce -----------------------------------------------------------------------------

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
        match = re.fullmatch(r"SELECT Id, OwnerId FROM Account WHERE Id IN \((.*)\)", soql)
        if not match:
            return 400, [{"errorCode": "MALFORMED_QUERY", "message": f"unexpected query: {soql[:80]}"}], None
        wanted = {value[:15] for value in re.findall(r"'([A-Za-z0-9]+)'", match.group(1))}
        records = [
            {
                "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{account_id}"},
                "Id": account_id,
                "OwnerId": account.owner_id,
            }
            for account_id, account in self.accounts.items()
            if account_id[:15] in wanted and not account.deleted
        ]
        cursor = "01g" + secrets.token_hex(6)
        self._cursors[cursor] = records
        return self._query_page(cursor, total=len(records))

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

    def _account_error(self, account_id: str, owner_id: str | None) -> tuple[str, str] | None:
        account = self.accounts.get(account_id)
        if account is None:
            return "NOT_FOUND", "Provided external ID field does not exist or is not accessible"
        if account.deleted:
            return "ENTITY_IS_DELETED", "entity is deleted"
        if owner_id not in self.users:
            return "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"
        if not self.users[owner_id]:
            return "INACTIVE_OWNER_OR_USER", "operation performed with inactive user as owner of account"
        return None

    def _apply(self, account_id: str, owner_id: str, fields: dict[str, str]) -> None:
        account = self.accounts[account_id]
        account.owner_id = owner_id
        account.fields.update(fields)
        self.owner_writes.append((account_id, owner_id))

    def _update_account(self, record: dict[str, Any]) -> dict[str, Any]:
        account_id, owner_id = record["id"], record.get("OwnerId")
        error = self._account_error(account_id, owner_id)
        if error:
            return {"success": False, "errors": [{"statusCode": error[0], "message": error[1], "fields": ["OwnerId"]}]}
        extra = {key: value for key, value in record.items() if key not in ("attributes", "id", "OwnerId")}
        self._apply(account_id, owner_id, extra)
        return {"id": account_id, "success": True, "errors": []}

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
            job["csv"] += raw.decode()
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
            error = self._account_error(row["Id"], row["OwnerId"])
            if error:
                failed_writer.writerow(["", f"{error[0]}:{error[1]}:--", *row.values()])
            else:
                self._apply(row["Id"], row["OwnerId"], {k: v for k, v in row.items() if k not in ("Id", "OwnerId")})
                ok_writer.writerow([row["Id"], "false", *row.values()])
        job["ok"], job["failed"] = ok.getvalue(), failed.getvalue()

    # -- HubSpot --------------------------------------------------------------------------------

    def _hubspot_read(self, payload: dict[str, Any]) -> tuple:
        ids = [item["id"] for item in payload["inputs"]]
        found = [i for i in ids if i in self.companies]
        results = [
            {"id": i, "properties": {"hs_object_id": i, "hubspot_owner_id": self.companies[i] or ""}, "archived": False}
            for i in found
        ]
        return self._hubspot_batch(results, [i for i in ids if i not in self.companies])

    def _hubspot_update(self, payload: dict[str, Any]) -> tuple:
        inputs = payload["inputs"]
        bad = [i for i in inputs if i["properties"].get("hubspot_owner_id") not in self.hubspot_owners]
        if bad:  # HubSpot validates property values for the whole batch first and writes nothing
            owner = bad[0]["properties"].get("hubspot_owner_id")
            return (
                400,
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": f'Property values were not valid: [{{"isValid":false,"message":"{owner} is not '
                    f'a valid owner id","error":"INVALID_OWNER_ID","name":"hubspot_owner_id"}}]',
                },
                None,
            )
        results, missing = [], []
        for item in inputs:
            if item["id"] not in self.companies:
                missing.append(item["id"])
                continue
            owner = item["properties"]["hubspot_owner_id"]
            self.companies[item["id"]] = owner
            self.owner_writes.append((item["id"], owner))
            results.append({"id": item["id"], "properties": {"hubspot_owner_id": owner}, "archived": False})
        return self._hubspot_batch(results, missing)

    @staticmethod
    def _hubspot_batch(results: list[dict[str, Any]], missing: list[str]) -> tuple:
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if not missing:
            return 200, body, None
        body |= {
            "numErrors": 1,
            "errors": [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some COMPANY objects, they may be deleted or "
                    "not exist. Check that ids are valid.",
                    "context": {"ids": missing},
                }
            ],
        }
        return 207, body, None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
    crm: CrmServer

    def do_GET(self) -> None:
        self.crm.handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def reply(self, status: int, body: Any, headers: dict[str, str] | None = None, content_type: str | None = None):
        if body is None:
            data = b""
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def hang_up(self) -> None:
        """Close the connection without a word, as a load balancer timing out would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass
