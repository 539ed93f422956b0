"""Loopback HTTP server base for the fake trackers: threading, auth hook, logging, fault injection.

Why a real socket server and not a mocked transport: the connectors under test are plain
``requests`` code, and the behaviours that break them in production (Link headers, keep-alive,
truncated bodies, 429 with Retry-After, slow responses) only show up over real HTTP.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

JsonBody = dict[str, Any] | list[Any]


@dataclass(frozen=True)
class LoggedRequest:
    """What a test may assert about a request; the credential itself is never kept."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    auth_scheme: str | None
    response_bytes: int
    injected: bool = False


@dataclass
class Request:
    """A parsed incoming request handed to the concrete fake."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes

    def json(self) -> Any:
        """Decode a JSON body; an empty body reads as an empty object."""
        return json.loads(self.body.decode("utf-8")) if self.body else {}

    @property
    def auth_scheme(self) -> str | None:
        """``Bearer``/``Basic``/``token`` or None; used for logging and by the auth checks."""
        value = self.headers.get("Authorization")
        if not value:
            return None
        return value.split(" ", 1)[0]

    @property
    def auth_credentials(self) -> str:
        """The part after the scheme (may be empty)."""
        value = self.headers.get("Authorization") or ""
        return value.split(" ", 1)[1].strip() if " " in value else ""

    def basic_auth(self) -> tuple[str, str] | None:
        """Decoded ``user:password`` of a Basic header, or None when absent or malformed."""
        if (self.auth_scheme or "").lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(self.auth_credentials, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None


@dataclass
class Response:
    """A response before the common headers (rate limits, request ids) are added."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        """Serialise ``payload`` compactly, as both trackers do on the wire."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return cls.raw_json(status, body, headers)

    @classmethod
    def raw_json(cls, status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
        """Wrap an already-serialised JSON body (payloads come from the store as text)."""
        all_headers = {"Content-Type": "application/json; charset=utf-8"}
        all_headers.update(headers or {})
        return cls(status, body, all_headers)


@dataclass
class Fault:
    """One injected misbehaviour, consumed ``times`` times by requests whose path matches."""

    pattern: re.Pattern[str]
    status: int | None
    remaining: int
    headers: dict[str, str]
    body: str | dict[str, Any] | None
    drop_connection: bool
    delay_seconds: float


class _Handler(BaseHTTPRequestHandler):
    """Bridges http.server to :class:`FakeServer`; HTTP/1.1 so ``requests`` keeps connections."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeTracker/1.0"
    sys_version = ""

    def setup(self) -> None:
        """Disable Nagle: headers and body are separate writes, and with Nagle plus delayed
        ACKs every keep-alive response would stall for ~40 ms."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _dispatch(self) -> None:
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        fake.serve(self)

    do_GET = _dispatch  # noqa: N815 - names are dictated by BaseHTTPRequestHandler
    do_POST = _dispatch  # noqa: N815
    do_PUT = _dispatch  # noqa: N815
    do_DELETE = _dispatch  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature is fixed
        logger.debug("%s - %s", self.address_string(), format % args)


class FakeServer:
    """Base class: a ThreadingHTTPServer on 127.0.0.1 in a daemon thread.

    Subclasses implement :meth:`authenticate`, :meth:`handle` and optionally :meth:`decorate`
    (headers every response carries, such as rate-limit headers) and :meth:`fault_body`.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._faults: list[Fault] = []
        self._request_counter = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        """Bind and serve in the background; port 0 picks a free port (see :attr:`base_url`)."""
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer((self._host, self._port), _Handler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-http",
            daemon=True,
        )
        self._thread.start()
        logger.info("%s listening on %s", type(self).__name__, self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only meaningful after :meth:`start`)."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` without any API prefix."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The URL a connector is configured with (subclasses may append an API prefix)."""
        return self.root_url

    # ------------------------------------------------------------------ test hooks
    @property
    def request_log(self) -> list[LoggedRequest]:
        """A snapshot of every request served so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        """Forget logged requests, e.g. between the full and the incremental run of a test."""
        with self._lock:
            self._log.clear()

    def inject(
        self,
        path_pattern: str,
        status: int | None,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: str | dict[str, Any] | None = None,
        drop_connection: bool = False,
        delay_seconds: float = 0,
    ) -> None:
        """Make the next ``times`` requests whose path matches the regex misbehave.

        ``status=None`` with ``delay_seconds`` only slows the real response down. With
        ``drop_connection`` the server sends a status line, headers promising a longer body and
        a fragment of it, then closes the socket: the classic truncated response.
        Faults are consumed in the order they were injected.
        """
        fault = Fault(
            pattern=re.compile(path_pattern),
            status=status,
            remaining=times,
            headers=dict(headers or {}),
            body=body,
            drop_connection=drop_connection,
            delay_seconds=delay_seconds,
        )
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Drop any fault that was injected but not consumed."""
        with self._lock:
            self._faults.clear()

    # ------------------------------------------------------------------ subclass hooks
    def authenticate(self, request: Request) -> Response | None:
        """Return an error response when credentials are missing or wrong, else None."""
        return None

    def handle(self, request: Request) -> Response:
        """Produce the response for an authenticated request."""
        raise NotImplementedError

    def decorate(self, request: Request, response: Response) -> None:
        """Add headers every response carries (rate limits, request ids)."""

    def fault_body(self, status: int) -> JsonBody:
        """Default error body for an injected status without an explicit body."""
        return {"message": f"injected status {status}"}

    def rewrite_body(self, body: bytes) -> bytes:
        """Point placeholder URLs in stored payloads at this server."""
        return body

    # ------------------------------------------------------------------ request pipeline
    def _next_request_number(self) -> int:
        with self._lock:
            self._request_counter += 1
            return self._request_counter

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.pattern.search(path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _fault_response(self, fault: Fault) -> Response:
        status = fault.status if fault.status is not None else 500
        if fault.body is None:
            response = Response.json(status, self.fault_body(status))
        elif isinstance(fault.body, str):
            response = Response(status, fault.body.encode("utf-8"), {"Content-Type": "text/plain"})
        else:
            response = Response.json(status, fault.body)
        return response

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Run one request through faults, auth, routing and decoration, then write it out."""
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(
            method=handler.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=handler.headers,
            body=body,
        )
        fault = self._take_fault(request.path)
        if fault is not None and fault.delay_seconds > 0:
            time.sleep(fault.delay_seconds)
        if fault is not None and fault.drop_connection:
            self._drop(handler, request, fault)
            return
        try:
            if fault is not None and fault.status is not None:
                response = self._fault_response(fault)
            else:
                response = self.authenticate(request) or self.handle(request)
        except Exception:
            logger.exception("fake server failed on %s %s", request.method, request.path)
            response = Response.json(500, {"message": "fake server error"})
        if response.body and response.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            response.body = self.rewrite_body(response.body)
        self.decorate(request, response)
        if fault is not None:
            response.headers.update(fault.headers)
        # Logged before writing, so a client that has its answer always finds it in the log.
        self._record(request, response.status, len(response.body), injected=fault is not None)
        self._write(handler, response)

    def _write(self, handler: BaseHTTPRequestHandler, response: Response) -> None:
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        if response.status != 304:
            handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if response.body and response.status != 304:
            handler.wfile.write(response.body)

    def _drop(self, handler: BaseHTTPRequestHandler, request: Request, fault: Fault) -> None:
        status = fault.status or 200
        partial = b'{"partial": "respon'
        head = (
            f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(partial) * 64}\r\n\r\n"
        ).encode("ascii")
        self._record(request, status, len(partial), injected=True)
        try:
            handler.wfile.write(head + partial)
            handler.wfile.flush()
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("client went away before the drop")
        handler.close_connection = True

    def _record(self, request: Request, status: int, size: int, injected: bool) -> None:
        entry = LoggedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            status=status,
            auth_scheme=request.auth_scheme,
            response_bytes=size,
            injected=injected,
        )
        with self._lock:
            self._log.append(entry)
