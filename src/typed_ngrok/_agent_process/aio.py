"""The ``aio`` shell of an agent run and the ``aio`` process registry behind ``typed_ngrok.aio``.

:class:`AsyncAgentRunner` does the I/O of ``runner.RunnerCore``'s flows with ``asyncio.create_subprocess_exec``, a
reader task that always drains the merged stdout+stderr pipe, an ``asyncio.Queue`` the starting coroutine waits on
with a loop-clock deadline, and the agent's :class:`~typed_ngrok._agent_api.aio.AsyncAgentAPI` for the probes,
which the process object then uses for the tunnel calls.
:class:`AsyncNgrokProcess` is the async twin of ``process.NgrokProcess``: one per ``ngrok_path``, in
``state.aio_processes``. Choices (documented in ``aio``):

- **An aio agent belongs to the event loop that started it.** Its pipe transport, reader task and kept-alive
  ``httpx.AsyncClient`` live on that loop. When the loop shuts down (``asyncio.run`` returning, pytest-asyncio's
  per-test loop closing) a per-loop guard stops the loop's agents and closes its clients, so no agent is left with
  an undrained pipe. A loop closed without ``shutdown_asyncgens`` leaves orphans: the next lookup from another loop
  (or the atexit hook) kills them. Using an agent from a *different, still running* loop raises
  :class:`~typed_ngrok.exception.PyngrokError` (run one agent per loop, with separate ``ngrok_path`` values).
  :meth:`AsyncAgentRunner.abandon` is the synchronous way out when that loop is gone.
- **aio agents are separate from sync ones.** ``ngrok.get_ngrok_process`` and ``aio.get_ngrok_process`` each start
  their own agent; do not mix them on one ``ngrok_path`` at the same time. The *tunnel* registry
  (``_tunnels.registry``) is the same one the sync side uses: one registry per agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import tempfile
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Final

import httpx

from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.binary_version import VERSION_ARGS, VERSION_OUTPUT_LIMIT, version_check_flow
from typed_ngrok._agent_process.commands import command_output
from typed_ngrok._agent_process.readiness import Exited
from typed_ngrok._agent_process.runner import AgentView, RunnerCore, terminate_flow
from typed_ngrok._agent_process.startup import check_binary, child_env, platform_spawn_options
from typed_ngrok._drive import run_async
from typed_ngrok._errors import run_error
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError
from typed_ngrok.log import NgrokLog

if TYPE_CHECKING:
    from typed_ngrok._agent_process.restart import RestartEvent

__all__ = [
    "AsyncAgentRunner",
    "AsyncNgrokProcess",
    "AsyncVersionProbe",
    "capture_run_process",
    "check_version",
    "close_pipes",
    "close_transport",
    "get_process",
    "is_process_running",
    "kill_process",
    "reap",
    "request_client",
    "serves",
    "signal_process",
]

logger = logging.getLogger("typed_ngrok.process")

_EOF: Final = object()
_LINE_LIMIT: Final = 1 << 20  # one agent line may be long (multi-line server errors are escaped onto one line)
_SIGNALS: Final = {"terminate": signal.SIGTERM, "kill": signal.SIGKILL}


def signal_process(proc: asyncio.subprocess.Process, sig: int) -> None:
    """Send ``sig`` unless the process is known to have exited.

    Not ``proc.terminate()``/``proc.kill()``: those go through ``Popen.send_signal``, whose ``poll()`` reaps an
    already-exited child behind asyncio's child watcher, which then reports exit code 255 instead of the real one.
    """
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.kill(proc.pid, sig)


def close_pipes(proc: asyncio.subprocess.Process) -> None:
    """Close the child's pipes on our side (what it has not printed yet is dropped).

    asyncio's ``Process.wait()`` returns only once the child has exited *and* its pipes are closed, so a descendant
    holding the child's stdout would keep it waiting for that descendant too.
    """
    transport = getattr(proc, "_transport", None)  # asyncio's Process has no public access to its transport
    if transport is None:
        return
    for fd in (0, 1, 2):
        pipe = transport.get_pipe_transport(fd)
        if pipe is not None:
            pipe.close()


async def reap(proc: asyncio.subprocess.Process, patience: float) -> None:
    """Wait for a killed child to be reaped; after ``patience`` seconds close its pipes (a descendant may hold them
    open) and wait again."""
    try:
        await asyncio.wait_for(proc.wait(), patience)
    except TimeoutError:
        close_pipes(proc)
        await proc.wait()


async def close_transport(proc: asyncio.subprocess.Process) -> None:
    """Close a reaped child's transport and pipes (call after its reader is done).

    asyncio closes a subprocess transport by itself only once the child has exited *and* every pipe reached EOF.
    A descendant that inherited the child's stdout (a wrapper script's child) keeps the pipe open after the child is
    killed, and a transport still open when the loop closes fails in its ``__del__`` ("Event loop is closed").
    """
    transport = getattr(proc, "_transport", None)  # asyncio's Process has no public close()
    if transport is None or transport.is_closing():
        return
    transport.close()
    await asyncio.sleep(0)  # let the pipes' connection_lost callbacks run on this loop


class ProcessControl:
    """``runner.terminate_flow``'s calls for an asyncio subprocess."""

    def __init__(self, proc: asyncio.subprocess.Process | None) -> None:
        self.proc = proc

    async def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def send_signal(self, which: str) -> None:
        assert self.proc is not None
        signal_process(self.proc, _SIGNALS[which])

    async def wait_exit(self, grace: float) -> bool:
        assert self.proc is not None
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            return False
        return True

    async def reap(self) -> None:
        if self.proc is not None:
            await reap(self.proc, 1.0)  # always reap (asyncio's child watcher does the waitpid): no zombie


