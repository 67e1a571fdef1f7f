"""Helpers for the captured-request tests (sync and aio): an upstream that holds its answer until released, request
bodies sent chunked and compressed, and the order ``get_requests`` promises."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from typed_ngrok._agent_process.logfmt import parse_timestamp
from typed_ngrok.agent import CapturedRequest

#: A JSON document sent as a request body (chunked, gzip-compressed, or both) and answered gzip-compressed.
DOCUMENT = {"event": "payment.succeeded", "amount": 1234, "tags": ["a", "b"], "note": "x" * 300}


@dataclass
class HeldUpstream:
    """``port``: where it listens. A request to ``/hold`` sets ``received`` and is answered once ``release`` is set;
    ``/gzip`` is answered with a gzip-compressed, chunked copy of :data:`DOCUMENT`; anything else at once. ``bodies``
    maps each path to the body the upstream read (de-chunked, still compressed)."""

    port: int = 0
    received: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    bodies: dict[str, bytes] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    held: HeldUpstream

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self) -> None:
        self.held.bodies[self.path] = self._body()
        if self.path == "/hold":
            self.held.received.set()
            self.held.release.wait(30)
        if self.path == "/gzip":
            payload = gzip.compress(json.dumps(DOCUMENT).encode(), mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for at in range(0, len(payload), 16):
                piece = payload[at : at + 16]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        answer = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def held_upstream() -> Iterator[HeldUpstream]:
    """A local HTTP upstream (see :class:`HeldUpstream`); a held request is released on exit."""
    held = HeldUpstream()
    handler = type("Handler", (_Handler,), {"held": held})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    held.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield held
    finally:
        held.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def chunks(data: bytes, size: int = 7) -> Iterator[bytes]:
    """``data`` in pieces, so httpx sends it with ``Transfer-Encoding: chunked``."""
    for at in range(0, len(data), size):
        yield data[at : at + size]


async def achunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    """:func:`chunks` for ``httpx.AsyncClient``."""
    for piece in chunks(data, size):
        yield piece


def document_bytes() -> bytes:
    return json.dumps(DOCUMENT).encode()


def assert_newest_first(requests: Sequence[CapturedRequest]) -> None:
    """The documented order: ``start`` descending, ties by ``id`` descending."""
    keys = []
    for request in requests:
        stamp = parse_timestamp(request.start)
        assert stamp is not None, request.start
        keys.append((stamp, request.id))
    assert keys == sorted(keys, reverse=True), keys
