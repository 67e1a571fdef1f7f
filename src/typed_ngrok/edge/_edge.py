"""``LocalEdge``: the public face of the edge, usable from sync code (own loop thread) or inside a running loop."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import secrets
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from typed_ngrok.exception import LocalEdgeError

from ._cloud_api import CONTROL_TIMEOUT, CloudAPIServer, snapshot_of
from ._controls import EdgeControls, command
from ._server import EdgeServer
from ._tls import EdgeCertificates
from ._types import EdgeEvent, EdgeFaults, EdgeSession, EdgeTunnel, EventKind, EventLog

__all__ = ["DEFAULT_AUTHTOKEN", "LocalEdge"]

T = TypeVar("T")
DEFAULT_AUTHTOKEN = "local-edge-token"
_START_TIMEOUT = 30.0


class LocalEdge(EdgeControls):
    """A loopback stand-in for ngrok's tunnel server that the real agent opens real tunnels through.

    Nothing listens until :meth:`start` (sync: the edge runs its own event loop in a daemon thread) or
    ``async with`` / :meth:`astart` (inside the running loop, no thread). Every method whose name starts with ``a``
    is the coroutine twin of the same method without it; call the sync ones from any thread but the edge's loop.

    Args:
        host: must be an IPv4 loopback address; the edge contacts and serves nothing else.
        port: the agent-facing TLS port (0 = a free port). Reuse an old edge's port and ``certs`` to restart it.
        authtoken: the only token Auth accepts; None accepts any non-empty token (and :attr:`authtoken` is
            ``"local-edge-token"``).
        certs: the https listeners' CA and certificate and the agent link's certificate (default: minted now).
        heartbeat_interval: seconds between the edge's own heartbeats (0 disables them).
        heartbeat_tolerance: seconds the agent has to echo one before its session is dropped.
        tunnel_grace: seconds a lost session's listeners stay open for a reconnecting agent to re-bind.
        answer_timeout: seconds an agent has to acknowledge a new public connection (any frame on its proxy
            stream; live agents do so at once) before the client gets 502 and the session is probed by a heartbeat
            (and dropped when that goes unanswered too). Catches SDK sessions closed without a GOAWAY.
        state_dir: a folder that keeps the certificates, their keys and the agent-facing port across runs
            (``state.json``, mode 0600; certificates valid for a year, renewed when less than a week is left), so an
            agent config written for one run keeps working with the next. Without it everything lives in a temporary
            folder deleted by :meth:`stop`.
        cloud_api_key: the Bearer key of the edge's cloud API (:attr:`cloud_api_url`, docs/edge-cloud.md);
            None mints a random one (:attr:`cloud_api_key`).

    Raises:
        LocalEdgeError: for a non-loopback host, a ``cloud_api_key`` that is empty or not printable ASCII, or when
            the certificate files cannot be written.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        authtoken: str | None = None,
        certs: EdgeCertificates | None = None,
        heartbeat_interval: float = 10.0,
        heartbeat_tolerance: float = 15.0,
        tunnel_grace: float = 30.0,
        answer_timeout: float = 5.0,
        state_dir: str | os.PathLike[str] | None = None,
        cloud_api_key: str | None = None,
    ) -> None:
        if cloud_api_key is not None and (not isinstance(cloud_api_key, str) or not cloud_api_key.strip()):
            raise LocalEdgeError("cloud_api_key must be a non-empty string (or None to mint one)")
        if cloud_api_key is not None and not (cloud_api_key.isascii() and cloud_api_key.isprintable()):
            # an HTTP header carries it: such a key could never authenticate (the key itself is not shown)
            raise LocalEdgeError("cloud_api_key must be printable ASCII (it is sent in the Authorization header)")
        self._cloud_key = cloud_api_key.strip() if cloud_api_key is not None else secrets.token_urlsafe(24)
        self._cloud: CloudAPIServer | None = None
        self._credentials: dict[str, str] = {}  # sha256 of an authtoken -> the cr_ id the cloud API shows
        try:
            loopback = ipaddress.IPv4Address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise LocalEdgeError(f"the local edge binds only to an IPv4 loopback address, not {host!r}")
        if not 0 <= port < 65536:
            raise LocalEdgeError(f"invalid port {port}")
        self._host = host
        self._port = port
        self._token = authtoken
        self._state_dir = Path(state_dir) if state_dir is not None else None
        if self._state_dir is not None:
            saved_port, saved_certs = _load_state(self._state_dir)
            self._port = port or saved_port
            certs = certs or saved_certs or EdgeCertificates.generate(valid_days=_STATE_DAYS)
        self._certs = certs or EdgeCertificates.generate()
        self._stopped = False
        self._hb = (heartbeat_interval, heartbeat_tolerance)
        self._grace = tunnel_grace
        self._answer_timeout = answer_timeout
        self.faults = EdgeFaults()
        self._events = EventLog()
        try:
            if self._state_dir is not None:
                self._dir = self._state_dir
                self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            else:
                self._dir = Path(tempfile.mkdtemp(prefix="typed-ngrok-edge-"))
            self._ca_path, self._cert_path, self._key_path = self._certs.write(self._dir)
            self._agent_ca_path, self._agent_cert_path, self._agent_key_path = self._certs.write_agent_link(self._dir)
        except OSError as exc:
            raise LocalEdgeError(f"cannot write the edge certificates: {exc}") from exc
        temporary = str(self._dir) if self._state_dir is None else None
        self._cleanup = weakref.finalize(self, _remove_folder, temporary)
        self._core: EdgeServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- configuration ---------------------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The agent-facing port (the real one once started)."""
        return self._port

    @property
    def server_addr(self) -> str:
        """``127.0.0.1:PORT`` for the agent's ``server_addr`` / ``agent.connect_url``."""
        return f"{self._host}:{self._port}"

    @property
    def ca_path(self) -> str:
        """PEM path of the run-time CA that signs the https listeners' certificate (for clients of https URLs)."""
        return str(self._ca_path)

    @property
    def agent_ca_path(self) -> str:
        """PEM path the agent trusts for its connection to the edge (``root_cas`` / ``connect_cas``)."""
        return str(self._agent_ca_path)

    @property
    def certs(self) -> EdgeCertificates:
        return self._certs

    @property
    def authtoken(self) -> str:
        """A token this edge accepts."""
        return self._token or DEFAULT_AUTHTOKEN

    @property
    def cloud_api_url(self) -> str:
        """Base URL of the edge's stand-in for ngrok's cloud API (``http://127.0.0.1:PORT``; docs/edge-cloud.md):
        tunnel sessions with their restart/stop/update actions, tunnels and endpoints. Same lifetime as the edge
        (and the same port across :meth:`restart`). Raises :class:`LocalEdgeError` before the edge started."""
        if self._cloud is None:
            raise LocalEdgeError("the local edge is not running: its cloud API has no address yet")
        return self._cloud.url

    @property
    def cloud_api_key(self) -> str:
        """The API key (``Authorization: Bearer …``) the edge's cloud API accepts. A secret: never logged."""
        return self._cloud_key

    @property
    def running(self) -> bool:
        return self._core is not None

    def agent_config(self, config_version: str = "2", *, with_authtoken: bool = False) -> dict[str, object]:
        """The agent config keys pointing an agent at this edge (merge them into its config file).

        ``"2"``: ``server_addr``, ``root_cas``, ``update_check``, ``console_ui``; ``"3"``: the same under ``agent``
        (``connect_url``, ``connect_cas``) with ``version: "3"``. ``with_authtoken`` adds :attr:`authtoken` (write
        the file privately: it is a secret). Raises :class:`LocalEdgeError` for another version.

        Args:
            config_version: the agent config format, ``"2"`` or ``"3"``.
            with_authtoken: also include :attr:`authtoken`.
        """
        if self._stopped:
            raise LocalEdgeError("the local edge was stopped: its address and certificate files are gone")
        keys: dict[str, object]
        if str(config_version) == "2":
            keys = {
                "server_addr": self.server_addr,
                "root_cas": self.agent_ca_path,
                "update_check": False,
                "console_ui": False,
            }
            if with_authtoken:
                keys["authtoken"] = self.authtoken
            return keys
        if str(config_version) == "3":
            agent: dict[str, object] = {
                "connect_url": self.server_addr,
                "connect_cas": self.agent_ca_path,
                "update_check": False,
                "console_ui": False,
            }
            if with_authtoken:
                agent["authtoken"] = self.authtoken
            return {"version": "3", "agent": agent}
        raise LocalEdgeError(f"unknown agent config version {config_version!r} (use '2' or '3')")

    # -- lifecycle -------------------------------------------------------------------------------------------
    def _make_core(self) -> EdgeServer:
        token = self._token
        return EdgeServer(
            host=self._host,
            port=self._port,
            server_ssl=self._certs.server_context(self._agent_cert_path, self._agent_key_path),
            public_ssl=self._certs.public_context(self._cert_path, self._key_path),
            token_policy=(lambda t: bool(t)) if token is None else (lambda t: t == token),
            faults=self.faults,
            events=self._events,
            heartbeat_interval=self._hb[0],
            heartbeat_tolerance=self._hb[1],
            tunnel_grace=self._grace,
            answer_timeout=self._answer_timeout,
        )

    async def _start_core(self) -> None:
        core = self._make_core()
        try:
            await core.start()
        except OSError as exc:
            raise LocalEdgeError(f"the local edge cannot listen on {self.server_addr}: {exc.strerror or exc}") from exc
        self._port = core.port
        if self._state_dir is not None:  # saved before the cloud API listens: a failure leaves nothing running
            try:
                _save_state(self._state_dir, self._port, self._certs)
            except OSError as exc:
                await core.stop()
                raise LocalEdgeError(f"cannot save the edge state in {self._state_dir}: {exc}") from exc
        if self._cloud is None:
            cloud = CloudAPIServer(
                host=self._host,
                api_key=self._cloud_key,
                snapshot=lambda: snapshot_of(self._core, self._credentials),
                control=self._cloud_action,
            )
            try:
                await cloud.start()
            except OSError as exc:
                await core.stop()
                raise LocalEdgeError(f"the local edge's cloud API cannot listen: {exc.strerror or exc}") from exc
            self._cloud = cloud
        self._core = core

    async def _stop_core(self) -> None:
        core, self._core = self._core, None
        if core is not None:
            await core.stop()

    async def _stop_all(self) -> None:
        """The core, then the cloud API (which outlives core restarts)."""
        try:
            await self._stop_core()
        finally:
            cloud, self._cloud = self._cloud, None
            if cloud is not None:
                await cloud.stop()

    async def _cloud_action(self, action: str, session_id: str) -> dict[str, Any] | None:
        """A cloud API action on a live session: the agent's reply (None: its session ended without one).

        Raises ``LookupError`` (no such live session, or it ended before the command went out) and ``TimeoutError``
        (no answer while the session stays open)."""
        core = self._core
        if core is None:
            raise LookupError("the local edge is not running")
        reply: dict[str, Any] | None = await core.control(session_id, *command(action), CONTROL_TIMEOUT)
        return reply

    async def astart(self) -> LocalEdge:
        """Start listening on the running loop. Raises :class:`LocalEdgeError` (already running, port taken)."""
        if self._core is not None or self._thread is not None:
            raise LocalEdgeError("the local edge is already running")
        self._check_not_stopped()
        self._loop = asyncio.get_running_loop()
        await self._start_core()
        return self

    async def astop(self) -> None:
        """Close every session (GOAWAY), listener and public connection, and delete the temporary certificate
        folder (a ``state_dir`` is kept). Idempotent; a stopped edge cannot start again."""
        await self._stop_all()
        self._finish()

    def _finish(self) -> None:
        self._stopped = True
        self._cleanup()

    def _check_not_stopped(self) -> None:
        if self._stopped:
            raise LocalEdgeError("this local edge was stopped; create a new LocalEdge (pass state_dir to keep its CA)")

    async def arestart(self) -> None:
        """Stop and start again on the same port with the same CA, losing all state (as a real edge restart would).

        Agents reconnect, re-authenticate and re-bind; their tunnels get their old URLs back.
        """
        await self._stop_core()
        await self._start_core()

    def start(self) -> LocalEdge:
        """Run the edge in its own event-loop thread; returns once it listens. Raises :class:`LocalEdgeError`."""
        if self._core is not None or self._thread is not None:
            raise LocalEdgeError("the local edge is already running")
        self._check_not_stopped()
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(target=_run_loop, args=(loop, ready), name="typed-ngrok-edge", daemon=True)
        thread.start()
        ready.wait()
        self._loop, self._thread = loop, thread
        try:
            asyncio.run_coroutine_threadsafe(self._start_core(), loop).result(_START_TIMEOUT)
        except BaseException:
            self._shutdown_thread()
            raise
        return self

    def stop(self) -> None:
        """Stop the edge and join its thread (sync mode), closing everything. Idempotent."""
        if self._thread is None:
            if self._core is not None or self._cloud is not None:
                self._run(self._stop_all, 30.0)
            self._finish()
            return
        try:
            self._run(self._stop_all, 30.0)
        finally:
            self._shutdown_thread()
            self._finish()

    def restart(self) -> None:
        """Sync twin of :meth:`arestart`."""
        self._run(self.arestart, 60.0)

    def _shutdown_thread(self) -> None:
        loop, thread = self._loop, self._thread
        self._thread = None
        self._loop = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(30.0)

    def __enter__(self) -> LocalEdge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> LocalEdge:
        return await self.astart()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.astop()

    def _run(self, factory: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
        """Run a coroutine on the edge's loop from another thread and wait for it."""
        loop = self._loop
        if loop is None:
            raise LocalEdgeError("the local edge is not running")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise LocalEdgeError("this call would block the edge's own event loop: await the 'a'-prefixed twin")
        try:
            return asyncio.run_coroutine_threadsafe(factory(), loop).result(timeout)
        except TimeoutError as exc:
            raise LocalEdgeError(f"the local edge did not answer within {timeout} s") from exc

    def _need_core(self) -> EdgeServer:
        if self._core is None:
            raise LocalEdgeError("the local edge is not running")
        return self._core

    # -- state -----------------------------------------------------------------------------------------------
    async def _snapshot(self) -> tuple[list[EdgeSession], list[EdgeTunnel]]:
        core = self._core
        if core is None:
            return [], []
        return core.session_snapshots(), core.tunnel_snapshots()

    def _snap(self) -> tuple[list[EdgeSession], list[EdgeTunnel]]:
        loop = self._loop
        if loop is None or self._core is None:
            return [], []
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            return self._core.session_snapshots(), self._core.tunnel_snapshots()
        return self._run(self._snapshot, 30.0)

    @property
    def sessions(self) -> list[EdgeSession]:
        """Snapshot of the authenticated sessions (live ones, and ones closing right now)."""
        return self._snap()[0]

    @property
    def tunnels(self) -> list[EdgeTunnel]:
        """Snapshot of the binds (a bind outlives its session for ``tunnel_grace`` seconds)."""
        return self._snap()[1]

    @property
    def events(self) -> list[EdgeEvent]:
        return self._events.snapshot()

    def mark(self) -> int:
        """The sequence number of the next event (pass it as ``since`` to wait only for newer events)."""
        return self._events.seq

    def wait_for_event(
        self,
        kind: EventKind,
        *,
        since: int = 0,
        timeout: float = 30.0,
        match: Callable[[EdgeEvent], bool] | None = None,
    ) -> EdgeEvent:
        """Block until an event of ``kind`` (with ``seq >= since``, satisfying ``match``) has happened.

        Raises :class:`LocalEdgeError` on timeout.

        Args:
            kind: the :data:`EventKind` to wait for.
            since: only events with ``seq >= since`` count (:meth:`mark` gives the next one).
            timeout: seconds to wait at most.
            match: a further condition the event must satisfy; None: any event of ``kind``.
        """
        found = self._events.wait_sync(lambda e: e.kind == kind and (match is None or match(e)), since, timeout)
        if found is None:
            raise LocalEdgeError(f"no {kind!r} event within {timeout} s")
        return found

    async def await_event(
        self,
        kind: EventKind,
        *,
        since: int = 0,
        timeout: float = 30.0,
        match: Callable[[EdgeEvent], bool] | None = None,
    ) -> EdgeEvent:
        """Coroutine twin of :meth:`wait_for_event`.

        Args:
            kind: the :data:`EventKind` to wait for.
            since: only events with ``seq >= since`` count (:meth:`mark` gives the next one).
            timeout: seconds to wait at most.
            match: a further condition the event must satisfy; None: any event of ``kind``.
        """
        found = await self._events.wait_async(lambda e: e.kind == kind and (match is None or match(e)), since, timeout)
        if found is None:
            raise LocalEdgeError(f"no {kind!r} event within {timeout} s")
        return found


_STATE_DAYS = 365
_RENEW_BEFORE = 7  # days


def _remove_folder(path: str | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def _load_state(folder: Path) -> tuple[int, EdgeCertificates | None]:
    """The port and certificates a previous run saved in ``folder`` (0 and None when absent, unreadable or about
    to expire)."""
    try:
        raw = json.loads((folder / "state.json").read_text())
        port = int(raw.get("port", 0))
        certs = EdgeCertificates(**{name: str(raw[name]).encode() for name in _CERT_FIELDS})
        if certs.valid_for().days < _RENEW_BEFORE:
            return port if 0 < port < 65536 else 0, None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return 0, None
    return (port if 0 < port < 65536 else 0), certs


_CERT_FIELDS = ("ca_pem", "ca_key_pem", "cert_pem", "key_pem", "agent_cert_pem", "agent_key_pem")


def _save_state(folder: Path, port: int, certs: EdgeCertificates) -> None:
    data = {"port": port, **{name: getattr(certs, name).decode() for name in _CERT_FIELDS}}
    path = folder / "state.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)


def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    try:
        loop.run_forever()
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
