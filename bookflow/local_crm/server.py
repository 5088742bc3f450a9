"""The local CRM server: state and dispatch (the HTTPS handler: handler.py; fault knobs: faults.py)."""

import json
import threading
import time
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from bookflow.crm.salesforce.ids import is_valid, to_18
from bookflow.local_crm.created_records import CreatedRecordRoutes
from bookflow.local_crm.faults import ANSWERED, APPLIED, RECEIVED, Fault, FaultKnobs
from bookflow.local_crm.handler import Handler
from bookflow.local_crm.hubspot import HubSpotRoutes
from bookflow.local_crm.hubspot_limits import HubSpotLimitRoutes, HubSpotLimits
from bookflow.local_crm.hubspot_read import HubSpotReadRoutes
from bookflow.local_crm.salesforce import API, REQUEST_LIMIT, SESSION_EXPIRED, SalesforceRoutes
from bookflow.local_crm.salesforce_read import SalesforceReadRoutes


@dataclass(slots=True)
class Account:
    owner_id: str | None
    deleted: bool = False
    fields: dict[str, str] | None = None  # other fields written with the owner (allowlisted ones)


class CrmServer(
    SalesforceRoutes,
    SalesforceReadRoutes,
    HubSpotRoutes,
    HubSpotReadRoutes,
    HubSpotLimitRoutes,
    CreatedRecordRoutes,
    FaultKnobs,
):
    """State and behaviour; `url` is where it listens. Use as a context manager.

    `accounts` and `users` are keyed by 18-character Salesforce ids whatever form they are given in.
    `org` holds the records the read routes serve (bookflow.local_crm.orgs fills it): in memory,
    or in the DuckDB file `org_path`, which then keeps the owners written to it.
    """

    def __init__(self, cert: Path, key: Path, org_path: Path | None = None) -> None:
        import ssl

        import duckdb

        self.lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self._users: dict[str, bool] = {}  # Salesforce user id -> active
        self.companies: dict[str, str | None] = {}  # HubSpot company id -> owner id
        self.hubspot_owners: set[str] = set()
        # Other owner-typed company properties (a portal's SDR owner), by company id.
        self.company_owner_properties: dict[str, dict[str, str]] = {}
        self.hubspot_limits: HubSpotLimits | None = None  # no HubSpot rate limits unless set
        self.api_daily_limit = 5_000_000  # Sforce-Limit-Info's allocation
        self.collections_retrieve = True  # False: answer 404 to it, as an API without it would
        self.api_calls = 0
        self.client_id, self.client_secret = "bookflow-app", "s3cr3t-client-value"
        self.username, self.password = "sync@example.com", "pa55word-value"
        self.hubspot_token = "pat-na1-very-secret-token"
        self.tokens: set[str] = set()
        self.issued_tokens: list[str] = []
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str]] = []  # (method, path) of every request
        self.on_request = None
        self.owner_writes: list[tuple[str, str]] = []  # (account id, owner) per applied write
        self.query_page_size = 2000
        self.bulk_polls_in_progress = 1  # GETs answering InProgress before a job completes
        self.bulk_jobs: dict[str, dict[str, Any]] = {}
        self.jwt_public_key: str | None = None  # PEM of the connected app's certificate key
        self.latency = 0.0  # seconds added to every answer, like a CRM on the other side of the world
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        # The read side: records, what field-level security hides, missing scopes.
        self.org = duckdb.connect(str(org_path) if org_path else ":memory:")
        self.org.execute("create schema if not exists salesforce; create schema if not exists hubspot")
        self.ensure_hand_raise_objects()
        self.hidden_fields: set[tuple[str, str]] = set()  # (object, field), lower case
        self.hubspot_hidden_properties: set[str] = set()
        self.hubspot_missing_scopes: set[str] = set()
        self._read_cursors: dict[str, dict[str, Any]] = {}
        self.query_jobs: dict[str, dict[str, Any]] = {}
        self.bulk_page_size = 50_000  # Bulk API 2.0 query results per page when maxRecords is not given
        self.salesforce_api = API
        self.loaded: set[str] = set()  # the CRMs whose records `org` holds: "salesforce", "hubspot"

        handler = type("Handler", (Handler,), {"crm": self})
        self.httpd = _HandshakeInThread(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "CrmServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        with self.lock:
            self.org.close()

    # -- state ----------------------------------------------------------------------------------

    @property
    def accounts(self) -> dict[str, Account]:
        return self._accounts

    @accounts.setter
    def accounts(self, value: dict[str, Account]) -> None:
        self._accounts = {_key(account_id): account for account_id, account in value.items()}

    @property
    def users(self) -> dict[str, bool]:
        return self._users

    @users.setter
    def users(self, value: dict[str, bool]) -> None:
        self._users = {_key(user_id): active for user_id, active in value.items()}

    def expire_sessions(self) -> None:
        """Every issued token stops working, as when a Salesforce session times out."""
        with self.lock:
            self.tokens.clear()

    def requests_to(self, fragment: str) -> int:
        return sum(1 for _, path in self.log if fragment in path)

    # -- dispatch -------------------------------------------------------------------------------

    def handle(self, request: "Handler") -> None:
        split = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        with self.lock:
            self.log.append((request.command, split.path))
            number = len(self.log)
            fault = self._fault_for(request.command, split.path)
            # HubSpot counts a request against its limits as it arrives, not when it is answered.
            rate = (
                self._hubspot_rate(split.path)
                if split.path.startswith("/crm/") and not (fault and fault.status)
                else None
            )
        self._hook(number, RECEIVED, request.command, split.path)
        if self.latency:
            time.sleep(self.latency)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            request.reply(fault.status, fault.body, headers)
            self._hook(number, ANSWERED, request.command, split.path)
            return
        with self.lock:
            status, body, content_type, headers = self._answer(request, split.path, parse_qs(split.query), raw, rate)
        self._hook(number, APPLIED, request.command, split.path)
        if fault and fault.drop_after_apply:
            request.hang_up()
            return
        request.reply(status, body, headers, content_type=content_type, half=bool(fault and fault.drop_mid_body))
        self._hook(number, ANSWERED, request.command, split.path)

    def _hook(self, number: int, phase: str, method: str, path: str) -> None:
        if self.on_request is not None:
            self.on_request(number, phase, method, path)

    def _answer(self, request: "Handler", path: str, query: dict[str, list[str]], raw: bytes, rate=None) -> tuple:
        """The route's answer and the headers the real API adds to it (rate and usage figures)."""
        headers: dict[str, str] = {}
        if rate is not None:
            over_limit, headers = rate
            if over_limit is not None:
                return (*over_limit, headers)
        elif path.startswith("/services/data/"):
            self.api_calls += 1
            headers["Sforce-Limit-Info"] = f"api-usage={self.api_calls}/{self.api_daily_limit}"
            if self.api_calls > self.api_daily_limit:
                return 403, REQUEST_LIMIT, None, headers
        status, body, content_type, *more = self._route(request, path, query, raw)
        return status, body, content_type, {**headers, **(more[0] if more else {})}

    def _route(self, request: "Handler", path: str, query: dict[str, list[str]], raw: bytes) -> tuple:
        if path == "/services/oauth2/token":
            return self._token(parse_qs(raw.decode()))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if path.startswith(("/crm/v3/", "/crm/v4/")):
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
            if request.command == "GET":
                return self._hubspot_get(path, query) or (
                    404,
                    {"status": "error", "message": "not found", "category": "OBJECT_NOT_FOUND"},
                    None,
                )
            payload = json.loads(raw or b"{}")
            read = self._hubspot_post(path, payload)
            if read:
                return read
            if path == "/crm/v3/objects/companies/batch/read":
                return self._hubspot_read(payload)
            if path == "/crm/v3/objects/companies/batch/update":
                return self._hubspot_update(payload)
            return 404, {"status": "error", "message": "not found", "category": "OBJECT_NOT_FOUND"}, None
        if token not in self.tokens:
            return 401, SESSION_EXPIRED, None
        if path in (f"{API}/query", f"{API}/queryAll"):
            soql = query["q"][0]
            if path.endswith("/query") and soql.startswith("SELECT Id") and " FROM Account WHERE Id IN (" in soql:
                return self._query(soql)  # the write-back reading current owners
            return self._read_query(soql, include_deleted=path.endswith("/queryAll"))
        if path.startswith(f"{API}/query/"):
            locator = path.rsplit("/", 1)[1]
            return self._next_page(locator) or self._query_page(locator)
        if path.startswith(f"{API}/sobjects/") and path.endswith("/describe"):
            return self._describe(path.split("/")[-2])
        if path.startswith(f"{API}/sobjects/") and request.command in ("POST", "PATCH"):
            created = self._salesforce_record(
                request.command, path.removeprefix(f"{API}/sobjects/"), json.loads(raw or b"{}")
            )
            if created:
                return created
        if path.startswith(f"{API}/jobs/query"):
            payload = json.loads(raw) if raw else {}
            return self._bulk_query(request.command, path.removeprefix(f"{API}/jobs/query").strip("/"), payload, query)
        if path == f"{API}/composite/sobjects/Account" and request.command == "POST" and self.collections_retrieve:
            return self._retrieve(orjson.loads(raw))
        if path == f"{API}/composite/sobjects" and request.command == "PATCH":
            return 200, [self._update_account(record) for record in orjson.loads(raw)["records"]], None
        if path.startswith(f"{API}/jobs/ingest"):
            return self._bulk(request.command, path.removeprefix(f"{API}/jobs/ingest").strip("/"), raw)
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], None


class _HandshakeInThread(ThreadingHTTPServer):
    """Each connection's TLS handshake runs in that connection's own thread, as on a real server.

    Done in accept() (the default of a wrapped listening socket), the handshakes of a client
    opening several connections at once waited for each other in the accepting thread."""

    def finish_request(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        try:
            request.do_handshake()
        except OSError:
            return  # a client that does not trust the certificate hangs up: nothing to answer
        super().finish_request(request, client_address)


def _key(salesforce_id: str) -> str:
    # Kept under the 18-character form, as Salesforce answers with it. An id Salesforce would
    # never issue (no valid checksum suffix) is kept as it is: only a request naming exactly that
    # string finds it, never one sharing its first 15 characters.
    return to_18(salesforce_id) if is_valid(salesforce_id) else salesforce_id
