"""Public value types of the local edge: snapshots, events, fault switches, and the event log."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["EdgeEvent", "EdgeFaults", "EdgeSession", "EdgeTunnel", "EventKind"]

EventKind = Literal[
    "session",  # Auth accepted: an agent session is established
    "session_closed",
    "auth_rejected",
    "bind",
    "bind_rejected",
    "unbind",
    "tunnel_closed",  # a listener was released (unbind, grace period over, edge stop)
    "proxy_open",
    "proxy_close",
    "proxy_unanswered",  # the agent sent nothing on a new proxy stream in time: 502, and its session is probed
    "heartbeat_timeout",  # the edge's own heartbeat got no echo in time; the session is dropped
    "control_reply",  # reply of the agent to Stop/Restart/Update
]


@dataclass(frozen=True)
class EdgeSession:
    """One agent session the edge holds (or held: ``alive`` False)."""

    id: str  # the ClientId
    remote_addr: str
    agent_version: str
    os: str
    arch: str
    established_at: float  # time.time()
    alive: bool
    tunnel_ids: tuple[str, ...]
    heartbeat_interval: float  # seconds, as the agent announced
    heartbeat_tolerance: float
    open_streams: int = 0
    bytes_in: int = 0  # muxado bytes received from / sent to the agent (after TLS)
    bytes_out: int = 0
    client_type: str = ""  # Auth ``Extra.ClientType``: ``ngrok-python``, ``ngrok-nodejs``, … (2.3.41: ``""``)
    user_agent: str = ""  # Auth ``Extra.UserAgent``: ``ngrok/2``, ``ngrok-python/1.7.0 ngrok-rust/0.18.0``, …
    metadata: str = ""  # Auth ``Extra.Metadata``: the session metadata the client set


@dataclass(frozen=True)
class EdgeTunnel:
    """One bind: a public listener on 127.0.0.1 carried by an agent session."""

    id: str  # the bind id the agent routes by
    proto: str  # http | https | tcp | tls
    url: str
    host: str  # the host of the URL (``localhost``, ``<subdomain>.localhost``, a hostname, ``127.0.0.1``)
    port: int
    session_id: str | None  # None while its session is gone (within the grace period)
    basic_auth: bool  # the edge enforces basic auth (``Opts.Auth`` or ``Opts.BasicAuth``) with 401
    subdomain: str
    hostname: str  # the ``Hostname`` or ``Domain`` the client asked for
    open_connections: int = 0  # public connections being proxied right now
    metadata: str = ""  # Bind ``Extra.Metadata``
    forwards_to: str = ""  # Bind ``ForwardsTo``: the upstream the client says it forwards to
    ip_restricted: bool = False  # the edge enforces ``Opts.IPRestriction`` (403 / closed connection)
    request_headers: bool = False  # the edge applies ``Opts.RequestHeaders`` add/remove
    response_headers: bool = False  # the edge applies ``Opts.ResponseHeaders`` add/remove
    tls_termination: bool = False  # the edge terminates TLS with the certificate of ``Opts.TLSTermination``
    bound_at: float = 0.0  # time.time() of the Bind that (re)bound it (the cloud API's ``started_at``)


@dataclass(frozen=True)
class EdgeEvent:
    """Something that happened at the edge. ``seq`` orders events; ``detail`` holds kind-specific values."""

    seq: int
    kind: EventKind
    session_id: str
    detail: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)


@dataclass
class EdgeFaults:
    """Fault-injection switches, read by the edge at the moment they matter (change them at any time).

    - ``auth_error``: Auth replies carry this error (the agent exits with it). Use the ``...\\r\\n\\r\\nERR_NGROK_<n>\\r\\n``
      form real ngrok uses.
    - ``bind_error``: Bind replies carry this error (``POST /api/tunnels`` gets 502, error_code 103).
    - ``stall_heartbeats``: stop echoing the agent's heartbeats (the agent then drops and redials the session).
    - ``reply_delay``: seconds to wait before every RPC reply.
    - ``refuse_sessions``: close new agent connections right after accept.
    """

    auth_error: str | None = None
    bind_error: str | None = None
    stall_heartbeats: bool = False
    reply_delay: float = 0.0
    refuse_sessions: bool = False

    def clear(self) -> None:
        self.auth_error = None
        self.bind_error = None
        self.stall_heartbeats = False
        self.reply_delay = 0.0
        self.refuse_sessions = False


Predicate = Callable[[EdgeEvent], bool]


class EventLog:
    """Append-only event record, awaitable from the loop and waitable from other threads."""

    def __init__(self, limit: int = 10_000) -> None:
        self._events: list[EdgeEvent] = []
        self._seq = 0
        self._limit = limit
        self._cond = threading.Condition()
        self._waiters: list[tuple[Predicate, asyncio.Future[EdgeEvent]]] = []

    @property
    def seq(self) -> int:
        """The sequence number the next event will get."""
        return self._seq

    def snapshot(self) -> list[EdgeEvent]:
        with self._cond:
            return list(self._events)

    def add(self, kind: EventKind, session_id: str = "", **detail: Any) -> EdgeEvent:
        """Record an event (call on the edge's loop thread)."""
        with self._cond:
            event = EdgeEvent(self._seq, kind, session_id, detail)
            self._seq += 1
            self._events.append(event)
            if len(self._events) > self._limit:
                del self._events[: len(self._events) - self._limit]
            self._cond.notify_all()
            for waiter in list(self._waiters):
                predicate, fut = waiter
                if predicate(event):
                    fut.get_loop().call_soon_threadsafe(_resolve, fut, event)
                    self._waiters.remove(waiter)
        return event

    def _find(self, predicate: Predicate, since: int) -> EdgeEvent | None:
        for event in self._events:
            if event.seq >= since and predicate(event):
                return event
        return None

    def wait_sync(self, predicate: Predicate, since: int, timeout: float) -> EdgeEvent | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._find(predicate, since)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    async def wait_async(self, predicate: Predicate, since: int, timeout: float) -> EdgeEvent | None:
        with self._cond:
            found = self._find(predicate, since)
            if found is not None:
                return found
            fut: asyncio.Future[EdgeEvent] = asyncio.get_running_loop().create_future()
            self._waiters.append((predicate, fut))
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            return None
        finally:
            with self._cond:
                self._waiters[:] = [w for w in self._waiters if w[1] is not fut]


def _resolve(fut: asyncio.Future[EdgeEvent], event: EdgeEvent) -> None:
    if not fut.done():
        fut.set_result(event)