class AsyncAgentRunner(RunnerCore):
    """One agent process driven from an event loop: argv, output, readiness, monitoring and shutdown.

    Construct it inside a running loop. ``on_exit`` is called (from the reader task) when the agent dies on its own
    after a successful start.
    """

    proc: asyncio.subprocess.Process | None
    exited: asyncio.Event

    def __init__(
        self, pyngrok_config: PyngrokConfig, on_exit: Callable[[AsyncAgentRunner], None] | None = None
    ) -> None:
        super().__init__(pyngrok_config, (lambda: on_exit(self)) if on_exit is not None else None)
        self.loop = asyncio.get_running_loop()
        self.proc: asyncio.subprocess.Process | None = None
        self.reader: asyncio.Task[None] | None = None
        self.exited = asyncio.Event()
        self._events: asyncio.Queue[object] = asyncio.Queue()
        self._stop_lock = asyncio.Lock()
        #: The agent's API client the probes went through (kept alive); the process object takes it on for the
        #: tunnel calls (like the sync shell's ``share_agent_api``), and it is closed with the agent.
        self.api: AsyncAgentAPI | None = None

    @property
    def pid(self) -> int | None:
        return self._pid()

    # ---- output -------------------------------------------------------------------------------------------------
    async def _read(self) -> None:
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        stdout = proc.stdout
        try:
            while True:
                try:
                    raw = await stdout.readline()
                except ValueError:  # longer than _LINE_LIMIT: asyncio dropped it; keep draining
                    continue
                except (OSError, ConnectionError):
                    break
                if not raw:
                    break
                log = self.take_line(raw)
                if log is not None:
                    self._events.put_nowait(log)
        except asyncio.CancelledError:
            self._events.put_nowait(_EOF)  # the loop is shutting down; the process may still run
            raise
        self._events.put_nowait(_EOF)
        await self.after_eof()

    async def after_eof(self) -> None:
        proc = self.proc
        assert proc is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 5.0)
        self.exited.set()
        if self.claim_exit():
            await self.release()
            self.notify_exit()

    # ---- the calls of runner.RunnerCore's flows -----------------------------------------------------------------
    async def prepare_argv(self) -> list[str]:
        return await asyncio.to_thread(self.prepare)

    async def spawn(self, argv: list[str]) -> None:
        cfg = self.pyngrok_config
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=child_env(),
                limit=_LINE_LIMIT,
                **platform_spawn_options(cfg),
            )
        except OSError as exc:
            raise run_error(cfg.ngrok_path, exc, start=True) from exc
        state.register_runner(self)
        self.reader = self.loop.create_task(self._read(), name=f"ngrok-reader-{self.proc.pid}")

    async def next_event(self, timeout: float) -> object:
        try:
            item = await asyncio.wait_for(self._events.get(), max(timeout, 0.0))
        except TimeoutError:
            return None
        if item is _EOF:
            self._events.put_nowait(_EOF)  # EOF stays the answer
            return Exited(self._returncode())
        return item

    async def probe_get(self, path: str, timeout: float) -> tuple[int, bytes] | None:
        api_url = self.readiness.api_url
        assert api_url is not None
        api = self.api
        if api is None or api.api_url != api_url.rstrip("/"):
            if api is not None:
                await api.close()
            api = self.api = AsyncAgentAPI(api_url, timeout=float(self.pyngrok_config.request_timeout))
        return await api.probe_get(path, timeout)

    async def started(self) -> None:
        pass  # the probes' API client stays in ``self.api``: AsyncNgrokProcess takes it on

    async def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def terminate(self, grace: float) -> None:
        await run_async(terminate_flow(grace), ProcessControl(self.proc))

    async def join_reader(self, timeout: float) -> None:
        reader = self.reader
        if reader is None or reader.done() or reader is asyncio.current_task():
            return
        _done, pending = await asyncio.wait({reader}, timeout=timeout)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def release(self) -> None:
        if self.proc is not None:
            await close_transport(self.proc)
        edge = self.take_resources()
        if edge is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(edge.stop)  # joins the edge's own thread
        api, self.api = self.api, None
        if api is not None:
            with contextlib.suppress(Exception):
                await api.close()

    # ---- public -------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the agent and return once it is ready (``runner.RunnerCore.start_flow``)."""
        await run_async(self.start_flow(self.loop.time), self)

    async def healthy(self) -> bool:
        """Ready once, still running, and the API answers now (any failure counts as unhealthy)."""
        return await run_async(self.healthy_flow(), self)

    async def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; always reaps the process and stops the edge.

        Raises:
            PyngrokNgrokError: if the process cannot be signalled or reaped.
        """
        async with self._stop_lock:
            await run_async(self.stop_flow(timeout), self)

    def abandon(self, sig: int = signal.SIGKILL) -> None:
        """Synchronous last resort when the owning event loop is gone: signal the agent, stop the edge, drop files.

        The child is reaped by asyncio's child watcher (or at interpreter exit); nothing here needs the loop.
        """
        self._stopping = True
        if self.proc is not None:
            signal_process(self.proc, sig)
        edge = self.take_resources()
        if edge is not None:
            with contextlib.suppress(Exception):
                edge.stop()

    def stop_at_exit(self) -> None:
        self.abandon(signal.SIGTERM)

    def abandon_spawned(self) -> None:
        # No lock needed: spawn and this run on the loop's thread, or this runs in a signal handler between steps.
        proc = self.proc
        if self._abandonable and proc is not None and proc.returncode is None:
            signal_process(proc, signal.SIGTERM)


class AsyncNgrokProcess(AgentView):
    """A running ngrok agent started by ``aio.get_ngrok_process`` (the async twin of ``process.NgrokProcess``).

    ``proc`` is the :class:`asyncio.subprocess.Process`, ``api_url`` the agent's local API, ``logs`` its most recent
    :class:`~typed_ngrok.log.NgrokLog` records (kept current while monitoring), ``startup_error`` the agent's error
    text when a start failed, ``loop`` the event loop that owns it.
    """

    _runner: AsyncAgentRunner

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
        if runner.api is not None:  # the startup probes' kept-alive client serves the first tunnel call
            self._apis[float(self.pyngrok_config.request_timeout)] = runner.api

    def __repr__(self) -> str:
        return f'<AsyncNgrokProcess: "{self.api_url}">'

    def __str__(self) -> str:
        return f'AsyncNgrokProcess: "{self.api_url}"'

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

        Args:
            timeout: seconds to wait after SIGTERM before SIGKILL.

        Raises:
            PyngrokNgrokError: if the process cannot be stopped.
        """
        with state.aio_processes_lock:
            if state.aio_processes.get(self.pyngrok_config.ngrok_path) is self:
                del state.aio_processes[self.pyngrok_config.ngrok_path]
        try:
            await self._runner.stop(timeout)
        finally:
            await self._close_apis()

    def agent_api(self, timeout: float) -> AsyncAgentAPI:
        """This agent's kept-alive API client for ``timeout`` (one per timeout value).

        Args:
            timeout: seconds allowed for each call (``request_timeout``).
        """
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
    with state.aio_processes_lock:
        current = state.aio_processes.get(path)
        if current is None or current._runner is not runner:
            return
        del state.aio_processes[path]
    runner.loop.create_task(current._close_apis())


