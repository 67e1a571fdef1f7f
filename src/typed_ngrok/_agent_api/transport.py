"""A lean kept-alive HTTP/1.1 ``httpx`` transport for an agent's loopback ``http://`` API.

httpx's default transport (httpcore + h11) costs more per request than the agent takes to answer a local call;
this one writes each request with one ``sendall`` (``TCP_NODELAY``) and parses the answer with plain bytes
operations. It speaks just what the agent's API needs: ``http://`` only, request bodies sent whole, responses read
whole (``Content-Length``, chunked, or up to the close; none for ``HEAD``/1xx/204/304).

Behaviour:

- Connections are pooled per host and port (at most ``max_idle`` idle ones kept); each is used by one thread at a
  time, so the transport is thread-safe. An idle connection that became readable (the server closed it) is dropped
  before use.
- A reused connection that fails before any byte of the answer arrived is retried once on a new connection, but
  only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE): a POST that may have reached the agent is
  never sent twice.
- Failures are raised as httpx exceptions, so ``_errors`` maps them: ``ConnectTimeout``/``ReadTimeout``/
  ``WriteTimeout`` (``httpx.TimeoutException``), ``ConnectError``, ``ReadError``/``WriteError``,
  ``RemoteProtocolError`` (the server closed early or sent something that is not HTTP/1.x), ``LocalProtocolError``
  (a header with CR/LF), ``UnsupportedProtocol`` (not ``http://``).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import Final

import httpx

__all__ = ["LoopbackTransport", "is_loopback_http"]

_IDEMPOTENT: Final = frozenset({b"GET", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"TRACE"})
_MAX_HEAD: Final = 64 * 1024
_MAX_LINE: Final = 8 * 1024
_RECV: Final = 256 * 1024
_NO_BODY_STATUS: Final = frozenset({204, 304})
_LOOPBACK_HOSTS: Final = frozenset({"localhost", "::1"})


def is_loopback_http(url: str) -> bool:
    """True for an ``http://`` URL whose host is a loopback address (``127.x.x.x``, ``::1``, ``localhost``)."""
    parsed = httpx.URL(url)
    host = parsed.host.lower()
    return parsed.scheme == "http" and (host in _LOOPBACK_HOSTS or host.startswith("127."))


class _Closed(Exception):
    """The server closed the connection (``got_bytes``: whether any byte of the answer had arrived)."""

    def __init__(self, got_bytes: bool) -> None:
        super().__init__("Server disconnected without sending a complete response.")
        self.got_bytes = got_bytes


class _Malformed(Exception):
    """The answer is not valid HTTP/1.x."""


