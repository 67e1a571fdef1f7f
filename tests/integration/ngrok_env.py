"""Shared helpers for the ngrok/agent integration tests: the real 2.3.41 agent, the local edge, local upstreams."""

from __future__ import annotations

import os
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.outside_files import AGENT_BIN, REPO
from tests.outside_files import needs_agent as needs_agent
from typed_ngrok.conf import PyngrokConfig

ROOT = REPO
AGENT = AGENT_BIN  # the one lookup (tests/outside_files.py); skips say `make agent-bin`


def agent_config(folder: Path, **overrides: object) -> PyngrokConfig:
    """A config for the real v2 agent through the local edge, with a private binary path (so the process registry
    entry is ours alone) and a private config file."""
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "ngrok"
    if not link.exists():
        os.symlink(AGENT, link)
    settings: dict[str, object] = {
        "ngrok_path": str(link),
        "config_path": str(folder / "ngrok.yml"),
        "ngrok_version": "2",
        "config_version": "2",
        "edge": "local",
        "startup_timeout": 40,
        "request_timeout": 15,
    }
    settings.update(overrides)
    return PyngrokConfig(**settings)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        payload = f"{self.command} {self.path} {len(body)}".encode()
        self.server.hits.append((self.command, self.path, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Upstream", "yes")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def http_upstream() -> Iterator[ThreadingHTTPServer]:
    """A local HTTP server answering ``<METHOD> <path> <body length>``; ``server.hits`` records requests."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@contextmanager
def tcp_echo() -> Iterator[int]:
    """A local TCP echo server; yields its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def echo_through(host: str, port: int, payload: bytes) -> bytes:
    """Send ``payload`` to ``host:port`` and read the same number of bytes back."""
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


@contextmanager
def hung_server() -> Iterator[int]:
    """A listener that accepts connections and never answers; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()
