"""Async twin of ``_launcher``: spawn the agent with ``asyncio.create_subprocess_exec``, wait until it is ready on a
loop-clock deadline, drain and monitor its output in a reader task, stop it cleanly.

What is shared with the sync launcher (no copies): the readiness state machine (``_readiness``), argv/overlay
building and secret redaction (``_agent_config``), the log parser (``log.NgrokLog``), the probe verdicts
(``interpret_probe``/``probe_paths``) and the environment scrubbing list. What differs is only the I/O: one reader task
per agent always drains the merged stdout+stderr pipe, the starting coroutine waits on an ``asyncio.Queue`` with a
deadline, probes go through an ``httpx.AsyncClient``, and stopping is SIGTERM, a bounded ``await proc.wait()``, then
SIGKILL, always reaped.

An :class:`AsyncAgentRunner` belongs to the event loop that started it (its pipe transport and reader task live
there). :meth:`AsyncAgentRunner.abandon` is the synchronous way out when that loop is gone.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import shutil
import signal
import threading
import weakref
from collections.abc import Callable
from typing import Any, Final

import httpx

from typed_ngrok import _agent_config as agent_config
from typed_ngrok._errors import process_start_error, run_error, start_crash_error
from typed_ngrok._readiness import Action, Readiness, interpret_probe, probe_paths
from typed_ngrok._startup import child_env, platform_spawn_options, prepare_start
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

__all__ = ["AsyncAgentRunner", "aprobe_api", "close_pipes", "close_transport", "reap", "signal_process", "stop_all"]

logger = logging.getLogger("typed_ngrok.process")
ngrok_logger = logging.getLogger("typed_ngrok.process.ngrok")

_EOF: Final = object()
_FATAL_GRACE: Final = 1.0
_FAIL_TERM_GRACE: Final = 0.2
_PROBE_TIMEOUT: Final = 2.0
_LINE_LIMIT: Final = 1 << 20  # one agent line may be long (multi-line server errors are escaped onto one line)

_live: weakref.WeakSet[AsyncAgentRunner] = weakref.WeakSet()
_atexit_lock = threading.Lock()
_atexit_registered = False


def stop_all() -> None:
    """Signal every agent this interpreter started through ``aio`` that is still running (the atexit hook).

    Their event loops are usually gone by then, so this is :meth:`AsyncAgentRunner.abandon` (SIGTERM, edge stopped,
    private files removed).
    """
    for runner in list(_live):
        with contextlib.suppress(Exception):
            runner.abandon(signal.SIGTERM)


def _register_atexit() -> None:
    global _atexit_registered
    with _atexit_lock:
        if not _atexit_registered:
            atexit.register(stop_all)
            _atexit_registered = True


async def aprobe_api(client: httpx.AsyncClient, api_url: str, config_version: str, timeout: float) -> bool:
    """One GET of the agent's collection route (with the /api/endpoints -> /api/tunnels fallback); True on 200."""
    for path in probe_paths(config_version):
        try:
            response = await client.get(
                f"{api_url}{path}", headers={"Accept": "application/json"}, timeout=max(timeout, 0.05)
            )
            verdict = interpret_probe(response.status_code, response.content)
        except (httpx.HTTPError, OSError, ValueError, RuntimeError):
            return False
        if verdict != "fallback":
            return verdict == "ok"
    return False


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


