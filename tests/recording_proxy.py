"""A small HTTP proxy on 127.0.0.1 that counts the DynamoDB calls passing through it.

It sits between the CLI (`--endpoint-url` pointing at the proxy) and a real
DynamoDB-compatible server, forwards every request unchanged, and records the
operation (the `X-Amz-Target` header) and the `TableName` of the JSON body. Tests
use it to assert how many calls a run makes per table; the benchmark uses it for
its calls-per-table figures. It never talks to anything but the upstream it is given.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class RecordingProxy:
    """Start with `with RecordingProxy(upstream) as proxy:`; use `proxy.url`."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.hostname not in {"127.0.0.1", "localhost"}:
            raise ValueError(f"the recording proxy only forwards to 127.0.0.1, not {upstream}")
        self.upstream = (parts.hostname, parts.port or 80)
        self.calls: list[tuple[str, str | None]] = []
        self.times: list[float] = []  # time.monotonic() of each call, same order as calls
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.times.clear()

    def by_operation(self) -> Counter[str]:
        with self._lock:
            return Counter(op for op, _ in self.calls)

    def by_table(self) -> dict[str, Counter[str]]:
        """For each table name, how many calls of each operation named it."""
        result: dict[str, Counter[str]] = {}
        with self._lock:
            for op, table in self.calls:
                if table is not None:
                    result.setdefault(table, Counter())[op] += 1
        return result

    def _record(self, target: str, body: bytes) -> None:
        operation = target.rpartition(".")[2] or "?"
        table = None
        try:
            document = json.loads(body or b"{}")
            if isinstance(document, dict) and isinstance(document.get("TableName"), str):
                table = document["TableName"]
        except ValueError:
            pass
        with self._lock:
            self.calls.append((operation, table))
            self.times.append(time.monotonic())

    def timeline(self) -> dict[str, tuple[float, float]]:
        """For each operation, seconds from the first call of all to its first and last."""
        with self._lock:
            if not self.times:
                return {}
            start = self.times[0]
            spans: dict[str, tuple[float, float]] = {}
            for (op, _), at in zip(self.calls, self.times, strict=True):
                first, _last = spans.get(op, (at - start, at - start))
                spans[op] = (first, at - start)
            return spans

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        local = threading.local()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                proxy._record(self.headers.get("X-Amz-Target", ""), body)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP_BY_HOP}
                status, reply_headers, reply = self._forward(body, headers)
                self.send_response(status)
                for key, value in reply_headers:
                    if key.lower() not in _HOP_BY_HOP | {"content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def _forward(self, body: bytes, headers: dict[str, str]
                         ) -> tuple[int, list[tuple[str, str]], bytes]:
                for attempt in (1, 2):  # a kept-alive upstream connection may have closed
                    conn = getattr(local, "conn", None)
                    if conn is None:
                        conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                        local.conn = conn
                    try:
                        conn.request("POST", self.path, body=body, headers=headers)
                        response = conn.getresponse()
                        return response.status, response.getheaders(), response.read()
                    except (OSError, http.client.HTTPException):
                        conn.close()
                        local.conn = None
                        if attempt == 2:
                            raise
                raise AssertionError("unreachable")

        return Handler
