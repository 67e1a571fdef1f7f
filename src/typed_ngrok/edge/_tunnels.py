"""Public listeners on 127.0.0.1 and the proxying of one public connection over one muxado Proxy stream.

A ``web`` listener serves the http and https binds of one host (or several hosts, routed by the Host header) on one
port, telling TLS from plain HTTP by the first byte (``0x16``). ``tcp`` and ``tls`` listeners carry raw bytes.

On a kept-alive web connection every request is checked (route by Host, basic auth), not just the first: requests
are forwarded one at a time, framed by ``Content-Length`` or chunked encoding. A later request that fails is never
forwarded: the agent gets end-of-input, the answers it still sends are delivered, then the refusal, and the connection
closes. A client that waits for each answer before its next request (every common client) loses nothing; a
*pipelining* client may see answers still in flight cut short, because the agent abandons them at end-of-input.
After a protocol upgrade (``Upgrade``/``CONNECT``) the rest of the connection is raw bytes.

Each bind's :class:`~._policy.EndpointPolicy` is enforced here: IP restriction (403 on web listeners, a closed
connection on tcp/tls), basic auth (401), request-header rules on every forwarded request head, response-header rules
on the answer (such a connection carries one request: ``Connection: close`` both ways), and TLS termination of tls
binds with the client's certificate. A new proxy stream the agent does not acknowledge within ``answer_timeout``, or
resets before answering, gets 502 and a heartbeat probe of its session.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import socket
import ssl
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._muxado import ErrorCode
from ._policy import EndpointPolicy, HeaderRules
from ._rpc import PROXY, proxy_header
from ._session import MuxSession, Stream, StreamResetError
from ._types import EventLog

__all__ = ["Bind", "PublicListener", "SessionRef"]

_READ = 256 * 1024
_HEAD_LIMIT = 64 * 1024
_TIMEOUT = 30.0
_REFUSAL_GRACE = 5.0  # how long the agent gets to finish earlier answers after a later request is refused

#: Checks one request head on an open connection: None to forward it, else the reply that refuses it.
Admit = Callable[[bytes], bytes | None]


class SessionRef(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def mux(self) -> MuxSession: ...

    @property
    def bind_ids(self) -> set[str]: ...

    def probe(self) -> None: ...


@dataclass(eq=False)
class Bind:
    id: str
    proto: str
    host: str
    port: int
    url: str
    opts: dict[str, Any]
    listener: PublicListener
    policy: EndpointPolicy = field(default_factory=EndpointPolicy)
    tls: ssl.SSLContext | None = None  # a tls bind's TLS termination (the client's certificate)
    subdomain: str = ""
    hostname: str = ""
    metadata: str = ""
    forwards_to: str = ""
    bound_at: float = 0.0  # time.time() of the Bind that (re)bound it (the cloud API's started_at)
    session: SessionRef | None = None
    streams: set[Stream] = field(default_factory=set)
    grace: asyncio.TimerHandle | None = None
    requested: str = field(default="", repr=False)  # _alloc.request_key of the Bind that made it (may hold Auth)

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


def _auth_ok(credentials: tuple[tuple[str, str], ...], header: str | None) -> bool:
    """Whether an ``Authorization: Basic`` header carries one of ``credentials``."""
    if not header:
        return False
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    ok = False
    for user, password in credentials:  # compare with every credential: no early exit on a match
        ok |= hmac.compare_digest(given, f"{user}:{password}".encode())
    return ok


def client_ip(client_addr: str) -> str:
    """The address part of a peer's ``host:port`` (``[v6]:port`` unbracketed)."""
    return client_addr.rsplit(":", 1)[0].strip("[]")


def rewrite_head(head: bytes, rules: HeaderRules, *, close: bool = False) -> bytes:
    """A request or response head with ``rules`` applied (removals, then additions); ``close`` replaces any
    ``Connection`` header with ``Connection: close``."""
    if not rules and not close:
        return head
    lines = head[:-4].split(b"\r\n") if head.endswith(b"\r\n\r\n") else head.split(b"\r\n")
    names = [line.partition(b":")[0].strip().lower().decode("latin-1") for line in lines]
    close = close and "upgrade" not in names[1:]  # never break a protocol upgrade
    drop = set(rules.remove) | ({"connection"} if close else set())
    kept = [lines[0]]
    for line, name in zip(lines[1:], names[1:], strict=True):
        if name not in drop:
            kept.append(line)
    kept += [f"{name}: {value}".encode("latin-1") for name, value in rules.add]
    if close:
        kept.append(b"Connection: close")
    return b"\r\n".join(kept) + b"\r\n\r\n"


