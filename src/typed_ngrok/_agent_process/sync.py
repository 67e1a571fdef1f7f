"""The sync shell of an agent run: :class:`AgentRunner` does the I/O of ``runner.RunnerCore``'s flows with a
``Popen``, a reader thread and the agent's kept-alive :class:`~typed_ngrok._agent_api.AgentAPI`.

A reader thread reads the merged stdout+stderr pipe for the whole life of the process (it always drains, so the
agent never stalls on a full pipe); the starting thread waits on a queue with a deadline, so a silent or hung binary
cannot block it. Startup probes go through an ``AgentAPI`` for the new agent; on success it becomes the shared one
(``share_agent_api``), so the first tunnel call reuses the probe's kept-alive connection; on failure it is closed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import IO, TYPE_CHECKING, Final

from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.binary_version import (
    VERSION_ARGS,
    VERSION_OUTPUT_LIMIT,
    probe_flow,
    version_check_flow,
)
from typed_ngrok._agent_process.readiness import Exited
from typed_ngrok._agent_process.runner import RunnerCore, terminate_flow
from typed_ngrok._agent_process.startup import child_env, platform_spawn_options
from typed_ngrok._drive import run_sync
from typed_ngrok.conf import PyngrokConfig

if TYPE_CHECKING:
    from typed_ngrok._agent_api.sync import AgentAPI

__all__ = ["AgentRunner", "PopenControl", "VersionProbe", "check_version", "probe_version"]

_EOF: Final = object()


class PopenControl:
    """``runner.terminate_flow``'s calls for a ``Popen``."""

    def __init__(self, proc: subprocess.Popen[bytes] | None) -> None:
        self.proc = proc

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, which: str) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError, OSError):
            self.proc.terminate() if which == "terminate" else self.proc.kill()

    def wait_exit(self, grace: float) -> bool:
        assert self.proc is not None
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return False
        return True

    def reap(self) -> None:
        if self.proc is not None:
            self.proc.wait()  # always reap: no zombie


