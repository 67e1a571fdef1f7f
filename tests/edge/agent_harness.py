"""Helpers for the edge tests: a local HTTP upstream and the real ngrok 2.3.41 agent run as a raw process.

The SDK's own process layer is deliberately not used here: these tests exercise the edge alone."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.outside_files import AGENT_BIN as AGENT_BIN
from typed_ngrok._agent_process.config import free_loopback_addr
from typed_ngrok.edge import LocalEdge

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A free loopback port for a server started a moment later (the library's choice: below the ephemeral range,
    so an outgoing connection cannot take it meanwhile)."""
    return int(free_loopback_addr().rsplit(":", 1)[1])


def pattern_bytes(n: int) -> bytes:
    """Deterministic, incompressible-looking test payload."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:n])


class Upstream(http.server.ThreadingHTTPServer):
    """Local HTTP upstream: GET /bytes/N, POST (any path) answers "<length> <sha256>" of the body (Content-Length or
    chunked), any other GET echoes the path. Records paths."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[str] = []
        self.seen_lock = threading.Condition()  # notified on every recorded request

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet for a peer that went away (the agent abandoning a request); anything else is printed as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def wait_for_hits(self, path: str, count: int, timeout: float) -> bool:
        """Wait until ``path`` has been requested at least ``count`` times; False on timeout."""
        with self.seen_lock:
            return self.seen_lock.wait_for(lambda: self.seen.count(path) >= count, timeout)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, body: bytes, ctype: str = "text/plain") -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with self.server.seen_lock:
            self.server.seen.append(self.path)
            self.server.seen_lock.notify_all()
        match = re.fullmatch(r"/bytes/(\d+)", self.path)
        if match:
            self._reply(pattern_bytes(int(match.group(1))), "application/octet-stream")
        elif self.path == "/headers":  # the request headers as JSON (lower-case names), with two extra answer headers
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Upstream-Keep", "kept")
            self.send_header("X-Upstream-Drop", "dropped")
            self.end_headers()
            self.wfile.write(body)
        else:
            self._reply(f"hello {self.path}".encode())

    def do_POST(self) -> None:
        with self.server.seen_lock:
            self.server.seen.append(self.path)
            self.server.seen_lock.notify_all()
        digest = hashlib.sha256()
        length = 0
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while size := int(self.rfile.readline().split(b";")[0], 16):
                data = self.rfile.read(size)
                digest.update(data)
                length += len(data)
                self.rfile.readline()  # the chunk's CRLF
            while self.rfile.readline() not in (b"\r\n", b""):  # trailers
                pass
        else:
            length = int(self.headers.get("Content-Length", "0"))
            left = length
            while left:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                digest.update(chunk)
                left -= len(chunk)
        self._reply(f"{length} {digest.hexdigest()}".encode())


class Agent:
    """The real ngrok 2.3.41 binary, started with a private config file; stdout log lines collected on a thread."""

    def __init__(self, edge: LocalEdge, workdir: Path, extra: dict[str, Any] | None = None) -> None:
        self.web_port = free_port()
        self.api = f"http://127.0.0.1:{self.web_port}/api"
        config: dict[str, Any] = {
            **edge.agent_config("2", with_authtoken=True),
            "web_addr": f"127.0.0.1:{self.web_port}",
            "log": "stdout",
            "log_format": "logfmt",
            "log_level": "debug",
            **(extra or {}),
        }
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / f"agent-{self.web_port}.yml"
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            yaml.safe_dump(config, fh)
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            [str(AGENT_BIN), "start", "--none", "--config", str(self.config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.lines)

    def wait_line(self, predicate: Callable[[str], bool] | str, *, since: int = 0, timeout: float = 30.0) -> str:
        test = (lambda line: predicate in line) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[since:]:
                    if test(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    tail = "\n".join(self.lines[-30:])
                    raise AssertionError(f"agent log line {predicate!r} not seen; rc={self.proc.poll()}; tail:\n{tail}")
                self._cond.wait(min(left, 0.5))

    def wait_ready(self, timeout: float = 30.0) -> None:
        self.wait_line("client session established", timeout=timeout)

    def create_tunnel(self, **definition: Any) -> httpx.Response:
        return httpx.post(f"{self.api}/tunnels", json=definition, timeout=30.0)

    def tunnels(self) -> dict[str, str]:
        data = httpx.get(f"{self.api}/tunnels", timeout=30.0).json()
        return {t["name"]: t["public_url"] for t in data["tunnels"]}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
        self._reader.join(15)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