class AsyncAgentRunner:
    """One agent process driven from an event loop: argv, output, readiness, monitoring and shutdown.

    Construct it inside a running loop. ``on_exit`` is called (from the reader task) when the agent dies on its own
    after a successful start.
    """

    def __init__(
        self, pyngrok_config: PyngrokConfig, on_exit: Callable[[AsyncAgentRunner], None] | None = None
    ) -> None:
        self.pyngrok_config = pyngrok_config
        self.loop = asyncio.get_running_loop()
        self.proc: asyncio.subprocess.Process | None = None
        self.api_url: str | None = None
        self.startup_error: str | None = None
        self.logs: list[NgrokLog] = []
        self.readiness = Readiness()
        self.monitoring = False
        self.reader: asyncio.Task[None] | None = None
        self.edge: Any = None  # a typed_ngrok.edge.LocalEdge in local-edge mode (its own thread)
        self.exited = asyncio.Event()
        self._on_exit = on_exit
        self._secrets: tuple[str, ...] = ()
        self._private_dir: str | None = None
        self._starting = True
        self._stopping = False
        self._exit_handled = False
        self._events: asyncio.Queue[object] = asyncio.Queue()
        self._stop_lock = asyncio.Lock()
        # No keep-alive: probes are rare, and no socket may outlive the loop if the runner is abandoned.
        self._probe_client = httpx.AsyncClient(
            trust_env=False, verify=False, limits=httpx.Limits(max_keepalive_connections=0)
        )

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # ---- output -------------------------------------------------------------------------------------------------
    def _handle(self, log: NgrokLog) -> None:
        cfg = self.pyngrok_config
        self.logs.append(log)
        extra = len(self.logs) - max(int(cfg.max_logs), 1)
        if extra > 0:
            del self.logs[:extra]
        ngrok_logger.log(log.levelno or logging.INFO, log.line)
        callback = cfg.log_event_callback
        if callback is not None:
            try:
                callback(log)
            except Exception:
                logger.exception("log_event_callback raised; the agent's output is still being read")

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
                if not (self._starting or self.monitoring) or self._stopping:
                    continue  # drain only
                log = NgrokLog(raw.decode("utf-8", "replace"))
                if self._secrets:
                    log._redact(self._secrets, agent_config.REDACTED)
                if not log.line:
                    continue
                self._handle(log)
                if self._starting:
                    self._events.put_nowait(log)
        except asyncio.CancelledError:
            self._events.put_nowait(_EOF)  # the loop is shutting down; the process may still run
            raise
        self._events.put_nowait(_EOF)
        await self._after_eof()

    async def _after_eof(self) -> None:
        proc = self.proc
        assert proc is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 5.0)
        self.exited.set()
        if self._starting or self._stopping or self._exit_handled:
            return
        self._exit_handled = True
        logger.warning("The ngrok process %s exited on its own with code %s", proc.pid, proc.returncode)
        await self._cleanup()
        if self._on_exit is not None:
            try:
                self._on_exit(self)
            except Exception:
                logger.exception("ngrok exit handler failed")

    # ---- start --------------------------------------------------------------------------------------------------
    def _prepare(self) -> list[str]:
        """Config checks, the local edge and the private overlay (blocking; see ``_startup``)."""
        plan = prepare_start(self.pyngrok_config)
        self.edge, self._private_dir, self._secrets = plan.edge, plan.private_dir, plan.secrets
        return plan.argv

    async def _spawn(self, argv: list[str]) -> None:
        cfg = self.pyngrok_config
        env = child_env()
        kwargs = platform_spawn_options(cfg)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
                limit=_LINE_LIMIT,
                **kwargs,
            )
        except OSError as exc:
            raise run_error(cfg.ngrok_path, exc, start=True) from exc
        _live.add(self)
        _register_atexit()
        self.reader = self.loop.create_task(self._read(), name=f"ngrok-reader-{self.proc.pid}")

    async def start(self) -> None:
        """Start the agent and return once it is ready; on any failure nothing is left running.

        :raises ProcessStartError: the agent exited, printed a fatal error, or was not ready before
            ``startup_timeout`` (the agent's error text, ``ERR_NGROK_*`` code and logs are attached).
        :raises PyngrokError: the user's config file has settings typed-ngrok cannot work with.
        """
        deadline = self.loop.time() + float(self.pyngrok_config.startup_timeout)
        try:
            argv = await asyncio.to_thread(self._prepare)
            await self._spawn(argv)
            await self._wait_ready(deadline)
        except BaseException as exc:
            await self._fail_cleanup()
            if isinstance(exc, PyngrokError):
                raise
            if isinstance(exc, Exception):
                raise start_crash_error(exc, self.logs) from exc
            raise
        self.api_url = self.readiness.api_url
        self.startup_error = None
        self.monitoring = bool(self.pyngrok_config.monitor_thread)
        self._starting = False
        if self.exited.is_set():  # died right after the probe: let the exit handler's work happen now
            await self._after_eof()

    async def _next_event(self, timeout: float) -> object:
        try:
            return await asyncio.wait_for(self._events.get(), max(timeout, 0.0))
        except TimeoutError:
            return None

    async def _wait_ready(self, deadline: float) -> None:
        state = self.readiness
        cfg = self.pyngrok_config
        loop = self.loop
        next_probe: float | None = None
        backoff = 0.1
        while True:
            now = loop.time()
            if now >= deadline:
                await self._raise_failure("timeout")
            wait = deadline - now if next_probe is None else max(0.0, min(deadline, next_probe) - now)
            item = await self._next_event(wait)
            if item is _EOF:
                state.exited(self.proc.returncode if self.proc else None)
                await self._raise_failure("exited")
            action = state.feed(item) if isinstance(item, NgrokLog) else Action.WAIT
            if action is Action.FAIL:
                await self._collect_rest(min(deadline, loop.time() + _FATAL_GRACE))
                await self._raise_failure("fatal")
            if action is Action.READY:  # the session came up after an early probe had succeeded
                return
            if action is Action.EARLY_PROBE:  # the API was announced: probe while the session connects
                assert state.api_url is not None
                budget = min(_PROBE_TIMEOUT, max(0.05, deadline - loop.time()))
                ok = await aprobe_api(self._probe_client, state.api_url, str(cfg.config_version), budget)
                if state.probed(ok) is Action.READY:
                    return
                continue  # a failure just waits for the session (then PROBE, with a backoff)
            if action is Action.PROBE or (next_probe is not None and loop.time() >= next_probe):
                assert state.api_url is not None
                budget = min(_PROBE_TIMEOUT, max(0.05, deadline - loop.time()))
                ok = await aprobe_api(self._probe_client, state.api_url, str(cfg.config_version), budget)
                if state.probed(ok) is Action.READY:
                    return
                next_probe = loop.time() + backoff
                backoff = min(backoff * 2, 1.0)

    async def _collect_rest(self, until: float) -> None:
        """After a fatal line: feed what the agent prints until it closes its output (or ``until``)."""
        while True:
            remaining = until - self.loop.time()
            if remaining <= 0:
                return
            item = await self._next_event(remaining)
            if item is None:
                return
            if item is _EOF:
                self._events.put_nowait(_EOF)
                return
            if isinstance(item, NgrokLog):
                self.readiness.feed(item)

    async def _raise_failure(self, why: str) -> None:
        """Stop what was started and raise the failure (``why``: ``fatal``, ``exited`` or ``timeout``)."""
        error = self.readiness.error
        await self._fail_cleanup()
        self.startup_error = error
        raise process_start_error(
            why,
            error=error,
            returncode=self.proc.returncode if self.proc is not None else None,
            logs=list(self.logs),
            startup_timeout=self.pyngrok_config.startup_timeout,
        )

    # ---- health, stop -------------------------------------------------------------------------------------------
    async def healthy(self) -> bool:
        """Ready once, still running, and the API answers now (any failure counts as unhealthy)."""
        proc = self.proc
        if self.api_url is None or proc is None or self._starting or self._stopping or self.exited.is_set():
            return False
        if proc.returncode is not None:
            return False
        cfg = self.pyngrok_config
        return await aprobe_api(self._probe_client, self.api_url, str(cfg.config_version), float(cfg.request_timeout))

    async def _terminate(self, grace: float) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.returncode is None:
            signal_process(proc, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                signal_process(proc, signal.SIGKILL)
        await reap(proc, 1.0)  # always reap (asyncio's child watcher does the waitpid): no zombie

    def _release(self) -> Any:
        """Drop the private files and this runner's liveness entry; returns the edge still to be stopped."""
        edge, self.edge = self.edge, None
        private, self._private_dir = self._private_dir, None
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)
        _live.discard(self)
        return edge

    async def _cleanup(self) -> None:
        edge = self._release()
        if edge is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(edge.stop)  # joins the edge's own thread
        with contextlib.suppress(Exception):
            await self._probe_client.aclose()

    async def _fail_cleanup(self) -> None:
        self._stopping = True
        try:
            await self._terminate(_FAIL_TERM_GRACE)
        finally:
            await self._join_reader(0.5)
            await self._close_transport()
            await self._cleanup()

    async def _close_transport(self) -> None:
        if self.proc is not None:
            await close_transport(self.proc)

    async def _join_reader(self, timeout: float) -> None:
        reader = self.reader
        if reader is None or reader.done() or reader is asyncio.current_task():
            return
        _done, pending = await asyncio.wait({reader}, timeout=timeout)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; always reaps the process and stops the edge.

        :raises PyngrokNgrokError: if the process cannot be signalled or reaped.
        """
        async with self._stop_lock:
            self._stopping = True
            try:
                await self._terminate(timeout)
            except OSError as exc:  # pragma: no cover - waitpid failing is not reproducible in tests
                raise PyngrokNgrokError(f"could not stop the ngrok process: {exc}") from exc
            finally:
                await self._join_reader(2.0)
                await self._close_transport()
                await self._cleanup()

    def abandon(self, sig: int = signal.SIGKILL) -> None:
        """Synchronous last resort when the owning event loop is gone: signal the agent, stop the edge, drop files.

        The child is reaped by asyncio's child watcher (or at interpreter exit); nothing here needs the loop.
        """
        self._stopping = True
        if self.proc is not None:
            signal_process(self.proc, sig)
        edge = self._release()
        if edge is not None:
            with contextlib.suppress(Exception):
                edge.stop()