_DEFERRED: Final = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """On the main thread: the Python handlers of SIGINT and SIGTERM (a KeyboardInterrupt, the CLI's Ctrl-C) do not
    run inside the block, between the child's fork and its registration, where the child would be lost; a signal
    that comes meanwhile is recorded and delivered again once the block is done (to the handlers it would have met).

    Only the Python handlers are swapped, never the kernel's signal mask: a child inherits the mask across fork and
    exec (a stand-in or wrapper would never see SIGTERM), and a mask holds only for the calling thread (with other
    threads alive the kernel hands the signal to one of them and the interpreter runs the handler on the main
    thread anyway). Off the main thread nothing is needed: Python handlers run on the main thread only.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    recorded: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        recorded.append(signum)

    # Read the handlers first: a pending signal may run its handler (and raise) in ``signal.signal`` below, before
    # or after a swap; the finally then restores exactly what was there.
    previous = {signum: signal.getsignal(signum) for signum in _DEFERRED}
    try:
        for signum, handler in previous.items():
            if handler is not None:  # None: not set from Python, cannot be put back
                signal.signal(signum, record)
        yield
    finally:
        failure: BaseException | None = None
        for signum, handler in previous.items():
            while handler is not None:
                try:
                    signal.signal(signum, handler)
                    break
                except BaseException as exc:  # a restored handler ran for a signal pending here and raised: again
                    failure = failure or exc
        try:
            for came in recorded:  # in order: a second Ctrl-C stays a second one
                signal.raise_signal(came)  # the restored handler runs now, on this thread (it may raise)
        finally:
            if failure is not None:
                raise failure


class VersionProbe:
    """``binary_version.version_check_flow``'s one call, with ``subprocess``."""

    def run_version(self, path: str, timeout: float) -> tuple[int, bytes]:
        # Output goes to a file, not a pipe: the wait ends when the binary exits, even if a child of it lives on.
        with tempfile.TemporaryFile() as out:
            try:
                done = subprocess.run(
                    [path, *VERSION_ARGS],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=child_env(),
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:  # run() killed and reaped it
                raise TimeoutError(str(exc)) from None
            out.seek(0)
            return done.returncode, out.read(VERSION_OUTPUT_LIMIT)


def check_version(pyngrok_config: PyngrokConfig) -> str | None:
    """Refuse a binary whose version does not match ``ngrok_version`` before it starts (see ``binary_version``).

    Raises:
        PyngrokNgrokError: a mismatch, no answer in time, or the binary cannot be run.
    """
    return run_sync(version_check_flow(pyngrok_config), VersionProbe())


def probe_version(ngrok_path: str) -> str | None:
    """The binary's version (``"2.3.41"``) by the start's own probe (``binary_version.probe_flow``: the stripped
    environment, :data:`~typed_ngrok._agent_process.binary_version.VERSION_TIMEOUT`, the cache); None when it does not
    tell, does not answer in time, or cannot be run."""
    from typed_ngrok.exception import PyngrokNgrokError

    try:
        return run_sync(probe_flow(ngrok_path), VersionProbe())
    except PyngrokNgrokError:
        return None


class AgentRunner(RunnerCore):
    """One agent process: its argv, output, readiness, monitoring and shutdown.

    ``on_exit`` is called (from the reader thread) when the agent dies on its own after a successful start.
    """

    proc: subprocess.Popen[bytes] | None
    exited: threading.Event

    def __init__(self, pyngrok_config: PyngrokConfig, on_exit: Callable[[AgentRunner], None] | None = None) -> None:
        super().__init__(pyngrok_config, (lambda: on_exit(self)) if on_exit is not None else None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.reader: threading.Thread | None = None
        self.exited = threading.Event()
        self._probe_api: AgentAPI | None = None
        self._events: queue.Queue[object] = queue.Queue()
        self._stop_lock = threading.Lock()
        self._spawn_lock = threading.RLock()  # re-entrant: abandon_spawned may run in a signal handler
        self._wake_lock = threading.Lock()
        self._wake: tuple[int, int] | None = None  # POSIX: a pipe that tells the reader to stop waiting for EOF

    # ---- output -------------------------------------------------------------------------------------------------
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
                log = self.take_line(raw)
                if log is not None:
                    self._events.put(log)
        except (OSError, ValueError):
            pass  # the pipe was closed under us by stop()
        finally:
            with contextlib.suppress(OSError):
                proc.stdout.close()
            self._close_wake()
            self._events.put(_EOF)
            self.after_eof()

    def after_eof(self) -> None:
        proc = self.proc
        assert proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5.0)
        self.exited.set()
        if self.claim_exit():
            self.release()
            self.notify_exit()

    # ---- the calls of runner.RunnerCore's flows -----------------------------------------------------------------
    def prepare_argv(self) -> list[str]:
        return self.prepare()

    def spawn(self, argv: list[str]) -> None:
        """Spawn the agent, register it and start its reader. An exception at any point (a KeyboardInterrupt too)
        leaves what was done for ``start_flow``'s cleanup (``stop_flow``: kill, reap, join a started reader)."""
        cfg = self.pyngrok_config
        with self._spawn_lock, _signals_deferred():
            try:
                self.proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    env=child_env(),
                    **platform_spawn_options(cfg),
                )
            except OSError as exc:
                from typed_ngrok._errors import run_error

                raise run_error(cfg.ngrok_path, exc, start=True) from exc
            state.register_runner(self)
        if os.name == "posix":
            self._wake = os.pipe()  # not inherited by children (PEP 446)
        self.reader = threading.Thread(target=self._read, name=f"ngrok-reader-{self.proc.pid}", daemon=True)
        self.reader.start()

    def abandon_spawned(self) -> None:
        with self._spawn_lock:
            proc = self.proc
            if self._abandonable and proc is not None and proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.terminate()

    def next_event(self, timeout: float) -> object:
        try:
            item = self._events.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _EOF:
            self._events.put(_EOF)  # EOF stays the answer
            return Exited(self.proc.poll() if self.proc is not None else None)
        return item

    def probe_get(self, path: str, timeout: float) -> tuple[int, bytes] | None:
        """While starting: over this start's own ``AgentAPI`` (shared once ready); later over the shared one."""
        from typed_ngrok._agent_api.sync import AgentAPI, agent_api_for

        cfg = self.pyngrok_config
        api_url = self.readiness.api_url
        assert api_url is not None
        if not self._starting:
            return agent_api_for(api_url, float(cfg.request_timeout)).probe_get(path, timeout)
        api = self._probe_api
        if api is None or api.api_url != api_url.rstrip("/"):
            if api is not None:
                api.close()
            api = self._probe_api = AgentAPI(api_url, timeout=float(cfg.request_timeout))
        return api.probe_get(path, timeout)

    def started(self) -> None:
        from typed_ngrok._agent_api.sync import share_agent_api

        api, self._probe_api = self._probe_api, None
        if api is not None:
            share_agent_api(api)

    def running(self) -> bool:
        return PopenControl(self.proc).running()

    def terminate(self, grace: float) -> None:
        run_sync(terminate_flow(grace), PopenControl(self.proc))

    def join_reader(self, timeout: float) -> None:
        """Wait up to ``timeout`` for the reader to reach EOF (the process is reaped by now); if a descendant still
        holds the pipe open, wake the reader so it stops, then close the pipe."""
        reader = self.reader
        if reader is not None and reader is not threading.current_thread():
            try:
                reader.join(timeout)
            except RuntimeError:  # never started (interrupted in Thread.start): nothing to join
                reader = None
            if reader is not None and reader.is_alive():
                self._wake_reader()
                reader.join(1.0)
        proc = self.proc
        if proc is not None and proc.stdout is not None and (reader is None or not reader.is_alive()):
            with contextlib.suppress(OSError):
                proc.stdout.close()

    def release(self) -> None:
        api, self._probe_api = self._probe_api, None
        if api is not None:  # a failed start: the probe's connection goes with it
            api.close()
        if self.api_url is not None:  # the agent is gone: so are the kept-alive connections to its API
            from typed_ngrok._agent_api.sync import close_agent_api

            close_agent_api(self.api_url)
        edge = self.take_resources()
        if edge is not None:
            with contextlib.suppress(Exception):
                edge.stop()

    # ---- public -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the agent and return once it is ready (``runner.RunnerCore.start_flow``)."""
        run_sync(self.start_flow(time.monotonic), self)

    def healthy(self) -> bool:
        """Ready once, still running, and the API answers now (any failure counts as unhealthy)."""
        return run_sync(self.healthy_flow(), self)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; always reaps the process and stops the edge.

        Raises:
            PyngrokNgrokError: if the process cannot be signalled or reaped.
        """
        with self._stop_lock:
            run_sync(self.stop_flow(timeout), self)

    def stop_at_exit(self) -> None:
        self.stop(timeout=2.0)
