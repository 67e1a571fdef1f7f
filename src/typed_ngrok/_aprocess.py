"""The async agent registry behind ``typed_ngrok.aio``: :class:`AsyncNgrokProcess`, one per ``ngrok_path``.

The async twin of ``process``'s registry. Choices (documented in ``aio``):

- **An aio agent belongs to the event loop that started it.** Its pipe transport, reader task and kept-alive
  ``httpx.AsyncClient`` live on that loop. When the loop shuts down (``asyncio.run`` returning, pytest-asyncio's
  per-test loop closing) a per-loop guard stops the loop's agents and closes its clients, so no agent is left with
  an undrained pipe. A loop closed without ``shutdown_asyncgens`` leaves orphans: the next lookup from another loop
  (or the atexit hook) kills them. Using an agent from a *different, still running* loop raises
  :class:`~typed_ngrok.exception.PyngrokError` (run one agent per loop, with separate ``ngrok_path`` values).
- **aio agents are separate from sync ones.** ``ngrok.get_ngrok_process`` and ``aio.get_ngrok_process`` each start
  their own agent; do not mix them on one ``ngrok_path`` at the same time. The *tunnel* registry
  (``_registry.registry_for(ngrok_path, api_url)``) is the same one the sync side uses: one registry per agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx

from typed_ngrok._agent_config import mask_secrets
from typed_ngrok._alauncher import AsyncAgentRunner, close_pipes, close_transport, signal_process
from typed_ngrok._async_agent_api import AsyncAgentAPI
from typed_ngrok._errors import command_failed_error, run_error
from typed_ngrok._startup import child_env
from typed_ngrok._surface import edge_ca_path
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

if TYPE_CHECKING:
    from typed_ngrok.edge import LocalEdge

__all__ = [
    "AsyncNgrokProcess",
    "capture_run_process",
    "get_process",
    "is_process_running",
    "kill_process",
    "request_client",
]

logger = logging.getLogger("typed_ngrok.process")

_processes: dict[str, AsyncNgrokProcess] = {}
_processes_lock = threading.Lock()  # the dict may be touched from several loops' threads; never held across await
_start_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
_guards: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncIterator[None]] = weakref.WeakKeyDictionary()
_request_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()


class AsyncNgrokProcess:
    """A running ngrok agent started by ``aio.get_ngrok_process`` (the async twin of ``process.NgrokProcess``).

    ``proc`` is the :class:`asyncio.subprocess.Process`, ``api_url`` the agent's local API, ``logs`` its most recent
    :class:`~typed_ngrok.log.NgrokLog` records (kept current while monitoring), ``startup_error`` the agent's error
    text when a start failed, ``loop`` the event loop that owns it.
    """

    def __init__(self, runner: AsyncAgentRunner) -> None:
        assert runner.proc is not None
        self.proc: asyncio.subprocess.Process = runner.proc
        self.pyngrok_config: PyngrokConfig = runner.pyngrok_config
        self.api_url: str | None = runner.api_url
        self.logs: list[NgrokLog] = runner.logs  # the same list: the reader task keeps it current
        self.startup_error: str | None = runner.startup_error
        self.loop = runner.loop
        self._runner = runner
        self._apis: dict[float, AsyncAgentAPI] = {}

    def __repr__(self) -> str:
        return f'<AsyncNgrokProcess: "{self.api_url}">'

    def __str__(self) -> str:
        return f'AsyncNgrokProcess: "{self.api_url}"'

    @property
    def edge(self) -> LocalEdge | None:
        """The :class:`~typed_ngrok.edge.LocalEdge` started with this agent (``edge="local"``), else None."""
        edge: LocalEdge | None = self._runner.edge
        return edge

    @property
    def ca_path(self) -> str:
        """The CA file an https client must trust for this agent's tunnels: the local edge's (``edge="local"``).

        :raises PyngrokError: the agent does not use the local edge (its tunnels use ngrok's public certificates).
        """
        return edge_ca_path(self.edge, self.pyngrok_config.ngrok_path)

    @property
    def exited(self) -> bool:
        """True once the agent process has ended (killed, crashed or stopped)."""
        return self._runner.exited.is_set() or self.proc.returncode is not None

    async def healthy(self) -> bool:
        """True when the agent is running and its local API answers now (within ``request_timeout``)."""
        return await self._runner.healthy()

    def start_monitor_thread(self) -> None:
        """Keep logs, callbacks and agent-line logging going (the reader task always drains the pipe anyway)."""
        self._runner.monitoring = True

    def stop_monitor_thread(self) -> None:
        """Stop recording and forwarding the agent's lines (at once; the pipe is still drained)."""
        self._runner.monitoring = False

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop this agent (SIGTERM, then SIGKILL after ``timeout``; reaped) and forget it.

        :raises PyngrokNgrokError: if the process cannot be stopped.
        """
        with _processes_lock:
            if _processes.get(self.pyngrok_config.ngrok_path) is self:
                del _processes[self.pyngrok_config.ngrok_path]
        try:
            await self._runner.stop(timeout)
        finally:
            await self._close_apis()

    def agent_api(self, timeout: float) -> AsyncAgentAPI:
        """This agent's kept-alive API client for ``timeout`` (one per timeout value)."""
        api = self._apis.get(float(timeout))
        if api is None:
            if self.api_url is None:
                raise PyngrokError(f"the ngrok agent at {self.pyngrok_config.ngrok_path} has no API URL")
            api = self._apis[float(timeout)] = AsyncAgentAPI(self.api_url, timeout=float(timeout))
        return api

    async def _close_apis(self) -> None:
        apis, self._apis = list(self._apis.values()), {}
        for api in apis:
            with contextlib.suppress(Exception):
                await api.close()


def _on_agent_exit(runner: AsyncAgentRunner) -> None:
    path = runner.pyngrok_config.ngrok_path
    with _processes_lock:
        current = _processes.get(path)
        if current is None or current._runner is not runner:
            return
        del _processes[path]
    runner.loop.create_task(current._close_apis())


def _start_lock(loop: asyncio.AbstractEventLoop, path: str) -> asyncio.Lock:
    locks = _start_locks.get(loop)
    if locks is None:
        locks = _start_locks[loop] = {}
    lock = locks.get(path)
    if lock is None:
        lock = locks[path] = asyncio.Lock()
    return lock


async def _loop_guard() -> AsyncIterator[None]:
    """Parked at its ``yield`` while the loop runs; the loop's ``shutdown_asyncgens`` resumes it to clean up."""
    try:
        yield
    finally:
        await _shutdown_loop(asyncio.get_running_loop())


async def _shutdown_loop(loop: asyncio.AbstractEventLoop) -> None:
    with _processes_lock:
        owned = [(path, proc) for path, proc in _processes.items() if proc.loop is loop]
        for path, _proc in owned:
            del _processes[path]
    for _path, proc in owned:
        try:
            await proc.stop(timeout=2.0)
        except Exception:
            logger.exception("could not stop the ngrok agent %s at event loop shutdown", proc.proc.pid)
    _guards.pop(loop, None)  # the guard (via its finalizer hook) and the locks refer to the loop: let it go
    _start_locks.pop(loop, None)
    client = _request_clients.pop(loop, None)
    if client is not None:
        with contextlib.suppress(Exception):
            await client.aclose()


async def _ensure_guard(loop: asyncio.AbstractEventLoop) -> None:
    if loop in _guards:
        return
    guard = _loop_guard()
    _guards[loop] = guard  # a strong reference: the loop only tracks async generators weakly
    await guard.__anext__()


def _orphan_or_raise(path: str, current: AsyncNgrokProcess) -> None:
    """``current`` belongs to another loop: kill it if that loop is closed, else refuse."""
    if not current.loop.is_closed():
        raise PyngrokError(
            f'the ngrok agent for "ngrok_path" {path} belongs to another event loop that is still running; '
            "use one ngrok_path per event loop"
        )
    with _processes_lock:
        if _processes.get(path) is current:
            del _processes[path]
    logger.warning("Killing the ngrok agent %s left behind by a closed event loop", current.proc.pid)
    current._runner.abandon()


async def _lookup(path: str) -> AsyncNgrokProcess | None:
    """The live agent for ``path`` on this loop; prunes a dead one (reaped) and an orphan of a closed loop."""
    with _processes_lock:
        current = _processes.get(path)
    if current is None:
        return None
    if current.loop is not asyncio.get_running_loop():
        _orphan_or_raise(path, current)
        return None
    if not current.exited:
        return current
    await current.stop(timeout=0.5)  # reap and release the edge and private files
    return None


def serves(ngrok_path: str, api_url: str) -> bool:
    """Whether an aio agent for ``ngrok_path`` still runs and serves ``api_url`` (any loop; no pruning, no await)."""
    with _processes_lock:
        current = _processes.get(ngrok_path)
    return current is not None and not current.exited and (current.api_url or "").rstrip("/") == api_url.rstrip("/")


async def is_process_running(ngrok_path: str) -> bool:
    """Whether an agent started by ``aio`` on this loop for ``ngrok_path`` is still running (prunes dead entries).

    :raises PyngrokError: the agent for that path belongs to another running event loop.
    """
    return await _lookup(ngrok_path) is not None


def _validate_path(ngrok_path: str) -> None:
    if not os.path.exists(ngrok_path):
        raise PyngrokNgrokError(
            f'ngrok binary was not found. Be sure to call "ngrok.install_ngrok()" first for "ngrok_path": {ngrok_path}'
        )


async def get_process(pyngrok_config: PyngrokConfig) -> AsyncNgrokProcess:
    """The running agent for ``pyngrok_config.ngrok_path`` on this loop, started (and awaited) if there is none.

    Concurrent callers on one loop share one start.

    :raises PyngrokNgrokError: the binary does not exist.
    :raises ProcessStartError: the agent exited, printed a fatal error or was not ready within ``startup_timeout``.
    :raises PyngrokError: the config is invalid, or the agent for that path belongs to another running loop.
    """
    if not isinstance(pyngrok_config, PyngrokConfig):
        raise PyngrokError(f"get_process() needs a PyngrokConfig, got {type(pyngrok_config).__name__}")
    path = pyngrok_config.ngrok_path
    current = await _lookup(path)
    if current is not None:
        return current
    pyngrok_config.validate()
    loop = asyncio.get_running_loop()
    async with _start_lock(loop, path):
        current = await _lookup(path)
        if current is not None:
            return current
        _validate_path(path)
        await _ensure_guard(loop)
        runner = AsyncAgentRunner(pyngrok_config, on_exit=_on_agent_exit)
        await runner.start()
        process = AsyncNgrokProcess(runner)
        with _processes_lock:
            _processes[path] = process
        assert runner.proc is not None
        logger.info("ngrok process started (pid %s), API at %s", runner.proc.pid, runner.api_url)
        if runner.exited.is_set():  # it died between the probe and here
            _on_agent_exit(runner)
        return process


async def kill_process(ngrok_path: str) -> str | None:
    """Stop the agent running for ``ngrok_path`` (SIGTERM, then SIGKILL after 5 s; reaped). No-op if none.

    Returns the stopped agent's ``api_url`` (None when nothing ran).

    :raises PyngrokNgrokError: if the process cannot be stopped.
    :raises PyngrokError: the agent for that path belongs to another running loop.
    """
    with _processes_lock:
        current = _processes.get(ngrok_path)
    if current is None:
        logger.debug("No aio ngrok process running for %s", ngrok_path)
        return None
    if current.loop is not asyncio.get_running_loop():
        _orphan_or_raise(ngrok_path, current)
        return current.api_url
    await current.stop()
    logger.info("ngrok process stopped (pid %s)", current.proc.pid)
    return current.api_url


async def capture_run_process(ngrok_path: str, args: list[str], *, secrets: tuple[str, ...] = ()) -> str:
    """Run the binary with ``args`` and return its output (stdout and stderr, decoded and stripped, ``secrets``
    masked). The child's environment is ours without ``NGROK_AUTHTOKEN``/``NGROK_API_KEY``.

    :raises PyngrokNgrokError: the binary is missing or cannot be run, or it exits non-zero
        (``The ngrok process exited with code N: <output>``).
    """
    _validate_path(ngrok_path)
    try:
        proc = await asyncio.create_subprocess_exec(
            ngrok_path,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=child_env(),  # no NGROK_AUTHTOKEN/NGROK_API_KEY: the API key reaches ``ngrok api`` via its overlay
        )
    except OSError as exc:
        raise run_error(ngrok_path, exc, start=False) from exc
    try:
        stdout, _ = await proc.communicate()
    except BaseException:
        signal_process(proc, signal.SIGKILL)
        close_pipes(proc)  # cancelled: its output is not wanted, and a child of the binary may hold the pipe open
        await asyncio.shield(proc.wait())
        await close_transport(proc)
        raise
    output = mask_secrets(stdout.decode("utf-8", "replace").strip(), secrets)
    if proc.returncode != 0:
        raise command_failed_error(proc.returncode, output)
    return output


async def request_client() -> httpx.AsyncClient:
    """This loop's shared keep-alive client for ``aio.api_request`` (closed when the loop shuts down)."""
    loop = asyncio.get_running_loop()
    client = _request_clients.get(loop)
    if client is None:
        await _ensure_guard(loop)
        client = _request_clients[loop] = httpx.AsyncClient(trust_env=False, follow_redirects=True)
    return client
