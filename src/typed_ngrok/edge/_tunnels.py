"""Public listeners on 127.0.0.1 and the proxying of one public connection over one muxado Proxy stream.

A ``web`` listener serves the http and https binds of one host (or several hosts, routed by the Host header) on one
port, telling TLS from plain HTTP by the first byte (``0x16``). ``tcp`` and ``tls`` listeners carry raw bytes.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._muxado import ErrorCode
from ._rpc import PROXY, proxy_header
from ._session import MuxSession, Stream, StreamResetError
from ._types import EventLog

__all__ = ["Bind", "PublicListener", "SessionRef"]

_READ = 256 * 1024
_HEAD_LIMIT = 64 * 1024
_TIMEOUT = 30.0


class SessionRef(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def mux(self) -> MuxSession: ...

    @property
    def bind_ids(self) -> set[str]: ...


@dataclass(eq=False)
class Bind:
    id: str
    proto: str
    host: str
    port: int
    url: str
    opts: dict[str, Any]
    listener: PublicListener
    auth: str = ""
    subdomain: str = ""
    hostname: str = ""
    session: SessionRef | None = None
    streams: set[Stream] = field(default_factory=set)
    grace: asyncio.TimerHandle | None = None

    @property
    def scheme_key(self) -> tuple[str, str]:
        return (self.proto, self.host)


def _http_reply(status: str, body: str, extra: str = "") -> bytes:
    data = body.encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(data)}\r\n{extra}Connection: close\r\n\r\n"
    ).encode() + data


def _parse_head(head: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers.setdefault(name.strip().lower().decode("latin-1"), value.strip().decode("latin-1"))
    return headers


def _auth_ok(expected: str, header: str | None) -> bool:
    if not header:
        return False
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(given, expected.encode())


class PublicListener:
    """One listening socket on 127.0.0.1 and the binds it serves."""

    def __init__(self, kind: str, sock: socket.socket, ssl_ctx: ssl.SSLContext, events: EventLog) -> None:
        self.kind = kind  # web | tcp | tls
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self.binds: dict[tuple[str, str], Bind] = {}
        self._ssl = ssl_ctx
        self._events = events
        self._tasks: set[asyncio.Task[None]] = set()
        self._accept_task = asyncio.ensure_future(self._accept_loop())

    @classmethod
    def open(
        cls, kind: str, host: str, port: int, ssl_ctx: ssl.SSLContext, events: EventLog, backlog: int = 256
    ) -> PublicListener:
        """Listen on ``host:port`` (0 = a free port). Raises ``OSError`` (e.g. the port is taken)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(backlog)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return cls(kind, sock, ssl_ctx, events)

    def route(self, scheme: str, host_header: str | None) -> Bind | None:
        candidates = [b for (proto, _), b in self.binds.items() if proto == scheme]
        if not candidates:
            return None
        host = (host_header or "").rsplit(":", 1)[0].lower() if host_header else ""
        if host.startswith("[") or host == "":
            host = ""
        for bind in candidates:
            if bind.host.lower() == host:
                return bind
        defaults = [b for b in candidates if b.host == "localhost"]
        if defaults and (host in ("", "127.0.0.1", "localhost")):
            return defaults[0]
        return None

    async def close(self) -> None:
        self._accept_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._accept_task
        self.sock.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, addr = await loop.sock_accept(self.sock)
            except OSError:
                await asyncio.sleep(0.05)  # EMFILE and the like: back off instead of spinning
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = asyncio.ensure_future(self._serve(conn, f"{addr[0]}:{addr[1]}"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _streams(self, conn: socket.socket, tls: bool) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=_HEAD_LIMIT)
        protocol = asyncio.StreamReaderProtocol(reader)
        transport, _ = await loop.connect_accepted_socket(
            lambda: protocol, conn, ssl=self._ssl if tls else None, ssl_handshake_timeout=_TIMEOUT if tls else None
        )
        return reader, asyncio.StreamWriter(transport, protocol, reader, loop)

    async def _serve(self, conn: socket.socket, client_addr: str) -> None:
        writer: asyncio.StreamWriter | None = None
        try:
            if self.kind == "web":
                first = await _peek(conn)
                if not first:
                    return
                tls = first[:1] == b"\x16"
                reader, writer = await self._streams(conn, tls)
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _TIMEOUT)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                    return
                headers = _parse_head(head)
                bind = self.route("https" if tls else "http", headers.get("host"))
                if bind is None or bind.session is None or bind.session.mux.closed:
                    host = headers.get("host", f"localhost:{self.port}")
                    writer.write(_http_reply("404 Not Found", f"Tunnel {host} not found\r\n\r\nERR_NGROK_3200\r\n"))
                    await writer.drain()
                    return
                if bind.auth and not _auth_ok(bind.auth, headers.get("authorization")):
                    writer.write(
                        _http_reply(
                            "401 Unauthorized",
                            "Authorization required\r\n",
                            'WWW-Authenticate: Basic realm="ngrok"\r\n',
                        )
                    )
                    await writer.drain()
                    return
                await self._proxy(bind, reader, writer, head, client_addr, can_half_close=not tls)
            else:
                bind = next(iter(self.binds.values()), None)
                reader, writer = await self._streams(conn, False)
                if bind is None or bind.session is None or bind.session.mux.closed:
                    return
                await self._proxy(bind, reader, writer, b"", client_addr, can_half_close=True)
        except (ConnectionError, OSError, ssl.SSLError, TimeoutError, StreamResetError):
            pass
        finally:
            if writer is not None:
                writer.close()
            else:
                conn.close()

    async def _proxy(
        self,
        bind: Bind,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        initial: bytes,
        client_addr: str,
        *,
        can_half_close: bool,
    ) -> None:
        assert bind.session is not None
        session = bind.session
        stream = session.mux.open_stream(PROXY)
        stream.write_nowait(proxy_header(bind.id, client_addr, bind.proto))
        bind.streams.add(stream)
        self._events.add("proxy_open", session.id, bind_id=bind.id, stream_id=stream.id, client_addr=client_addr)
        up = asyncio.ensure_future(_pump_up(reader, stream, initial))
        try:
            while chunk := await stream.read():
                writer.write(chunk)
                await writer.drain()
                stream.consume(len(chunk))
            # the agent finished its direction
            if can_half_close and not up.done():
                writer.write_eof()
                await up
        except (ConnectionError, OSError, StreamResetError):
            stream.reset(ErrorCode.STREAM_CANCELLED)
        finally:
            if not up.done():
                up.cancel()
            with contextlib.suppress(BaseException):
                await up
            if not stream.closed:
                stream.reset(ErrorCode.STREAM_CANCELLED)
            bind.streams.discard(stream)
            self._events.add("proxy_close", session.id, bind_id=bind.id, stream_id=stream.id)


async def _pump_up(reader: asyncio.StreamReader, stream: Stream, initial: bytes) -> None:
    try:
        if initial:
            await stream.write(initial)
        while data := await reader.read(_READ):
            await stream.write(data)
        stream.close_write()
    except (ConnectionError, OSError, ssl.SSLError):
        stream.reset(ErrorCode.STREAM_CANCELLED)


async def _peek(conn: socket.socket) -> bytes:
    """The first byte the client sent, left in the socket (b"" when it closed first)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    fd = conn.fileno()

    def _ready() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, _ready)
    try:
        await asyncio.wait_for(ready, _TIMEOUT)
    finally:
        loop.remove_reader(fd)
    return conn.recv(1, socket.MSG_PEEK)
