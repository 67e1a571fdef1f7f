"""Spawn the agent, wait until it is ready on a wall-clock deadline, drain and monitor its output, stop it cleanly.

One :class:`AgentRunner` per agent process. A reader thread reads the merged stdout+stderr pipe for the whole life of
the process (it always drains, so the agent never stalls on a full pipe); the starting thread waits on a queue with
a deadline, so a silent or hung binary cannot block it (pyngrok quirk 2). Stopping is SIGTERM, a bounded wait, then
SIGKILL, always followed by ``wait()`` so no zombie is left.

Startup probes go through an :class:`~typed_ngrok._agent_api.AgentAPI` for the new agent, the first one as soon as
the agent announces its web service (while it is still connecting its session, see ``_readiness``). On success that
``AgentAPI`` becomes the shared one for the agent (``share_agent_api``), so the first tunnel call reuses the probe's
kept-alive connection; on failure it is closed.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import logging
import os
import queue
import select
import shutil
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Final, NoReturn

from typed_ngrok import _agent_config as agent_config
from typed_ngrok._readiness import Action, Readiness, interpret_probe, probe_paths
from typed_ngrok._startup import child_env, platform_spawn_options, prepare_start
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

if TYPE_CHECKING:
    from typed_ngrok._agent_api import AgentAPI
    from typed_ngrok.edge import LocalEdge

__all__ = ["AgentRunner", "stop_all"]

logger = logging.getLogger("typed_ngrok.process")
ngrok_logger = logging.getLogger("typed_ngrok.process.ngrok")

_EOF: Final = object()
_FATAL_GRACE: Final = 1.0  # after a fatal line, how long to collect the rest of the agent's output
_FAIL_TERM_GRACE: Final = 0.2  # SIGTERM grace when a start failed (the deadline leaves 0.5 s in total)
_PROBE_TIMEOUT: Final = 2.0

_live: weakref.WeakSet[AgentRunner] = weakref.WeakSet()
_atexit_lock = threading.Lock()
_atexit_registered = False


def stop_all() -> None:
    """Stop every agent this interpreter started and that is still running (the atexit hook)."""
    for runner in list(_live):
        with contextlib.suppress(Exception):
            runner.stop(timeout=2.0)


def _register_atexit() -> None:
    global _atexit_registered
    with _atexit_lock:
        if not _atexit_registered:
            atexit.register(stop_all)
            _atexit_registered = True


def probe_api(api_url: str, config_version: str, timeout: float) -> bool:
    """One GET of the agent's collection route (with the /api/endpoints -> /api/tunnels fallback); True on 200."""
    hostport = api_url.removeprefix("http://")
    host, _, port = hostport.rpartition(":")
    for path in probe_paths(config_version):
        conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=max(timeout, 0.05))
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            verdict = interpret_probe(response.status, response.read(65536))
        except (OSError, http.client.HTTPException, ValueError):
            return False
        finally:
            conn.close()
        if verdict != "fallback":
            return verdict == "ok"
    return False


