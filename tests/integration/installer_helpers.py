"""Helpers for the installer tests: real zip/tgz archives (good and hostile) and a loopback HTTP server serving them.

Imported explicitly by tests/unit/test_installer_*.py and tests/integration/test_installer_download.py.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import stat
import sys
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal, cast

#: What the installed "binary" is: a script that answers like ``ngrok --version``.
FAKE_BINARY = b'#!/bin/sh\necho "ngrok version 3.99.0-fake"\n'

Kind = Literal["file", "dir", "symlink", "hardlink", "chr", "fifo"]


@dataclass
class Member:
    name: str
    data: bytes = FAKE_BINARY
    kind: Kind = "file"
    linkname: str = ""


def tgz_bytes(members: list[Member]) -> bytes:
    buf = io.BytesIO()
    # gzip with a fixed mtime: the same bytes every run (they appear in test ids, which parallel workers must agree on)
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as packed, tarfile.open(fileobj=packed, mode="w") as tar:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.mode = 0o755
            if member.kind == "file":
                info.size = len(member.data)
                tar.addfile(info, io.BytesIO(member.data))
                continue
            info.type = {
                "dir": tarfile.DIRTYPE,
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
                "chr": tarfile.CHRTYPE,
                "fifo": tarfile.FIFOTYPE,
            }[member.kind]
            info.linkname = member.linkname
            tar.addfile(info)
    return buf.getvalue()


def zip_bytes(members: list[Member]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member in members:
            info = zipfile.ZipInfo(member.name)
            if member.kind == "file":
                info.external_attr = (stat.S_IFREG | 0o755) << 16
                zf.writestr(info, member.data)
            elif member.kind == "symlink":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, member.linkname)
            elif member.kind == "dir":
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
                zf.writestr(info, b"")
            else:
                raise ValueError(f"zip cannot hold {member.kind}")
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@dataclass
class Route:
    """How the server answers one path. ``fail_first`` answers 500 that many times before behaving."""

    body: bytes = b""
    status: int = 200
    fail_first: int = 0
    behaviour: Literal["normal", "truncate", "stall", "trickle", "redirect"] = "normal"
    location: str = ""
    hits: int = 0


@dataclass
class ArchiveServer:
    """A ThreadingHTTPServer on 127.0.0.1 (random port). Every request is counted per path."""

    routes: dict[str, Route] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def hits(self, path: str) -> int:
        with self._lock:
            return self.routes[path].hits

    def start(self) -> ArchiveServer:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.stop.set()  # releases stalled handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)


def _make_handler(server: ArchiveServer) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def do_GET(self) -> None:
            route = server.routes.get(self.path.split("?")[0])
            if route is None:
                self._send(404, b"not found")
                return
            with server._lock:
                route.hits += 1
                hit = route.hits
            if hit <= route.fail_first:
                self._send(500, b"try again")
                return
            if route.behaviour == "redirect":
                self.send_response(302)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.behaviour == "stall":
                self.send_response(200)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.flush()
                server.stop.wait(30)  # never sends the body while the test runs
                return
            if route.behaviour == "trickle":
                self.send_response(200)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                for i in range(len(route.body)):
                    if server.stop.wait(0.05):
                        return
                    try:
                        self.wfile.write(route.body[i : i + 1])
                        self.wfile.flush()
                    except OSError:
                        return
                return
            if route.behaviour == "truncate":
                self.send_response(route.status)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body[: len(route.body) // 3])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(route.status, route.body)

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


_open_counts: dict[str, int] | None = None  # the paths being counted, while a count_opens() block runs
_open_counts_lock = threading.Lock()
_hook_installed = False


def _on_audit(event: str, args: tuple[object, ...]) -> None:
    counts = _open_counts
    if counts is None or event != "open" or not args or not isinstance(args[0], str | os.PathLike):
        return
    path = os.path.abspath(os.fsdecode(os.fspath(cast("str | os.PathLike[str]", args[0]))))
    if path in counts:
        with _open_counts_lock:
            counts[path] += 1


@contextlib.contextmanager
def count_opens(*paths: Path) -> Iterator[dict[str, int]]:
    """How many times each of ``paths`` is opened inside the block (``open`` audit events; the hook, once added,
    stays for the process but does nothing outside such a block)."""
    global _open_counts, _hook_installed
    counts = {os.path.abspath(path): 0 for path in paths}
    if not _hook_installed:
        sys.addaudithook(_on_audit)
        _hook_installed = True
    _open_counts = counts
    try:
        yield counts
    finally:
        _open_counts = None
