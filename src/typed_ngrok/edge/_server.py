"""The edge's asyncio core: the TLS listener for agents, RPC handling, the bind registry and heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._alloc import allocate
from ._muxado import ErrorCode
from ._policy import EndpointPolicy, Refused, read_policy, refusal
from ._rpc import (
    AUTH,
    BIND,
    HEARTBEAT,
    RESTART,
    SRV_INFO,
    START_TUNNEL_WITH_LABEL,
    STOP,
    UNBIND,
    UPDATE,
    AuthRequest,
    BindRequest,
    JsonAccumulator,
    auth_response,
    bind_response,
    dumps,
    field_str,
    new_client_id,
)
from ._session import MuxSession, Stream, StreamResetError
from ._tls import termination_context
from ._tunnels import Bind, PublicListener
from ._types import EdgeFaults, EdgeSession, EdgeTunnel, EventLog

__all__ = ["EdgeServer", "Reservation", "SessionState", "restart_key"]

_RPC_TIMEOUT = 30.0


@dataclass(eq=False)
class SessionState:
    mux: MuxSession
    remote_addr: str
    id: str = ""
    auth: AuthRequest | None = None
    authed: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    established_at: float = 0.0
    bind_ids: set[str] = field(default_factory=set)
    probe_now: asyncio.Event = field(default_factory=asyncio.Event)
    restarting: bool = False  # told to Restart (and did not refuse): its binds are reserved for its next session
    reserved: list[str] = field(default_factory=list)  # a restarted session's bind ids, this session may take over

    def probe(self) -> None:
        """Check this session with a heartbeat now (traffic found it unresponsive), with a short deadline."""
        self.probe_now.set()

    def snapshot(self) -> EdgeSession:
        auth = self.auth
        return EdgeSession(
            id=self.id,
            remote_addr=self.remote_addr,
            agent_version=auth.version if auth else "",
            client_type=auth.client_type if auth else "",
            user_agent=auth.user_agent if auth else "",
            metadata=auth.metadata if auth else "",
            os=auth.os if auth else "",
            arch=auth.arch if auth else "",
            established_at=self.established_at,
            alive=not self.mux.closed,
            tunnel_ids=tuple(sorted(self.bind_ids)),
            heartbeat_interval=(auth.heartbeat_interval_ns / 1e9) if auth else 0.0,
            heartbeat_tolerance=(auth.heartbeat_tolerance_ns / 1e9) if auth else 0.0,
            open_streams=self.mux.stream_count,
            bytes_in=self.mux.bytes_in,
            bytes_out=self.mux.bytes_out,
        )


TokenPolicy = Callable[[str], bool]


class EdgeServer:
    """Everything the edge does, on one event loop. Not thread-safe: ``LocalEdge`` marshals calls onto the loop."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        server_ssl: ssl.SSLContext,
        public_ssl: ssl.SSLContext | None = None,
        token_policy: TokenPolicy,
        faults: EdgeFaults,
        events: EventLog,
        heartbeat_interval: float,
        heartbeat_tolerance: float,
        tunnel_grace: float,
        answer_timeout: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self._ssl = server_ssl
        # The https listeners present the CA-signed P-256 certificate (the agent link may present another: see _tls)
        self.public_ssl = public_ssl if public_ssl is not None else server_ssl
        self._token_ok = token_policy
        self.faults = faults
        self.events = events
        self._hb_interval = heartbeat_interval
        self._hb_tolerance = heartbeat_tolerance
        self._grace = tunnel_grace
        self.answer_timeout = answer_timeout
        self.sessions: dict[int, SessionState] = {}  # keyed by id(state): ClientIds repeat across reconnects
        self.binds: dict[str, Bind] = {}
        self.listeners: dict[int, PublicListener] = {}
        # sessions that went away after a Restart, by restart_key, each with its bind ids, until its grace ends
        self.restarts: dict[str, list[Reservation]] = {}
        self._server: asyncio.Server | None = None
        self._conn_tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen for agents. Raises ``OSError`` when the port cannot be bound."""
        # TLS is started per connection (not by the server) so that refused sessions are cut before the handshake
        self._server = await asyncio.start_server(self._on_agent, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for state in list(self.sessions.values()):
            await state.mux.close(ErrorCode.NO_ERROR, "edge shutting down")
        for task in list(self._conn_tasks):
            task.cancel()
        if self._conn_tasks:
            await asyncio.gather(*self._conn_tasks, return_exceptions=True)
        for bind in list(self.binds.values()):
            if bind.grace is not None:
                bind.grace.cancel()
        for pending in self.restarts.values():
            for reservation in pending:
                reservation.cancel()
        self.restarts.clear()
        for listener in list(self.listeners.values()):
            await listener.close()
        self.listeners.clear()
        self.binds.clear()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5.0)
            self._server = None

    # -- snapshots -------------------------------------------------------------------------------------------
    def session_snapshots(self) -> list[EdgeSession]:
        return [s.snapshot() for s in self.sessions.values() if s.auth is not None and s.id]

    def tunnel_snapshots(self) -> list[EdgeTunnel]:
        return [
            EdgeTunnel(
                id=b.id,
                proto=b.proto,
                url=b.url,
                host=b.host,
                port=b.port,
                session_id=b.session.id if b.session is not None and not b.session.mux.closed else None,
                basic_auth=bool(b.policy.credentials),
                subdomain=b.subdomain,
                hostname=b.hostname,
                open_connections=len(b.streams),
                metadata=b.metadata,
                forwards_to=b.forwards_to,
                ip_restricted=bool(b.policy.allow or b.policy.deny),
                request_headers=bool(b.policy.request_headers),
                response_headers=bool(b.policy.response_headers),
                tls_termination=b.tls is not None,
                bound_at=b.bound_at,
            )
            for b in self.binds.values()
        ]

    def live_sessions(self) -> list[SessionState]:
        """The live sessions: authenticated (they have a ClientId) and still open."""
        return [s for s in self.sessions.values() if s.auth is not None and s.id and not s.mux.closed]

    def find_session(self, session_id: str | None) -> SessionState:
        """The live session with that ClientId (None: the newest live one). Raises ``LookupError``."""
        live = self.live_sessions()
        if session_id is not None:
            live = [s for s in live if s.id == session_id]
        if not live:
            raise LookupError(f"no live agent session{'' if session_id is None else ' ' + repr(session_id)}")
        return max(live, key=lambda s: s.established_at)

    # -- agent connections -----------------------------------------------------------------------------------
    async def _on_agent(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conn_tasks.add(task)
        try:
            if self.faults.refuse_sessions:
                writer.transport.abort()
                return
            try:
                await writer.start_tls(self._ssl, ssl_handshake_timeout=_RPC_TIMEOUT)
            except (OSError, ssl.SSLError, TimeoutError, ConnectionError):
                writer.transport.abort()
                return
            peer = writer.get_extra_info("peername")
            remote = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
            holder: list[SessionState] = []
            mux = MuxSession(reader, writer, lambda stream: self._on_stream(holder[0], stream))
            state = SessionState(mux=mux, remote_addr=remote)
            holder.append(state)
            self.sessions[id(state)] = state
            try:
                await mux.run()
            finally:
                self._session_gone(state)
        finally:
            self._conn_tasks.discard(task)

    def _session_gone(self, state: SessionState) -> None:
        self.sessions.pop(id(state), None)
        if not state.authed.done():
            state.authed.set_result(False)
        if state.auth is not None and state.id:
            self.events.add("session_closed", state.id, reason=state.mux.close_reason)
        if state.restarting and state.auth is not None:  # its binds, in bind order, wait for the restarted agent
            self._reserve(restart_key(state.auth), [bind_id for bind_id in self.binds if bind_id in state.bind_ids])
        for bind_id in state.bind_ids:
            bind = self.binds.get(bind_id)
            if bind is not None and bind.session is state:
                bind.session = None
                for stream in list(bind.streams):
                    stream.reset(ErrorCode.SESSION_CLOSED)
                bind.grace = asyncio.get_running_loop().call_later(self._grace, self._expire, bind.id)

    def _reserve(self, key: str, bind_ids: list[str]) -> None:
        """Keep a restarted session's binds for its agent's next session, until the grace period ends."""
        reservation = Reservation(bind_ids)
        reservation.timer = asyncio.get_running_loop().call_later(self._grace, self._unreserve, key, reservation)
        self.restarts.setdefault(key, []).append(reservation)

    def _unreserve(self, key: str, reservation: Reservation) -> None:
        pending = self.restarts.get(key, [])
        if reservation in pending:
            pending.remove(reservation)
        reservation.cancel()
        if not pending:
            self.restarts.pop(key, None)

    def _claim(self, state: SessionState, key: str) -> list[str]:
        """The bind ids a new session takes over: those of the one restarted session of its ``restart_key`` — none
        when no restart, or more than one, is pending for it (counting sessions told to Restart that have not gone
        yet). Agents that share a key cannot be told apart, so an ambiguous case gets fresh URLs (fail closed)."""
        pending = self.restarts.get(key, [])
        going = [
            s
            for s in self.sessions.values()
            if s is not state and s.restarting and s.auth is not None and restart_key(s.auth) == key
        ]
        if len(pending) != 1 or going:
            return []
        reservation = pending[0]
        self._unreserve(key, reservation)
        return reservation.bind_ids

    def _expire(self, bind_id: str) -> None:
        bind = self.binds.get(bind_id)
        if bind is not None and bind.session is None:
            task = asyncio.ensure_future(self.release(bind, "session gone"))
            self._conn_tasks.add(task)
            task.add_done_callback(self._conn_tasks.discard)

    async def release(self, bind: Bind, reason: str) -> None:
        """Forget a bind; close its listener when no other bind uses it."""
        if self.binds.get(bind.id) is not bind:
            return
        del self.binds[bind.id]
        if bind.grace is not None:
            bind.grace.cancel()
        for stream in list(bind.streams):
            stream.reset(ErrorCode.STREAM_CANCELLED)
        listener = bind.listener
        if listener.binds.get(bind.scheme_key) is bind:
            del listener.binds[bind.scheme_key]
        if not listener.binds and self.listeners.get(listener.port) is listener:
            del self.listeners[listener.port]
            await listener.close()
        if bind.session is not None:
            bind.session.bind_ids.discard(bind.id)
        self.events.add("tunnel_closed", bind.session.id if bind.session else "", bind_id=bind.id, reason=reason)

    # -- streams opened by the agent -------------------------------------------------------------------------
    async def _on_stream(self, state: SessionState, stream: Stream) -> None:
        try:
            stype = int.from_bytes(await stream.readexactly(4), "big")
            if stype == HEARTBEAT:
                await self._echo_heartbeats(stream)
                return
            request = await _read_json(stream)
            if stype == AUTH:
                reply = await self._auth(state, request)
            elif stype == BIND:
                reply = await self._bind(state, request)
            elif stype == UNBIND:
                reply = await self._unbind(state, request)
            elif stype == SRV_INFO:
                reply = {"Region": "local"}
            elif stype == START_TUNNEL_WITH_LABEL:
                reply = {
                    "Id": "",
                    "Error": "The local edge does not serve labeled listeners (edges); bind a domain or a "
                    "port instead.\r\n\r\nERR_NGROK_4012\r\n",
                }
            else:
                stream.reset(ErrorCode.PROTOCOL_ERROR)
                return
            if self.faults.reply_delay > 0:
                await asyncio.sleep(self.faults.reply_delay)
            await stream.write(dumps(reply))
            stream.close_write()
            if stype == AUTH and reply["Error"]:
                state.mux.spawn(_close_later(state.mux, 5.0))
        except (StreamResetError, asyncio.IncompleteReadError, ValueError, RecursionError, TimeoutError):
            stream.reset(ErrorCode.PROTOCOL_ERROR)

    async def _echo_heartbeats(self, stream: Stream) -> None:
        while True:
            beat = await stream.readexactly(4)
            if not self.faults.stall_heartbeats:
                await stream.write(beat)

    async def _auth(self, state: SessionState, raw: object) -> dict[str, Any]:
        req = AuthRequest.parse(raw)
        error = ""
        if self.faults.auth_error:
            error = self.faults.auth_error
        elif not req.authtoken:
            error = "Your ngrok agent sent no authtoken; the local edge requires one.\r\n\r\nERR_NGROK_4018\r\n"
        elif not self._token_ok(req.authtoken):
            error = "The authtoken you specified is properly formed, but it is invalid.\r\n\r\nERR_NGROK_107\r\n"
        client_id = req.client_id or new_client_id()
        if error:
            self.events.add("auth_rejected", client_id, error=error)
            if not state.authed.done():
                state.authed.set_result(False)
            return auth_response("", error)
        state.id = client_id
        state.auth = req
        state.established_at = time.time()
        if not req.client_id:  # a new agent run: the one a Restart re-executed takes over its earlier binds
            state.reserved = self._claim(state, restart_key(req))
        if not state.authed.done():
            state.authed.set_result(True)
        self.events.add("session", client_id, remote_addr=state.remote_addr, reconnect=bool(req.client_id))
        if self._hb_interval > 0:
            state.mux.spawn(self._heartbeat(state))
        return auth_response(client_id)

    async def _heartbeat(self, state: SessionState) -> None:
        try:
            stream = state.mux.open_stream(HEARTBEAT)
            while not state.mux.closed:
                probing = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(state.probe_now.wait(), self._hb_interval)
                    probing = True
                state.probe_now.clear()
                tolerance = min(self._hb_tolerance, max(self.answer_timeout, 1.0)) if probing else self._hb_tolerance
                beat = os.urandom(4)
                await stream.write(beat)
                try:
                    echo = await asyncio.wait_for(stream.readexactly(4), tolerance)
                except TimeoutError:
                    self.events.add("heartbeat_timeout", state.id, tolerance=tolerance, probe=probing)
                    state.mux.close_reason = "heartbeat timeout"
                    state.mux.abort()
                    return
                if echo != beat:
                    state.mux.close_reason = "heartbeat echo mismatch"
                    state.mux.abort()
                    return
        except (StreamResetError, asyncio.IncompleteReadError):
            return

    async def _bind(self, state: SessionState, raw: object) -> dict[str, Any]:
        req = BindRequest.parse(raw)
        if not await asyncio.wait_for(asyncio.shield(state.authed), _RPC_TIMEOUT):
            return bind_response(req.id, "", req.proto, req.opts, "session is not authenticated")
        error = self.faults.bind_error or ""
        bind: Bind | None = None
        policy: EndpointPolicy | None = None
        tls: ssl.SSLContext | None = None
        if not error:
            try:
                policy = read_policy(req)
                if policy.tls_cert_pem:
                    tls = termination_context(policy.tls_cert_pem, policy.tls_key_pem)
            except Refused as exc:
                error = str(exc)
            except (ssl.SSLError, ValueError, OSError) as exc:
                error = str(
                    refusal("TLS termination", "Opts.TLSTermination", req.proto, f"unusable certificate: {exc}")
                )
        if not error:
            bind, error = allocate(self, state, req)
        if error or bind is None or policy is None:
            self.events.add("bind_rejected", state.id, proto=req.proto, error=error)
            return bind_response(req.id, "", req.proto, req.opts, error)
        if bind.grace is not None:
            bind.grace.cancel()
            bind.grace = None
        bind.policy = policy
        bind.tls = tls
        bind.metadata = req.metadata
        bind.forwards_to = req.forwards_to
        bind.bound_at = time.time()
        bind.session = state
        state.bind_ids.add(bind.id)
        self.events.add("bind", state.id, bind_id=bind.id, url=bind.url, proto=bind.proto)
        return bind_response(bind.id, bind.url, bind.proto, bind.opts)

    async def _unbind(self, state: SessionState, raw: object) -> dict[str, Any]:
        bind_id = field_str(raw, "Id")
        bind = self.binds.get(bind_id)
        if bind is None or bind.session is not state:
            return {"Error": f"tunnel {bind_id!r} is not bound by this session", "Extra": None}
        state.bind_ids.discard(bind_id)
        await self.release(bind, "unbind")
        self.events.add("unbind", state.id, bind_id=bind_id)
        return {"Error": "", "Extra": None}

    def reset_connections(self, tunnel_id: str | None) -> int:
        """RST the live proxy streams of one bind (None: of all binds); their public sockets close. Returns the count."""
        count = 0
        for bind in list(self.binds.values()):
            if tunnel_id is None or bind.id == tunnel_id:
                for stream in list(bind.streams):
                    stream.reset(ErrorCode.STREAM_CANCELLED)
                    count += 1
        return count

    # -- edge -> agent control -------------------------------------------------------------------------------
    async def control(self, session_id: str | None, stream_type: int, body: dict[str, Any], timeout: float) -> Any:
        """Send Stop/Restart/Update; the agent's reply, or None when the session ended without one.

        Raises ``LookupError`` when there is no such live session (or it ended before the command could be sent),
        and ``TimeoutError`` when the agent did not answer within ``timeout`` seconds while its session stays open
        (it did not act: a Restart reserves nothing).
        """
        if stream_type not in (STOP, RESTART, UPDATE):
            raise ValueError(f"not a control stream type: {stream_type}")
        state = self.find_session(session_id)
        was_restarting = state.restarting
        try:
            stream = state.mux.open_stream(stream_type)
            if stream_type == RESTART:
                state.restarting = True  # set before the agent can act on it: its session may end before the reply
            await stream.write(dumps(body))
        except StreamResetError as exc:  # the session (or this stream) ended before the command went out
            state.restarting = was_restarting
            raise LookupError(f"agent session {state.id!r} ended before the command could be sent") from exc
        try:
            reply = await asyncio.wait_for(_read_json(stream), timeout)
        except TimeoutError:
            if not state.mux.closed:
                stream.reset(ErrorCode.STREAM_CANCELLED)
                state.restarting = was_restarting
                self.events.add("control_reply", state.id, type=stream_type, reply=None, timeout=timeout)
                raise TimeoutError(f"the agent did not answer within {timeout} s (its session is still open)") from None
            reply = None
        except (StreamResetError, asyncio.IncompleteReadError, ValueError, RecursionError):
            reply = None
        stream.close_write()
        if stream_type == RESTART and isinstance(reply, dict) and reply.get("Error"):
            state.restarting = False  # refused (RestartUnsupportedError): the session stays, nothing is reserved
        self.events.add("control_reply", state.id, type=stream_type, reply=reply)
        return reply


def restart_key(auth: AuthRequest) -> str:
    """What a restarted agent's new session has in common with its old one: the credential and what the agent says
    about itself (a re-exec sends the same), as a SHA-256 digest (the authtoken itself is not kept)."""
    facts = [auth.authtoken, auth.version, auth.os, auth.arch, auth.client_type, auth.metadata]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


@dataclass(eq=False)
class Reservation:
    """The bind ids (in bind order) of one session that went away after a Restart, kept for its grace period."""

    bind_ids: list[str]
    timer: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


async def _read_json(stream: Stream) -> Any:
    acc = JsonAccumulator()
    while True:
        chunk = await stream.read()
        if not chunk:
            return acc.finish()
        stream.consume(len(chunk))
        done, value = acc.feed(chunk)
        if done:
            return value


async def _close_later(mux: MuxSession, delay: float) -> None:
    await asyncio.sleep(delay)
    await mux.close(ErrorCode.NO_ERROR, "authentication failed")
