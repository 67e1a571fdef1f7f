"""The local edge's stand-in for the part of ngrok's cloud REST API that describes what it hosts
(docs/edge-cloud.md): tunnel sessions (with the restart/stop/update actions), tunnels and endpoints.

The HTTP layer is h11 (sans-I/O HTTP/1.1) under asyncio, on the edge's own event loop, listening on a random
loopback port. Answers use ngrok's paths, field names, list envelopes and error bodies (docs/cloud-api.md §1-3);
the values are the edge's real sessions and binds.

Decisions are plain functions (:func:`list_page`, :func:`session_view`, ...), so the unit tests drive them without
sockets; :class:`CloudAPIServer` only reads and writes bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import h11

from ._cel import CelError, compile_filter, matches
from ._controls import COMMANDS
from ._server import EdgeServer
from ._tunnels import client_ip
from ._types import EdgeSession, EdgeTunnel

__all__ = [
    "MAX_BODY",
    "MAX_LIMIT",
    "REGION",
    "Answer",
    "CloudAPIServer",
    "error",
    "list_page",
]

API_VERSION = "2"
MAX_LIMIT = 100  # ngrok's maximum and default page size (docs/cloud-api.md §1)
MAX_BODY = 64 * 1024  # request bodies of the served operations are "{}"
MAX_HEAD = 16 * 1024  # request line and headers
IDLE_TIMEOUT = 60.0  # seconds a connection may sit without a complete request
# After an answer that ends a connection before its request was read (431, 413, 400), what the client still sends is
# read and dropped for at most this long and this much, so that closing does not reset the connection and destroy
# the answer before the client reads it (a "lingering close", as web servers do).
LINGER_SECONDS = 2.0
LINGER_BYTES = 4 * 1024 * 1024
# seconds an agent has to answer Stop/Restart/Update: clearly less than a CloudClient's default timeout (10 s), so
# a default client gets the 502 ERR_NGROK_810 of an agent that never answers, not its own timeout
CONTROL_TIMEOUT = 8.0
REGION = "local"  # the region the edge reports in SrvInfo
TRANSPORT = "ngrok/2"  # the muxado tunnel protocol, as ngrok's TunnelSession.transport names it
_log = logging.getLogger("typed_ngrok.edge")
_DOCS = "Check your API client implementation and review the API documentation: https://ngrok.com/docs/api#service-api."
_KEYS = "API keys and instructions are available on your dashboard: https://dashboard.ngrok.com/api-keys"


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, JSON body (None: no body, e.g. 204) and extra headers."""

    status: int
    body: object = None
    headers: tuple[tuple[str, str], ...] = ()
    close: bool = False

    def encoded(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body, separators=(",", ":")).encode()


def error(
    status: int, code: str, msg: str, *, headers: tuple[tuple[str, str], ...] = (), close: bool = False
) -> Answer:
    """ngrok's error body: ``{"error_code", "status_code", "msg", "details": {"operation_id"}}``."""
    body = {
        "error_code": code,
        "status_code": status,
        "msg": msg,
        "details": {"operation_id": "op_" + secrets.token_hex(13)},
    }
    return Answer(status, body, headers, close)


def not_found(what: str = "") -> Answer:
    return error(404, "ERR_NGROK_404", f"Resource {what!r} not found." if what else "Resource not found.")


def rfc3339(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref(base: str, collection: str, rid: str) -> dict[str, str]:
    return {"id": rid, "uri": f"{base}/{collection}/{quote(rid, safe='')}"}


def _suffix(bind_id: str) -> str:
    return bind_id.split("_", 1)[1] if "_" in bind_id else bind_id


def tunnel_id(bind_id: str) -> str:
    """The cloud API id of a bind (``bind_<hex>`` → ``tn_<hex>``)."""
    return "tn_" + _suffix(bind_id)


def endpoint_id(bind_id: str) -> str:
    """The endpoint id of a bind's URL (``bind_<hex>`` → ``ep_<hex>``)."""
    return "ep_" + _suffix(bind_id)


# -- views: what the edge holds, in ngrok's shapes --------------------------------------------------------------
@dataclass(frozen=True)
class SessionFacts:
    """One live agent session as a TunnelSession shows it: the edge's own snapshot of it, plus what only the cloud API
    needs (gathered on the edge's loop)."""

    session: EdgeSession
    credential_id: str
    unsupported: dict[str, str] = field(default_factory=dict)  # action → the agent's *UnsupportedError ("" = ok)


def session_view(base: str, facts: SessionFacts) -> dict[str, Any]:
    s = facts.session
    view: dict[str, Any] = {
        "id": s.id,
        "uri": _ref(base, "tunnel_sessions", s.id)["uri"],
        "agent_version": s.agent_version,
        "credential": _ref(base, "credentials", facts.credential_id),
        "ip": client_ip(s.remote_addr),
        "os": s.os,
        "region": REGION,
        "started_at": rfc3339(s.established_at),
        "transport": TRANSPORT,
    }
    if s.metadata:
        view["metadata"] = s.metadata
    return view


def _session_ref(base: str, b: EdgeTunnel) -> dict[str, str]:
    assert b.session_id is not None  # snapshot_of keeps the binds of live sessions only
    return _ref(base, "tunnel_sessions", b.session_id)


def tunnel_view(base: str, b: EdgeTunnel) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": tunnel_id(b.id),
        "public_url": b.url,
        "started_at": rfc3339(b.bound_at),
        "proto": b.proto,
        "region": REGION,
        "tunnel_session": _session_ref(base, b),
        "endpoint": _ref(base, "endpoints", endpoint_id(b.id)),
    }
    if b.metadata:
        view["metadata"] = b.metadata
    if b.forwards_to:
        view["forwards_to"] = b.forwards_to
    return view