_UNANSWERED = _http_reply("502 Bad Gateway", "The agent session serving this tunnel did not accept the connection\r\n")
_IP_DENIED = _http_reply("403 Forbidden", "Access denied by the tunnel's IP restriction\r\n")


class PublicListener:
    """One listening socket on 127.0.0.1 and the binds it serves."""

    def __init__(
        self, kind: str, sock: socket.socket, ssl_ctx: ssl.SSLContext, events: EventLog, answer_timeout: float = 5.0
    ) -> None:
        self.kind = kind  # web | tcp | tls
        self.answer_timeout = answer_timeout  # seconds the agent has to acknowledge a new proxy stream
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self.binds: dict[tuple[str, str], Bind] = {}
        self._ssl = ssl_ctx
        self._events = events
        self._tasks: set[asyncio.Task[None]] = set()
        # The transports of the connections served: a TLS one that was closed keeps its socket open while it waits
        # for the client's close_notify (up to 30 s); close() aborts those, so that stopping the edge leaves no
        # socket open behind a loop that no longer runs.
        self._transports: weakref.WeakSet[asyncio.Transport] = weakref.WeakSet()
        # Accepting runs in a reader callback, not a task awaiting loop.sock_accept(): cancelling such a task on close
        # can drop a connection it had already accepted (the socket is then left unclosed).
        self._loop = asyncio.get_running_loop()
        self._accepting = True
        self._loop.add_reader(self.sock.fileno(), self._accept_ready)

    @classmethod
    def open(
        cls,
        kind: str,
        host: str,
        port: int,
        ssl_ctx: ssl.SSLContext,
        events: EventLog,
        backlog: int = 256,
        answer_timeout: float = 5.0,
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
        return cls(kind, sock, ssl_ctx, events, answer_timeout)

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
        self._stop_accepting()
        self.sock.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for transport in list(self._transports):
            transport.abort()
        await asyncio.sleep(0)  # the aborts close their sockets in callbacks of the next loop iteration

    def _stop_accepting(self) -> None:
        if self._accepting:
            self._accepting = False
            self._loop.remove_reader(self.sock.fileno())

    def _resume_accepting(self) -> None:
        if not self._accepting and self.sock.fileno() != -1:
            self._accepting = True
            self._loop.add_reader(self.sock.fileno(), self._accept_ready)

    def _accept_ready(self) -> None:
        """The listening socket is readable: accept what is waiting, each connection served by its own task."""
        for _ in range(64):  # a bounded batch, then back to the loop
            try:
                conn, addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # EMFILE and the like: pause accepting briefly instead of spinning
                self._stop_accepting()
                self._loop.call_later(0.05, self._resume_accepting)
                return
            try:
                conn.setblocking(False)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                conn.close()
                continue
            task = self._loop.create_task(self._serve(conn, f"{addr[0]}:{addr[1]}"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _streams(
        self, conn: socket.socket, tls: ssl.SSLContext | None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=_HEAD_LIMIT)
        protocol = asyncio.StreamReaderProtocol(reader)
        transport, _ = await loop.connect_accepted_socket(
            lambda: protocol, conn, ssl=tls, ssl_handshake_timeout=_TIMEOUT if tls else None
        )
        self._transports.add(transport)
        return reader, asyncio.StreamWriter(transport, protocol, reader, loop)

    async def _serve(self, conn: socket.socket, client_addr: str) -> None:
        writer: asyncio.StreamWriter | None = None
        try:
            if self.kind == "web":
                first = await _peek(conn)
                if not first:
                    return
                tls = first[:1] == b"\x16"
                reader, writer = await self._streams(conn, self._ssl if tls else None)
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _TIMEOUT)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                    return
                scheme = "https" if tls else "http"
                target, refusal = self._admit(scheme, head, client_addr)
                if target is None:
                    writer.write(refusal or b"")
                    await writer.drain()
                    return
                await self._proxy(
                    target,
                    reader,
                    writer,
                    head,
                    client_addr,
                    can_half_close=not tls,
                    admit=lambda later: self._admit_later(scheme, target, later, client_addr),
                )
            else:
                bind = next(iter(self.binds.values()), None)
                if bind is None or not bind.policy.admits_ip(client_ip(client_addr)):
                    return  # IP restriction on a tcp/tls endpoint: the connection is closed unanswered
                reader, writer = await self._streams(conn, bind.tls)
                if bind.session is None or bind.session.mux.closed:
                    return
                await self._proxy(bind, reader, writer, b"", client_addr, can_half_close=bind.tls is None)
        except (ConnectionError, OSError, ssl.SSLError, TimeoutError, StreamResetError):
            pass
        finally:
            if writer is not None:
                writer.close()
            else:
                conn.close()

    def _admit(self, scheme: str, head: bytes, client_addr: str) -> tuple[Bind | None, bytes | None]:
        """The bind a request head goes to, or None and the reply refusing it (unknown host, IP restriction,
        missing or wrong basic auth)."""
        headers = _parse_head(head)
        bind = self.route(scheme, headers.get("host"))
        if bind is None or bind.session is None or bind.session.mux.closed:
            host = headers.get("host", f"localhost:{self.port}")
            return None, _http_reply("404 Not Found", f"Tunnel {host} not found\r\n\r\nERR_NGROK_3200\r\n")
        if not bind.policy.admits_ip(client_ip(client_addr)):
            return None, _IP_DENIED
        if bind.policy.credentials and not _auth_ok(bind.policy.credentials, headers.get("authorization")):
            return None, _http_reply(
                "401 Unauthorized", "Authorization required\r\n", 'WWW-Authenticate: Basic realm="ngrok"\r\n'
            )
        return bind, None

    def _admit_later(self, scheme: str, bind: Bind, head: bytes, client_addr: str) -> bytes | None:
        """A later request on ``bind``'s connection: None to forward it, else the refusal."""
        later, refusal = self._admit(scheme, head, client_addr)
        if later is None:
            return refusal
        if later is not bind:
            return _http_reply("421 Misdirected Request", "This connection serves another tunnel\r\n")
        return None

    async def _proxy(
        self,
        bind: Bind,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        initial: bytes,
        client_addr: str,
        *,
        can_half_close: bool,
        admit: Admit | None = None,
    ) -> None:
        assert bind.session is not None
        session = bind.session
        stream = session.mux.open_stream(PROXY)
        stream.write_nowait(proxy_header(bind.id, client_addr, bind.proto))
        bind.streams.add(stream)
        self._events.add("proxy_open", session.id, bind_id=bind.id, stream_id=stream.id, client_addr=client_addr)
        rules = bind.policy.request_headers
        response_rules = bind.policy.response_headers
        if admit is None:
            pump = _pump_up(reader, stream, initial)
        else:
            # with response rules, one request per connection: only its answer's head is parsed and rewritten
            close = bool(response_rules)
            pump = _pump_requests(reader, stream, initial, admit, lambda head: rewrite_head(head, rules, close=close))
        up = asyncio.ensure_future(pump)
        grace: asyncio.TimerHandle | None = None

        def refused(task: asyncio.Task[bytes | None]) -> None:
            nonlocal grace
            if not task.cancelled() and task.exception() is None and task.result() is not None:
                # the agent has its EOF; if its upstream never closes, stop waiting for it
                grace = asyncio.get_running_loop().call_later(_REFUSAL_GRACE, stream.reset, ErrorCode.STREAM_CANCELLED)

        up.add_done_callback(refused)
        delivered = False  # whether any of the agent's answer reached the client
        try:
            if not await stream.answered(self.answer_timeout):
                # a live agent credits the stream type at once: this session has stopped serving (an SDK session
                # closed without GOAWAY); answer now instead of hanging until heartbeats give up, and probe it
                self._events.add("proxy_unanswered", session.id, bind_id=bind.id, stream_id=stream.id)
                session.probe()
                if admit is not None and not writer.is_closing():
                    writer.write(_UNANSWERED)
                    await writer.drain()
                return
            if admit is not None and response_rules:
                delivered = await _relay_response_head(stream, writer, response_rules)
            while chunk := await stream.read():
                delivered = True
                writer.write(chunk)
                await writer.drain()
                stream.consume(len(chunk))
            # the agent finished its direction
            if can_half_close and not up.done():
                writer.write_eof()
                await up
        except StreamResetError:
            if stream.reset_by_peer and not delivered and admit is not None and not writer.is_closing():
                # the agent refused the connection before answering (an SDK whose listener or session is closed,
                # an unreachable upstream): a gateway error, not a silently dropped connection; and check the session
                self._events.add("proxy_unanswered", session.id, bind_id=bind.id, stream_id=stream.id, reset=True)
                session.probe()
                with contextlib.suppress(ConnectionError, OSError, RuntimeError):
                    writer.write(_UNANSWERED)
                    await writer.drain()
        except (ConnectionError, OSError):
            stream.reset(ErrorCode.STREAM_CANCELLED)
        finally:
            if grace is not None:
                grace.cancel()
            if not up.done():
                up.cancel()
            refusal: bytes | None = None
            with contextlib.suppress(BaseException):
                refusal = await up
            if refusal is not None and not writer.is_closing():
                with contextlib.suppress(ConnectionError, OSError, RuntimeError):
                    writer.write(refusal)
                    await writer.drain()
            if not stream.closed:
                stream.reset(ErrorCode.STREAM_CANCELLED)
            bind.streams.discard(stream)
            self._events.add("proxy_close", session.id, bind_id=bind.id, stream_id=stream.id)


async def _pump_up(reader: asyncio.StreamReader, stream: Stream, initial: bytes) -> bytes | None:
    """Client → agent, raw bytes until the client closes. Always None (nothing to refuse)."""
    try:
        if initial:
            await stream.write(initial)
        await _copy(reader, stream)
    except (ConnectionError, OSError, ssl.SSLError):
        stream.reset(ErrorCode.STREAM_CANCELLED)
    return None


async def _copy(reader: asyncio.StreamReader, stream: Stream, remaining: int = -1) -> None:
    """Forward ``remaining`` bytes (-1: until EOF, then close the stream's write side)."""
    while remaining != 0:
        data = await reader.read(_READ if remaining < 0 else min(remaining, _READ))
        if not data:
            if remaining > 0:
                raise ConnectionError("the client closed in the middle of a request body")
            stream.close_write()
            return
        await stream.write(data)
        if remaining > 0:
            remaining -= len(data)


async def _copy_chunked(reader: asyncio.StreamReader, stream: Stream) -> None:
    """Forward one chunked body, trailers included."""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        await stream.write(size_line)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise ConnectionError(f"bad chunk size line {size_line[:40]!r}") from exc
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                await stream.write(trailer)
            await stream.write(trailer)
            return
        await _copy(reader, stream, size + 2)  # the chunk and its CRLF


async def _relay_response_head(stream: Stream, writer: asyncio.StreamWriter, rules: HeaderRules) -> bool:
    """Agent → client: the first response head (and any 1xx interim heads before it) rewritten by ``rules`` and
    ``Connection: close``; the bytes after it are left for the raw copy. Returns whether anything was delivered."""
    pending = bytearray()
    while True:
        end = pending.find(b"\r\n\r\n")
        if end < 0:
            if len(pending) > _HEAD_LIMIT:
                raise ConnectionError("response head too large")
            chunk = await stream.read()
            if not chunk:
                writer.write(bytes(pending))
                return bool(pending)
            pending += chunk
            stream.consume(len(chunk))  # held in ``pending``, bounded by the head limit
            continue
        head = bytes(pending[: end + 4])
        del pending[: end + 4]
        status = head[9:12]
        interim = status[:1] == b"1" and status != b"101"
        writer.write(rewrite_head(head, rules, close=status[:1] != b"1"))
        if not interim:
            break
    if pending:
        writer.write(bytes(pending))
    await writer.drain()
    return True


async def _pump_requests(
    reader: asyncio.StreamReader,
    stream: Stream,
    head: bytes,
    admit: Admit,
    rewrite: Callable[[bytes], bytes] = lambda head: head,
) -> bytes | None:
    """Client → agent, one HTTP request at a time, each later one checked by ``admit`` before it is forwarded.

    ``rewrite`` turns each request head into the one the agent gets (header rules). Returns the refusal of a request
    that was not forwarded (the stream's write side is then closed), else None.
    """
    try:
        while True:
            await stream.write(rewrite(head))
            headers = _parse_head(head)
            if "upgrade" in headers or head[:8].upper() == b"CONNECT ":
                await _copy(reader, stream)  # the rest is the upgraded protocol's
                return None
            if "chunked" in headers.get("transfer-encoding", "").lower():
                await _copy_chunked(reader, stream)
            elif (length := headers.get("content-length", "").strip()).isdigit():
                await _copy(reader, stream, int(length))
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    await stream.write(exc.partial)
                stream.close_write()
                return None
            except asyncio.LimitOverrunError:
                stream.close_write()
                return _http_reply("431 Request Header Fields Too Large", "Request header too large\r\n")
            refusal = admit(head)
            if refusal is not None:
                stream.close_write()
                return refusal
    except (ConnectionError, OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        stream.reset(ErrorCode.STREAM_CANCELLED)
        return None


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