class AgentRunner:
    """One agent process: its argv, output, readiness, monitoring and shutdown.

    ``on_exit`` is called (from the reader thread) when the agent dies on its own after a successful start.
    """

    def __init__(self, pyngrok_config: PyngrokConfig, on_exit: Callable[[AgentRunner], None] | None = None) -> None:
        self.pyngrok_config = pyngrok_config
        self.proc: subprocess.Popen[bytes] | None = None
        self.api_url: str | None = None
        self.startup_error: str | None = None
        self.logs: list[NgrokLog] = []
        self.readiness = Readiness()
        self.monitoring = False
        self.reader: threading.Thread | None = None
        self.edge: LocalEdge | None = None  # local-edge mode only
        self.exited = threading.Event()
        self._on_exit = on_exit
        self._secrets: tuple[str, ...] = ()
        self._private_dir: str | None = None
        self._probe_api: AgentAPI | None = None
        self._starting = True
        self._stopping = False
        self._exit_handled = False
        self._events: queue.Queue[object] = queue.Queue()
        self._logs_lock = threading.Lock()
        self._exit_lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._wake_lock = threading.Lock()
        self._wake: tuple[int, int] | None = None  # POSIX: a pipe that tells the reader to stop waiting for EOF

    # ---- output -------------------------------------------------------------------------------------------------
    def _handle(self, log: NgrokLog) -> None:
        cfg = self.pyngrok_config
        with self._logs_lock:
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

    def _lines(self, stdout: IO[bytes]) -> Iterator[bytes]:
        """The agent's output, line by line, until EOF; on POSIX also until :meth:`_wake_reader` is called.

        EOF only comes once every holder of the pipe's write end is gone: a descendant of the binary that inherited
        its stdout (a wrapper script's child) keeps it open after the agent itself was killed and reaped.
        """
        wake = self._wake
        if wake is None:
            yield from iter(stdout.readline, b"")
            return
        fd = stdout.fileno()
        pending = b""
        while True:
            ready, _, _ = select.select([fd, wake[0]], [], [])
            if wake[0] in ready:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                yield line + b"\n"
        if pending:
            yield pending

    def _wake_reader(self) -> None:
        with self._wake_lock:
            if self._wake is not None:
                with contextlib.suppress(OSError):
                    os.write(self._wake[1], b"x")

    def _close_wake(self) -> None:
        with self._wake_lock:
            wake, self._wake = self._wake, None
        if wake is not None:
            for fd in wake:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _read(self) -> None:
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        try:
            for raw in self._lines(proc.stdout):
                if not (self._starting or self.monitoring) or self._stopping:
                    continue  # drain only
                log = NgrokLog(raw.decode("utf-8", "replace"))
                if self._secrets:
                    log._redact(self._secrets, agent_config.REDACTED)
                if not log.line:
                    continue
                self._handle(log)
                if self._starting:
                    self._events.put(log)
        except (OSError, ValueError):
            pass  # the pipe was closed under us by stop()
        finally:
            with contextlib.suppress(OSError):
                proc.stdout.close()
            self._close_wake()
            self._events.put(_EOF)
            self._after_eof()

    def _after_eof(self) -> None:
        proc = self.proc
        assert proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5.0)
        self.exited.set()
        with self._exit_lock:
            if self._starting or self._stopping or self._exit_handled:
                return
            self._exit_handled = True
        logger.warning("The ngrok process %s exited on its own with code %s", proc.pid, proc.returncode)
        self._cleanup()
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

    def _spawn(self, argv: list[str]) -> None:
        cfg = self.pyngrok_config
        env = child_env()
        kwargs = platform_spawn_options(cfg)
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                **kwargs,
            )
        except OSError as exc:
            from typed_ngrok._errors import run_error

            raise run_error(cfg.ngrok_path, exc, start=True) from exc
        _live.add(self)
        _register_atexit()
        if os.name == "posix":
            self._wake = os.pipe()  # not inherited by children (PEP 446)
        self.reader = threading.Thread(target=self._read, name=f"ngrok-reader-{self.proc.pid}", daemon=True)
        self.reader.start()

    def start(self) -> None:
        """Start the agent and return once it is ready; on any failure nothing is left running.

        :raises ProcessStartError: the agent exited, printed a fatal error, or was not ready before
            ``startup_timeout`` (the agent's error text, ``ERR_NGROK_*`` code and logs are attached).
        :raises PyngrokError: the user's config file has settings typed-ngrok cannot work with.
        """
        timeout = float(self.pyngrok_config.startup_timeout)
        deadline = time.monotonic() + timeout
        try:
            argv = self._prepare()
            self._spawn(argv)
            self._wait_ready(deadline)
        except BaseException as exc:
            self._fail_cleanup()
            if isinstance(exc, PyngrokError):
                raise
            if isinstance(exc, Exception):
                from typed_ngrok._errors import start_crash_error

                raise start_crash_error(exc, self.logs) from exc
            raise
        self.api_url = self.readiness.api_url
        self._share_probe_api()
        self.startup_error = None
        self.monitoring = bool(self.pyngrok_config.monitor_thread)
        self._starting = False
        if self.exited.is_set():  # died right after the probe: let the exit handler's work happen now
            self._after_eof()

    def _probe(self, api_url: str, deadline: float) -> bool:
        """One startup probe of ``api_url`` within ``_PROBE_TIMEOUT`` and the deadline, over a kept-alive connection."""
        from typed_ngrok._agent_api import AgentAPI, probe_agent

        cfg = self.pyngrok_config
        api = self._probe_api
        if api is None or api.api_url != api_url.rstrip("/"):
            if api is not None:
                api.close()
            api = self._probe_api = AgentAPI(api_url, timeout=float(cfg.request_timeout))
        budget = min(_PROBE_TIMEOUT, max(0.05, deadline - time.monotonic()))
        return probe_agent(api, str(cfg.config_version), budget)

    def _share_probe_api(self) -> None:
        from typed_ngrok._agent_api import share_agent_api

        api, self._probe_api = self._probe_api, None
        if api is not None:
            share_agent_api(api)

    def _wait_ready(self, deadline: float) -> None:
        state = self.readiness
        next_probe: float | None = None
        backoff = 0.1
        while True:
            now = time.monotonic()
            if now >= deadline:
                self._raise_failure("timeout")
            wait = deadline - now if next_probe is None else max(0.0, min(deadline, next_probe) - now)
            try:
                item = self._events.get(timeout=wait)
            except queue.Empty:
                item = None
            if item is _EOF:
                state.exited(self.proc.poll() if self.proc else None)
                self._raise_failure("exited")
            action = state.feed(item) if isinstance(item, NgrokLog) else Action.WAIT
            if action is Action.FAIL:
                self._collect_rest(min(deadline, time.monotonic() + _FATAL_GRACE))
                self._raise_failure("fatal")
            if action is Action.READY:  # the session came up after an early probe had succeeded
                return
            if action is Action.EARLY_PROBE:  # off the critical path; a failure just waits for the session
                assert state.api_url is not None
                if state.probed(self._probe(state.api_url, deadline)) is Action.READY:
                    return
                continue
            if action is Action.PROBE or (next_probe is not None and time.monotonic() >= next_probe):
                assert state.api_url is not None
                if state.probed(self._probe(state.api_url, deadline)) is Action.READY:
                    return
                next_probe = time.monotonic() + backoff
                backoff = min(backoff * 2, 1.0)

    def _collect_rest(self, until: float) -> None:
        """After a fatal line: feed what the agent prints until it closes its output (or ``until``)."""
        while True:
            remaining = until - time.monotonic()
            if remaining <= 0:
                return
            try:
                item = self._events.get(timeout=remaining)
            except queue.Empty:
                return
            if item is _EOF:
                self._events.put(_EOF)
                return
            if isinstance(item, NgrokLog):
                self.readiness.feed(item)

    def _raise_failure(self, why: str) -> NoReturn:
        """Stop what was started and raise the failure (``why``: ``fatal``, ``exited`` or ``timeout``)."""
        from typed_ngrok._errors import process_start_error  # loaded on failure only (it imports httpx)

        error = self.readiness.error
        self._fail_cleanup()
        self.startup_error = error
        with self._logs_lock:
            logs = list(self.logs)
        raise process_start_error(
            why,
            error=error,
            returncode=self.proc.returncode if self.proc is not None else None,
            logs=logs,
            startup_timeout=self.pyngrok_config.startup_timeout,
        )

    # ---- health, stop -------------------------------------------------------------------------------------------
    def healthy(self) -> bool:
        """Ready once, still running, and the API answers now (any failure counts as unhealthy)."""
        proc = self.proc
        if self.api_url is None or proc is None or self._starting or self._stopping or self.exited.is_set():
            return False
        if proc.poll() is not None:
            return False
        cfg = self.pyngrok_config
        return probe_api(self.api_url, str(cfg.config_version), float(cfg.request_timeout))

    def _terminate(self, grace: float) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, OSError):
                proc.terminate()
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, OSError):
                    proc.kill()
        proc.wait()  # always reap: no zombie

    def _cleanup(self) -> None:
        api, self._probe_api = self._probe_api, None
        if api is not None:  # a failed start: the probe's connection goes with it
            api.close()
        edge, self.edge = self.edge, None
        if edge is not None:
            with contextlib.suppress(Exception):
                edge.stop()
        private, self._private_dir = self._private_dir, None
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)
        _live.discard(self)

    def _fail_cleanup(self) -> None:
        self._stopping = True
        self._terminate(_FAIL_TERM_GRACE)
        self._join_reader(0.2)
        self._cleanup()

    def _join_reader(self, timeout: float) -> None:
        """Wait up to ``timeout`` for the reader to reach EOF (the process is reaped by now); if a descendant still
        holds the pipe open, wake the reader so it stops, then close the pipe."""
        reader = self.reader
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout)
            if reader.is_alive():
                self._wake_reader()
                reader.join(1.0)
        proc = self.proc
        if proc is not None and proc.stdout is not None and (reader is None or not reader.is_alive()):
            with contextlib.suppress(OSError):
                proc.stdout.close()

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; always reaps the process and stops the edge.

        :raises PyngrokNgrokError: if the process cannot be signalled or reaped.
        """
        with self._stop_lock:
            self._stopping = True
            try:
                self._terminate(timeout)
            except OSError as exc:  # pragma: no cover - waitpid failing is not reproducible in tests
                raise PyngrokNgrokError(f"could not stop the ngrok process: {exc}") from exc
            finally:
                self._join_reader(2.0)
                self._cleanup()