class _Connection:
    """One socket with a read buffer; not thread-safe (the pool hands it to one thread at a time)."""

    __slots__ = ("buf", "pos", "received", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0
        self.received = False  # any byte of the current answer seen

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def stale(self) -> bool:
        """True when the idle socket is readable: the server closed it (or sent something unasked for)."""
        if self.pos < len(self.buf):
            return True
        try:
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(self.sock, select.POLLIN | select.POLLERR | select.POLLHUP)
                return bool(poller.poll(0))
            readable, _, _ = select.select([self.sock], [], [], 0)  # pragma: no cover - Windows
            return bool(readable)  # pragma: no cover
        except (OSError, ValueError):
            return True

    # ---- reading ------------------------------------------------------------------------------------------------
    def _fill(self, want: int = _RECV) -> None:
        data = self.sock.recv(max(want, _RECV))
        if not data:
            raise _Closed(self.received)
        self.received = True
        if self.pos:
            if self.pos >= len(self.buf):
                self.buf.clear()
            else:
                del self.buf[: self.pos]
            self.pos = 0
        self.buf += data

    def read_until(self, marker: bytes, limit: int) -> bytes:
        """The bytes before ``marker`` (consumed with it)."""
        while True:
            index = self.buf.find(marker, self.pos)
            if index >= 0:
                line = bytes(self.buf[self.pos : index])
                self.pos = index + len(marker)
                return line
            if len(self.buf) - self.pos > limit:
                raise _Malformed("response line or header block too long")
            self._fill()

    def read_exact(self, count: int) -> bytes:
        while len(self.buf) - self.pos < count:
            self._fill(count - (len(self.buf) - self.pos))
        data = bytes(self.buf[self.pos : self.pos + count])
        self.pos += count
        return data

    def read_to_close(self) -> bytes:
        parts = [bytes(self.buf[self.pos :])]
        self.buf.clear()
        self.pos = 0
        while True:
            data = self.sock.recv(_RECV)
            if not data:
                return b"".join(parts)
            parts.append(data)

    def read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            line = self.read_until(b"\r\n", _MAX_LINE)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _Malformed(f"bad chunk size {size_text[:40]!r}") from None
            if size < 0:
                raise _Malformed("negative chunk size")
            if size == 0:
                while self.read_until(b"\r\n", _MAX_LINE):  # trailer fields, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self.read_exact(size))
            if self.read_exact(2) != b"\r\n":
                raise _Malformed("chunk not followed by CRLF")


def _request_head(request: httpx.Request, body: bytes) -> bytes:
    method = request.method.encode("ascii")
    target = request.url.raw_path
    lines = [method, b" ", target, b" HTTP/1.1\r\n"]
    has_length = False
    for name, value in request.headers.raw:
        lower = name.lower()
        if lower == b"transfer-encoding":
            continue  # the body is sent whole, with a Content-Length
        if lower == b"content-length":
            has_length = True
            value = str(len(body)).encode("ascii")
        if b"\r" in name or b"\n" in name or b"\r" in value or b"\n" in value or b":" in name:
            raise httpx.LocalProtocolError(f"invalid header {name!r}", request=request)
        lines += [name, b": ", value, b"\r\n"]
    if not has_length and (body or method in (b"POST", b"PUT", b"PATCH")):
        lines += [b"Content-Length: ", str(len(body)).encode("ascii"), b"\r\n"]
    lines.append(b"\r\n")
    for piece in (method, target):
        if b"\r" in piece or b"\n" in piece or b" " in piece:
            raise httpx.LocalProtocolError("invalid request line", request=request)
    return b"".join(lines)


def _parse_head(head: bytes) -> tuple[bytes, int, bytes, list[tuple[bytes, bytes]]]:
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise _Malformed(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise _Malformed(f"bad header line: {line[:80]!r}")
        headers.append((name, value.strip(b" \t")))
    return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else b"", headers


class LoopbackTransport(httpx.BaseTransport):
    """Kept-alive HTTP/1.1 over plain sockets for ``http://`` URLs (see the module docstring)."""

    def __init__(self, max_idle: int = 8) -> None:
        self._max_idle = max_idle
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    # ---- pool ---------------------------------------------------------------------------------------------------
    def _take(self, key: tuple[str, int]) -> _Connection | None:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None or not conn.stale():
                return conn
            conn.close()

    def _give_back(self, key: tuple[str, int], conn: _Connection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if not self._closed and len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()

    def _connect(self, request: httpx.Request, key: tuple[str, int], timeout: float | None) -> _Connection:
        try:
            sock = socket.create_connection(key, timeout=timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Connection(sock)

    def close(self) -> None:
        """Close the idle connections; connections in use are closed when their request ends."""
        with self._lock:
            self._closed = True
            conns = [conn for idle in self._idle.values() for conn in idle]
            self._idle.clear()
        for conn in conns:
            conn.close()

    # ---- one request --------------------------------------------------------------------------------------------
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the whole answer (raises httpx transport errors, see the module docstring)."""
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(
                f"LoopbackTransport speaks http:// only, not {url.scheme!r}", request=request
            )
        if self._closed:
            raise httpx.ConnectError("the transport is closed", request=request)
        key = (url.host, url.port or 80)
        timeouts = request.extensions.get("timeout") or {}
        body = request.read()
        head = _request_head(request, body)
        payload = head + body if len(body) < 65536 else None
        method = request.method.encode("ascii")
        conn = self._take(key)
        retry_allowed = conn is not None and method in _IDEMPOTENT
        while True:
            reused = conn is not None
            if conn is None:
                conn = self._connect(request, key, timeouts.get("connect"))
            try:
                response, keep = self._exchange(conn, request, method, payload or head, None if payload else body)
            except _Retryable as exc:
                conn.close()
                conn = None
                if reused and retry_allowed:
                    retry_allowed = False
                    continue
                raise exc.error from exc.__cause__
            except BaseException:
                conn.close()
                raise
            if keep:
                self._give_back(key, conn)
            else:
                conn.close()
            return response

    def _exchange(
        self, conn: _Connection, request: httpx.Request, method: bytes, first: bytes, rest: bytes | None
    ) -> tuple[httpx.Response, bool]:
        timeouts = request.extensions.get("timeout") or {}
        sock = conn.sock
        conn.received = False
        try:
            sock.settimeout(timeouts.get("write"))
            sock.sendall(first)
            if rest:
                sock.sendall(rest)
        except TimeoutError as exc:
            raise httpx.WriteTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:
            raise _Retryable(httpx.WriteError(str(exc) or type(exc).__name__, request=request)) from exc
        try:
            sock.settimeout(timeouts.get("read"))
            while True:
                version, status, reason, headers = _parse_head(conn.read_until(b"\r\n\r\n", _MAX_HEAD))
                if not 100 <= status < 200 or status == 101:
                    break  # skip interim answers such as 100 Continue
            content, keep = self._body(conn, method, version, status, headers)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
        except _Closed as exc:
            closed = httpx.RemoteProtocolError(str(exc), request=request)
            if exc.got_bytes:
                raise closed from None
            raise _Retryable(closed) from None
        except _Malformed as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from None
        except OSError as exc:
            error = httpx.ReadError(str(exc) or type(exc).__name__, request=request)
            if conn.received:
                raise error from exc
            raise _Retryable(error) from exc
        response = httpx.Response(
            status,
            headers=headers,
            stream=httpx.ByteStream(content),
            extensions={"http_version": version, "reason_phrase": reason},
            request=request,
        )
        return response, keep

    @staticmethod
    def _body(
        conn: _Connection, method: bytes, version: bytes, status: int, headers: list[tuple[bytes, bytes]]
    ) -> tuple[bytes, bool]:
        length: bytes | None = None
        chunked = False
        encoded = False
        close = version != b"HTTP/1.1"
        for name, value in headers:
            lower = name.lower()
            if lower == b"content-length":
                if length is not None and length != value:
                    raise _Malformed("conflicting Content-Length headers")
                length = value
            elif lower == b"transfer-encoding":
                encoded = True
                chunked = value.lower().rsplit(b",", 1)[-1].strip() == b"chunked"
            elif lower == b"connection":
                tokens = {token.strip() for token in value.lower().split(b",")}
                if b"close" in tokens:
                    close = True
                elif b"keep-alive" in tokens and version == b"HTTP/1.0":
                    close = False
        if method == b"HEAD" or status in _NO_BODY_STATUS or status < 200:
            return b"", not close
        if encoded:
            if chunked:
                return conn.read_chunked(), not close
            return conn.read_to_close(), False
        if length is not None:
            if not length.isdigit():
                raise _Malformed(f"bad Content-Length {length[:40]!r}")
            return conn.read_exact(int(length)), not close
        return conn.read_to_close(), False


class _Retryable(Exception):
    """A failure before any byte of the answer arrived; ``error`` is what to raise when no retry is allowed."""

    def __init__(self, error: httpx.TransportError) -> None:
        super().__init__(str(error))
        self.error = error