def _on_agent_restart(process: AsyncNgrokProcess, event: RestartEvent) -> None:
    """ngrok's Restart re-executed the agent (same pid: ``process`` still tracks it): its tunnels are opened again
    in a task on its loop (``_tunnels.restart``; this runs in the reader task)."""
    from typed_ngrok._tunnels import restart

    path = process.pyngrok_config.ngrok_path
    restart.on_agent_restart(event, path, process.api_url, lambda: restart.recreate_in_task(process))


def _start_lock(loop: asyncio.AbstractEventLoop, path: str) -> asyncio.Lock:
    locks = state.aio_start_locks.get(loop)
    if locks is None:
        locks = state.aio_start_locks[loop] = {}
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
    with state.aio_processes_lock:
        owned = [(path, proc) for path, proc in state.aio_processes.items() if proc.loop is loop]
        for path, _proc in owned:
            del state.aio_processes[path]
    for _path, proc in owned:
        try:
            await proc.stop(timeout=2.0)
        except Exception:
            logger.exception("could not stop the ngrok agent %s at event loop shutdown", proc.proc.pid)
    state.aio_guards.pop(loop, None)  # the guard (via its finalizer hook) and the locks refer to the loop: let it go
    state.aio_start_locks.pop(loop, None)
    client = state.aio_request_clients.pop(loop, None)
    if client is not None:
        with contextlib.suppress(Exception):
            await client.aclose()