def endpoint_view(base: str, b: EdgeTunnel) -> dict[str, Any]:
    scheme = urlsplit(b.url).scheme or b.proto
    when = rfc3339(b.bound_at)
    view: dict[str, Any] = {
        "id": endpoint_id(b.id),
        "uri": _ref(base, "endpoints", endpoint_id(b.id))["uri"],
        "region": REGION,
        "created_at": when,
        "updated_at": when,
        "public_url": b.url,
        "url": b.url,
        "proto": b.proto,
        "scheme": scheme,
        "host": b.host,
        "port": b.port,
        "hostport": f"{b.host}:{b.port}",
        "type": "ephemeral",
        "tunnel": _ref(base, "tunnels", tunnel_id(b.id)),
        "tunnel_session": _session_ref(base, b),
    }
    if b.metadata:
        view["metadata"] = b.metadata
    if b.forwards_to:
        view["upstream_url"] = b.forwards_to
    return view


# -- lists ------------------------------------------------------------------------------------------------------
SortKey = tuple[float, str]  # (start time, id): lists are newest first, i.e. by this key descending
LIST_PARAMS = ("limit", "before_id", "filter")  # what a list accepts, each at most once (docs/edge-cloud.md §3)


class Cursors:
    """The sort key of every item a list has shown (the newest ``capacity`` ids), so that a ``before_id`` whose item
    went away since still says where the next page starts (docs/edge-cloud.md §3)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._keys: OrderedDict[str, SortKey] = OrderedDict()
        self._capacity = capacity

    def remember(self, rid: str, key: SortKey) -> None:
        self._keys[rid] = key
        self._keys.move_to_end(rid)
        while len(self._keys) > self._capacity:
            self._keys.popitem(last=False)

    def get(self, rid: str) -> SortKey | None:
        return self._keys.get(rid)


def _query(raw_query: str) -> dict[str, str] | Answer:
    """The list parameters, or ngrok's 400 for an unparsable query, a parameter the edge does not support (it is
    never ignored) or one given twice."""
    try:
        pairs = parse_qsl(raw_query, keep_blank_values=True, strict_parsing=False, max_num_fields=64)
    except ValueError as exc:
        return error(400, "ERR_NGROK_230", f"The query part of the requested URI is invalid: {exc}. {_DOCS}")
    query: dict[str, str] = {}
    for name, value in pairs:
        shown = ascii(name[:40])
        if name not in LIST_PARAMS:
            return error(
                400,
                "ERR_NGROK_400",
                f"The query parameter {shown} is not supported here; the local edge's lists take only "
                f"{', '.join(LIST_PARAMS)}. {_DOCS}",
            )
        if name in query:
            return error(400, "ERR_NGROK_400", f"The query parameter {shown} may be given only once. {_DOCS}")
        query[name] = value
    return query


def list_page(
    base: str, collection: str, items: list[tuple[SortKey, dict[str, Any]]], raw_query: str, cursors: Cursors
) -> Answer:
    """One page of a list, newest first: ``filter`` (CEL, ``obj``), then ``before_id``, then ``limit``.

    ``items`` are the answer objects with their sort keys, newest first. ``before_id`` keeps the items that sort
    after it, whether or not its own item is still there (its key is in ``cursors``; an id never shown gives an
    empty last page). ``next_page_uri`` is the absolute URL of the next page (same ``limit`` and ``filter``), or null
    on the last page; ``uri`` is the collection's URL. The shown items' keys are remembered in ``cursors``.
    """
    query = _query(raw_query)
    if isinstance(query, Answer):
        return query
    raw_limit = query.get("limit")
    limit = MAX_LIMIT
    if raw_limit not in (None, ""):
        try:
            limit = int(raw_limit.strip())
        except ValueError:
            return error(
                400,
                "ERR_NGROK_244",
                f"The page size limit must be a number between 1 and {MAX_LIMIT} but {raw_limit[:40]!r} was provided.",
            )
        if not 1 <= limit <= MAX_LIMIT:
            return error(
                400,
                "ERR_NGROK_233",
                f"The page size limit must be between 1 and {MAX_LIMIT} but {raw_limit[:40]} was provided.",
            )
    source = query.get("filter")
    if source is not None:
        try:
            expr = compile_filter(source)
            items = [item for item in items if matches(expr, item[1])]
        except CelError as exc:
            return error(400, "ERR_NGROK_250", f"Invalid CEL query: {exc}")
    before = query.get("before_id")
    if before:
        current = next((key for key, item in items if item["id"] == before), None)
        cursor = current if current is not None else cursors.get(before)
        items = [] if cursor is None else [(key, item) for key, item in items if key < cursor]
    chunk = items[:limit]
    for key, item in chunk:
        cursors.remember(item["id"], key)
    next_uri: str | None = None
    if len(items) > limit:
        params = [("before_id", chunk[-1][1]["id"]), ("limit", str(limit))]
        if source is not None:
            params.append(("filter", source))
        next_uri = f"{base}/{collection}?{urlencode(params, quote_via=quote)}"
    shown = [item for _, item in chunk]
    return Answer(200, {collection: shown, "uri": f"{base}/{collection}", "next_page_uri": next_uri})


# -- the request decisions --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    method: str
    target: str  # raw request target (path and query)
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes


@dataclass(frozen=True)
class Snapshot:
    sessions: list[SessionFacts]  # live sessions
    binds: list[EdgeTunnel]  # binds of live sessions


Control = Callable[[str, str], Awaitable[dict[str, Any] | None]]
"""(action, session id) → the agent's reply (None: its session ended without one). Raises ``LookupError`` when the
session is gone (or ended before the command was sent) and ``TimeoutError`` when the agent did not answer while its
session stays open."""


def check_headers(headers: dict[str, str], api_key: str) -> Answer | None:
    """ngrok's 401 for a missing, malformed or wrong key, then its 400 for a missing or unknown API version."""
    auth = headers.get("authorization")
    if auth is None or not auth.strip():
        return error(
            401,
            "ERR_NGROK_200",
            f"The ngrok API requires that you set the Authorization header for authentication. {_KEYS}",
        )
    scheme, _, token = auth.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(
            401,
            "ERR_NGROK_201",
            "The ngrok API requires that you use Bearer authentication via the Authorization header. It could not "
            f"parse the header in this request. {_KEYS}",
        )
    if not hmac.compare_digest(token.strip().encode(), api_key.encode()):
        return error(
            401, "ERR_NGROK_203", f"The API authentication you specified is properly formed, but it is invalid. {_KEYS}"
        )
    version = headers.get("ngrok-version")
    if version is None or not version.strip():
        return error(
            400,
            "ERR_NGROK_218",
            "Your request has not specified an API version. Include the version you wish to use in the "
            f"Ngrok-Version header. Supported versions: {API_VERSION}.",
        )
    if version.strip() != API_VERSION:
        return error(
            400,
            "ERR_NGROK_217",
            f"The provided API version {version.strip()[:20]!r} is invalid or unsupported. Supported versions: "
            f"{API_VERSION}. Check your API client implementation.",
        )
    return None


