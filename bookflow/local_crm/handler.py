"""The HTTPS side of the local CRM server: its certificate and the request handler that hands each
request to the server and writes its answer (or hangs up, as a failing CRM would)."""

import socket
import subprocess
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import orjson


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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
    # Headers and body leave in one segment, at once: with Nagle's algorithm and delayed ACKs a
    # kept-alive connection would stall each answer by up to 40 ms, which no real CRM does.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    crm: Any  # the CrmServer that answers (set on a subclass per server)

    def do_GET(self) -> None:
        self.crm.handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def reply(
        self,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
        half: bool = False,
    ):
        if body is None:
            data = b""
        elif isinstance(body, str):
            data = body.encode()
        else:
            # orjson, as the clients use: at thousands of answers a benchmark, the standard library's
            # encoder was a large share of the server's CPU, which shares the cores with the client.
            data = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if half:  # a connection lost mid-answer: the client sees a body shorter than announced
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.hang_up()
            return
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