async def _ensure_guard(loop: asyncio.AbstractEventLoop) -> None:
    if loop in state.aio_guards:
        return
    guard = _loop_guard()
    state.aio_guards[loop] = guard  # a strong reference: the loop only tracks async generators weakly
    await guard.__anext__()


def _orphan_or_raise(path: str, current: AsyncNgrokProcess) -> None:
    """``current`` belongs to another loop: kill it if that loop is closed, else refuse."""
    if not current.loop.is_closed():
        raise PyngrokError(
            f'the ngrok agent for "ngrok_path" {path} belongs to another event loop that is still running; '
            "use one ngrok_path per event loop"
        )
    with state.aio_processes_lock:
        if state.aio_processes.get(path) is current:
            del state.aio_processes[path]
    logger.warning("Killing the ngrok agent %s left behind by a closed event loop", current.proc.pid)
    current._runner.abandon()


async def _lookup(path: str) -> AsyncNgrokProcess | None:
    """The live agent for ``path`` on this loop; prunes a dead one (reaped) and an orphan of a closed loop."""
    with state.aio_processes_lock:
        current = state.aio_processes.get(path)
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
    with state.aio_processes_lock:
        current = state.aio_processes.get(ngrok_path)
    return current is not None and not current.exited and (current.api_url or "").rstrip("/") == api_url.rstrip("/")