def check_action_body(headers: dict[str, str], body: bytes) -> Answer | None:
    """An action needs a JSON object body with ``Content-Type: application/json`` (ngrok: ERR_NGROK_213)."""
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    shown = ctype or "(no Content-Type)"
    if ctype != "application/json":
        return error(400, "ERR_NGROK_213", f"The {shown} request body could not be parsed. {_DOCS}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep to parse
        return error(400, "ERR_NGROK_213", f"The application/json request body could not be parsed. {_DOCS}")
    if not isinstance(data, dict):
        return error(400, "ERR_NGROK_213", f"The application/json request body must be a JSON object. {_DOCS}")
    return None


_ROUTES: dict[str, tuple[str, ...]] = {"tunnel_sessions": tuple(COMMANDS), "tunnels": (), "endpoints": ()}
_NETWORK = (
    "There was a networking error while trying to send this operation to the ngrok agent or trying to read the "
    "response. This usually indicates that the ngrok agent was in the process of shutting down or reconnecting, but "
    "it could also result from a networking timeout or failure. It is possible, but unlikely, that the operation "
    "succeeded."
)


def _not_allowed(allowed: str) -> Answer:
    return error(405, "ERR_NGROK_405", "Method not allowed.", headers=(("Allow", allowed),))


async def answer(
    request: Request,
    *,
    base: str,
    api_key: str,
    snapshot: Callable[[], Snapshot],
    control: Control,
    cursors: Cursors,
) -> Answer:
    """The answer to one request (every decision of the API). ``snapshot`` reads the edge's sessions and binds; it
    is called only for a request that passed the key, version, route, method and body checks."""
    refused = check_headers(request.headers, api_key)
    if refused is not None:
        return refused
    parts = urlsplit(request.target)
    segments = [unquote(s) for s in parts.path.split("/")[1:]]
    if not segments or segments[0] not in _ROUTES or len(segments) > 3 or "" in segments:
        return not_found()
    collection = segments[0]
    if len(segments) == 3 and segments[2] not in _ROUTES[collection]:
        return not_found()
    method = request.method
    if len(segments) == 3:
        if method != "POST":
            return _not_allowed("POST")
        refused = check_action_body(request.headers, request.body)
        if refused is not None:
            return refused
        return await _act(segments[2], segments[1], snapshot(), control)
    if method != "GET":
        return _not_allowed("GET")
    items = _items(base, collection, snapshot())
    if len(segments) == 1:
        return list_page(base, collection, items, parts.query, cursors)
    for _, item in items:
        if item["id"] == segments[1]:
            return Answer(200, item)
    return not_found(segments[1])


def _items(base: str, collection: str, snapshot: Snapshot) -> list[tuple[SortKey, dict[str, Any]]]:
    """The collection's answer objects with their sort keys (start time, id), newest first."""
    keyed: list[tuple[SortKey, dict[str, Any]]]
    if collection == "tunnel_sessions":
        keyed = [((s.session.established_at, s.session.id), session_view(base, s)) for s in snapshot.sessions]
    else:
        view = tunnel_view if collection == "tunnels" else endpoint_view
        keyed = [((b.bound_at, item["id"]), item) for b in snapshot.binds for item in [view(base, b)]]
    return sorted(keyed, key=lambda pair: pair[0], reverse=True)


async def _act(action: str, session_id: str, snapshot: Snapshot, control: Control) -> Answer:
    session = next((s for s in snapshot.sessions if s.session.id == session_id), None)
    if session is None:
        return not_found(session_id)
    command = COMMANDS[action]
    reason = session.unsupported.get(action, "")
    if reason:
        return error(
            400,
            command.unsupported_code,
            f"This ngrok agent does not support remote {command.unsupported_verb}: {reason}.",
        )
    try:
        reply = await control(action, session_id)
    except LookupError:  # the session went away since the snapshot, or before the command could be sent
        return not_found(session_id)
    except TimeoutError:  # no answer, and the session is still open: the agent did not act
        return error(502, "ERR_NGROK_810", _NETWORK)
    failure = reply.get("Error") if isinstance(reply, dict) else None
    if isinstance(failure, str) and failure:
        return error(
            400, command.failed_code, f"The remote ngrok agent failed to {action} because of an error: {failure}"
        )
    if reply is None and action == "update":  # stop and restart may end the session before any reply
        return error(502, "ERR_NGROK_810", _NETWORK)
    return Answer(204)


# -- the server -------------------------------------------------------------------------------------------------
class CloudAPIServer:
    """The listener: h11 connections on the edge loop, answered by :func:`answer` over ``snapshot()``."""

    def __init__(
        self, *, host: str, api_key: str, snapshot: Callable[[], Snapshot], control: Control, port: int = 0
    ) -> None:
        self.host = host
        self.port = port
        self._key = api_key
        self._snapshot = snapshot
        self._control = control
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._cursors = Cursors()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen (on ``port``, 0 = a free one). Raises ``OSError``."""
        self._server = await asyncio.start_server(self._on_client, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5.0)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (OSError, TimeoutError, h11.LocalProtocolError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        while True:
            try:
                request = await _read_request(conn, reader)
            except h11.RemoteProtocolError as exc:
                await _send(conn, writer, _malformed(exc))
                await _linger(reader, writer)
                return
            if request is None:
                return
            if isinstance(request, Answer):  # refused before the whole request was read
                await _send(conn, writer, request)
                await _linger(reader, writer)
                return
            await _send(conn, writer, await self._answer(request))
            if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def _answer(self, request: Request) -> Answer:
        """:func:`answer`; any unexpected failure is logged and answered with ngrok's 500 shape (never a silent drop)."""
        try:
            return await answer(
                request,
                base=self.url,
                api_key=self._key,
                snapshot=self._snapshot,
                control=self._control,
                cursors=self._cursors,
            )
        except Exception:
            _log.exception("the local edge's cloud API failed to answer %s %s", request.method, request.target[:200])
            return error(500, "ERR_NGROK_500", "An internal server error occurred while handling this request.")


def _malformed(exc: h11.RemoteProtocolError) -> Answer:
    status = exc.error_status_hint
    if status == 431:
        return error(431, "ERR_NGROK_812", f"Your request exceeded the maximum size of {MAX_HEAD} bytes.", close=True)
    return error(400, "ERR_NGROK_400", f"The request is not valid HTTP/1.1: {str(exc)[:120]}.", close=True)


async def _read_request(conn: h11.Connection, reader: asyncio.StreamReader) -> Request | Answer | None:
    """The next complete request; an :class:`Answer` when its body is too large; None when the client left."""
    head: h11.Request | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            data = await asyncio.wait_for(reader.read(65536), IDLE_TIMEOUT)
            conn.receive_data(data)
            continue
        if isinstance(event, h11.Request):
            head = event
            length = dict(event.headers).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > MAX_BODY:
                return _too_large()
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > MAX_BODY:
                return _too_large()
        elif isinstance(event, h11.EndOfMessage) and head is not None:
            headers: dict[str, str] = {}
            for name, value in head.headers:
                key = name.decode("latin-1").lower()
                text = value.decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text
            return Request(head.method.decode("latin-1"), head.target.decode("latin-1"), headers, bytes(body))
        elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            return None


def _too_large() -> Answer:
    return error(413, "ERR_NGROK_812", f"Your request exceeded the maximum size of {MAX_BODY} bytes.", close=True)


async def _send(conn: h11.Connection, writer: asyncio.StreamWriter, reply: Answer) -> None:
    payload = reply.encoded()
    headers = [("Content-Length", str(len(payload)))] if reply.status != 204 else []
    if reply.body is not None:
        headers.append(("Content-Type", "application/json"))
    headers.extend(reply.headers)
    if reply.close:
        headers.append(("Connection", "close"))
    try:
        reason = HTTPStatus(reply.status).phrase.encode()
        data = conn.send(h11.Response(status_code=reply.status, headers=headers, reason=reason))
        if payload:
            data = (data or b"") + (conn.send(h11.Data(data=payload)) or b"")
        data = (data or b"") + (conn.send(h11.EndOfMessage()) or b"")
    except h11.LocalProtocolError:  # the connection cannot carry an answer any more (e.g. garbage before a request)
        return
    writer.write(data)
    await writer.drain()


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Send nothing more, then read and drop what the client is still sending, within :data:`LINGER_SECONDS` and
    :data:`LINGER_BYTES`: closing a socket with unread data resets the connection, and the client may lose the
    answer it was sent."""
    if writer.can_write_eof():
        writer.write_eof()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LINGER_SECONDS
    dropped = 0
    while dropped < LINGER_BYTES and (left := deadline - loop.time()) > 0:
        try:
            data = await asyncio.wait_for(reader.read(65536), left)
        except TimeoutError:
            return
        if not data:
            return
        dropped += len(data)


def credential_id(authtoken: str, known: dict[str, str]) -> str:
    """A stable ``cr_`` id per distinct authtoken for this edge (random: it reveals nothing about the token)."""
    digest = hashlib.sha256(authtoken.encode()).hexdigest()
    if digest not in known:
        known[digest] = "cr_" + secrets.token_hex(13)
    return known[digest]


def snapshot_of(core: EdgeServer | None, credentials: dict[str, str]) -> Snapshot:
    """The live sessions and their binds, read from the edge's core (on its loop)."""
    if core is None:
        return Snapshot([], [])
    live = core.live_sessions()
    sessions: list[SessionFacts] = []
    for state in live:
        auth = state.auth
        assert auth is not None  # live sessions are authenticated
        unsupported = {action: auth.unsupported(command.unsupported_field) for action, command in COMMANDS.items()}
        sessions.append(SessionFacts(state.snapshot(), credential_id(auth.authtoken, credentials), unsupported))
    live_ids = {state.id for state in live}
    binds = [tunnel for tunnel in core.tunnel_snapshots() if tunnel.session_id in live_ids]
    return Snapshot(sessions, binds)