async def is_process_running(ngrok_path: str) -> bool:
    """Whether an agent started by ``aio`` on this loop for ``ngrok_path`` is still running (prunes dead entries).

    Raises:
        PyngrokError: the agent for that path belongs to another running event loop.
    """
    return await _lookup(ngrok_path) is not None


async def get_process(pyngrok_config: PyngrokConfig) -> AsyncNgrokProcess:
    """The running agent for ``pyngrok_config.ngrok_path`` on this loop, started (and awaited) if there is none.

    Concurrent callers on one loop share one start.

    Raises:
        PyngrokNgrokError: the binary does not exist.
        ProcessStartError: the agent exited, printed a fatal error or was not ready within ``startup_timeout``.
        PyngrokError: the config is invalid (checked when an agent is to be started, not for a running one), or the
            agent for that path belongs to another running loop.
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
        check_binary(path)
        await check_version(pyngrok_config)
        await _ensure_guard(loop)
        runner = AsyncAgentRunner(pyngrok_config, on_exit=_on_agent_exit)
        await runner.start()
        process = AsyncNgrokProcess(runner)
        runner.on_restart = functools.partial(_on_agent_restart, process)
        with state.aio_processes_lock:
            state.aio_processes[path] = process
        assert runner.proc is not None
        logger.info("ngrok process started (pid %s), API at %s", runner.proc.pid, runner.api_url)
        if runner.exited.is_set():  # it died between the probe and here
            _on_agent_exit(runner)
        return process


async def kill_process(ngrok_path: str) -> str | None:
    """Stop the agent running for ``ngrok_path`` (SIGTERM, then SIGKILL after 5 s; reaped). No-op if none.

    Returns the stopped agent's ``api_url`` (None when nothing ran).

    Raises:
        PyngrokNgrokError: if the process cannot be stopped.
        PyngrokError: the agent for that path belongs to another running loop.
    """
    with state.aio_processes_lock:
        current = state.aio_processes.get(ngrok_path)
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

    Raises:
        PyngrokNgrokError: the binary is missing or cannot be run, or it exits non-zero
            (``The ngrok process exited with code N: <output>``).
    """
    check_binary(ngrok_path)
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
    return command_output(proc.returncode, stdout, secrets)


class AsyncVersionProbe:
    """``binary_version.version_check_flow``'s one call, with ``asyncio`` subprocesses."""

    async def run_version(self, path: str, timeout: float) -> tuple[int | None, bytes]:
        # Output goes to a file, not a pipe: the wait ends when the binary exits, even if a child of it lives on.
        with tempfile.TemporaryFile() as out:
            proc = await asyncio.create_subprocess_exec(
                path, *VERSION_ARGS, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, env=child_env()
            )
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except BaseException:  # TimeoutError or cancelled: kill, reap, close
                signal_process(proc, signal.SIGKILL)
                await asyncio.shield(proc.wait())
                await close_transport(proc)
                raise
            await close_transport(proc)
            out.seek(0)
            return proc.returncode, out.read(VERSION_OUTPUT_LIMIT)


async def check_version(pyngrok_config: PyngrokConfig) -> str | None:
    """Refuse a binary whose version does not match ``ngrok_version`` before it starts (see ``binary_version``).

    Raises:
        PyngrokNgrokError: a mismatch, no answer in time, or the binary cannot be run.
    """
    return await run_async(version_check_flow(pyngrok_config), AsyncVersionProbe())


async def request_client() -> httpx.AsyncClient:
    """This loop's shared keep-alive client for ``aio.api_request`` (closed when the loop shuts down)."""
    loop = asyncio.get_running_loop()
    client = state.aio_request_clients.get(loop)
    if client is None:
        await _ensure_guard(loop)
        client = state.aio_request_clients[loop] = httpx.AsyncClient(trust_env=False, follow_redirects=True)
    return client
