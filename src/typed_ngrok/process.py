"""The ngrok agent process: start it, find it, stop it (pyngrok 9.1.0's ``pyngrok.process``, same names).

One agent runs per ``ngrok_path``; the registry is keyed by that path and guarded by a lock, so several agents run
side by side when they use different binaries (a copy or a symlink will do) and different ``web_addr`` values.

Differences from pyngrok, all deliberate: the authtoken reaches the agent through a private 0600 config overlay and
is redacted from every log record and error (never on argv); readiness has a wall-clock deadline even when the agent
prints nothing; fatal output (``command failed``, plain ``ERROR:`` lines, the process exiting) fails the start at
once, with the agent's text, ``ERR_NGROK_*`` code and logs; stderr is captured; the output is always drained;
``log_event_callback`` errors are logged and reading goes on; :func:`kill_process` sends SIGTERM before SIGKILL and
always reaps; one ``atexit`` hook stops whatever is still running; ``set_auth_token`` edits the YAML file directly.
With ``edge="local"`` a :class:`typed_ngrok.edge.LocalEdge` is started with the agent and stopped with it.
"""

from __future__ import annotations

import functools
import logging
import subprocess
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from typed_ngrok import conf
from typed_ngrok._agent_process import config_file, state
from typed_ngrok._agent_process.commands import command_output
from typed_ngrok._agent_process.config import agent_format
from typed_ngrok._agent_process.runner import AgentView, terminate_flow
from typed_ngrok._agent_process.startup import check_binary, child_env
from typed_ngrok._agent_process.sync import AgentRunner, PopenControl, check_version
from typed_ngrok._drive import run_sync
from typed_ngrok._tunnels.resolve import resolve_config
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

if TYPE_CHECKING:
    from typed_ngrok._agent_process.restart import RestartEvent

__all__ = [
    "NgrokLog",
    "NgrokProcess",
    "capture_run_process",
    "get_process",
    "is_process_running",
    "kill_process",
    "run_process",
    "set_api_key",
    "set_auth_token",
]

logger = logging.getLogger(__name__)

_current_processes = state.processes  # the registry (one agent per ngrok_path) lives in _agent_process.state
_current_processes_lock = state.processes_lock


class NgrokProcess(AgentView):
    """A running ngrok agent started by :func:`get_process`.

    ``proc`` is the :class:`subprocess.Popen`, ``api_url`` the agent's local API (``http://127.0.0.1:4040``),
    ``logs`` its most recent :class:`~typed_ngrok.log.NgrokLog` records (at most ``max_logs``, kept up to date while
    monitoring) and ``startup_error`` the agent's error text when a start failed.
    """

    _runner: AgentRunner | None

    def __init__(self, proc: subprocess.Popen[bytes], pyngrok_config: PyngrokConfig) -> None:
        self.proc = proc
        self.pyngrok_config = pyngrok_config
        self.api_url: str | None = None
        self.logs: list[NgrokLog] = []
        self.startup_error: str | None = None
        self._runner: AgentRunner | None = None
        self._monitor_thread: threading.Thread | None = None

    def _attach(self, runner: AgentRunner) -> None:
        self._runner = runner
        self.api_url = runner.api_url
        self.logs = runner.logs  # the same list: the reader thread keeps it current
        self.startup_error = runner.startup_error
        if runner.monitoring:
            self._monitor_thread = runner.reader

    def __repr__(self) -> str:
        return f'<NgrokProcess: "{self.api_url}">'

    def __str__(self) -> str:
        return f'NgrokProcess: "{self.api_url}"'

    @property
    def exited(self) -> bool:
        """True once the agent process has ended (killed, crashed or stopped)."""
        if self._runner is not None and self._runner.exited.is_set():
            return True
        return self.proc.poll() is not None

    def healthy(self) -> bool:
        """True when the agent is running and its local API answers now (within ``request_timeout``)."""
        if self._runner is not None:
            return self._runner.healthy()
        return False

    def start_monitor_thread(self) -> None:
        """Keep logs, callbacks and agent-line logging going after startup (the output is always drained anyway)."""
        if self._runner is not None:
            self._runner.monitoring = True
            self._monitor_thread = self._runner.reader

    def stop_monitor_thread(self) -> None:
        """Stop recording and forwarding the agent's lines (takes effect at once; the pipe is still drained)."""
        if self._runner is not None:
            self._runner.monitoring = False
        self._monitor_thread = None


def _on_agent_exit(runner: AgentRunner) -> None:
    path = runner.pyngrok_config.ngrok_path
    with _current_processes_lock:
        current = _current_processes.get(path)
        if current is not None and current._runner is runner:
            _current_processes.pop(path, None)


def _on_agent_restart(runner: AgentRunner, event: RestartEvent) -> None:
    """ngrok's Restart re-executed the agent (same pid: this process object still tracks it): its tunnels are
    opened again in a background thread (``_tunnels.restart``)."""
    from typed_ngrok._tunnels import restart

    cfg, api_url = runner.pyngrok_config, runner.api_url
    restart.on_agent_restart(event, cfg.ngrok_path, api_url, lambda: restart.recreate_in_thread(cfg, api_url or ""))


def _terminate_process(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM, wait up to ``timeout``, then SIGKILL; always reaps."""
    run_sync(terminate_flow(timeout), PopenControl(process))


def _start_process(pyngrok_config: PyngrokConfig) -> NgrokProcess:
    check_binary(pyngrok_config.ngrok_path)
    check_version(pyngrok_config)
    runner = AgentRunner(pyngrok_config, on_exit=_on_agent_exit)
    runner.on_restart = functools.partial(_on_agent_restart, runner)
    runner.start()
    assert runner.proc is not None
    ngrok_process = NgrokProcess(runner.proc, pyngrok_config)
    ngrok_process._attach(runner)
    _current_processes[pyngrok_config.ngrok_path] = ngrok_process
    logger.info("ngrok process started (pid %s), API at %s", runner.proc.pid, runner.api_url)
    if runner.exited.is_set():  # it died between the probe and here
        _on_agent_exit(runner)
    return ngrok_process


def _serves(ngrok_path: str, api_url: str) -> bool:
    """Whether the agent this interpreter started for ``ngrok_path`` still runs and serves ``api_url`` (no pruning)."""
    with _current_processes_lock:
        current = _current_processes.get(ngrok_path)
    return current is not None and not current.exited and (current.api_url or "").rstrip("/") == api_url.rstrip("/")


def is_process_running(ngrok_path: str) -> bool:
    """Whether an agent started by this interpreter for ``ngrok_path`` is still running (prunes dead entries).

    Args:
        ngrok_path: the agent binary; agents are tracked per path (one per ``ngrok_path`` at a time).
    """
    with _current_processes_lock:
        current = _current_processes.get(ngrok_path)
        if current is None:
            return False
        if not current.exited:
            return True
        _current_processes.pop(ngrok_path, None)
        if current._runner is not None:
            current._runner.stop(timeout=0.5)  # reap and release the edge and private files
        return False


def get_process(pyngrok_config: PyngrokConfig) -> NgrokProcess:
    """The running agent for ``pyngrok_config.ngrok_path``, started (and waited for) if there is none.

    Args:
        pyngrok_config: the agent's settings (a :class:`~typed_ngrok.conf.PyngrokConfig`).

    Raises:
        PyngrokNgrokError: the binary does not exist.
        ProcessStartError: the agent exited, printed a fatal error or was not ready within ``startup_timeout``
            seconds (the call returns or raises within that time plus 0.5 s); nothing is left running.
        PyngrokError: the config is invalid (checked when an agent is to be started, not for a running one), or its
            file has settings typed-ngrok cannot work with.
    """
    if not isinstance(pyngrok_config, PyngrokConfig):
        raise PyngrokError(f"get_process() needs a PyngrokConfig, got {type(pyngrok_config).__name__}")
    with _current_processes_lock:
        if is_process_running(pyngrok_config.ngrok_path):
            return _current_processes[pyngrok_config.ngrok_path]
        pyngrok_config.validate()  # only when starting one, as aio's get_process
        return _start_process(pyngrok_config)


def kill_process(ngrok_path: str) -> None:
    """Stop the agent running for ``ngrok_path`` (SIGTERM, then SIGKILL after 5 s; always reaped). No-op if none.

    Args:
        ngrok_path: the agent binary; agents are tracked per path (one per ``ngrok_path`` at a time).

    Raises:
        PyngrokNgrokError: if the process cannot be stopped.
    """
    with _current_processes_lock:
        current = _current_processes.pop(ngrok_path, None)
        if current is None:
            logger.debug("No ngrok process running for %s", ngrok_path)
            return
        if current._runner is not None:
            current._runner.stop()
        else:
            _terminate_process(current.proc)
        logger.info("ngrok process stopped (pid %s)", current.proc.pid)


def run_process(ngrok_path: str, args: list[str]) -> None:
    """Run the binary with ``args`` in the foreground (it inherits this terminal) until it exits.

    Args:
        ngrok_path: the agent binary; agents are tracked per path (one per ``ngrok_path`` at a time).
        args: its command-line arguments.

    Raises:
        PyngrokNgrokError: the binary is missing, cannot be run, or an agent already runs for ``ngrok_path``.
    """
    _run_foreground(ngrok_path, args)


def _run_foreground(ngrok_path: str, args: list[str]) -> int:
    """:func:`run_process`, returning the binary's exit code (``typed-ngrok``'s pass-through exits with it).

    Raises:
        PyngrokNgrokError: the binary is missing, cannot be run, or an agent already runs for ``ngrok_path``.
    """
    check_binary(ngrok_path)
    if is_process_running(ngrok_path):
        raise PyngrokNgrokError(f'ngrok is already running for the "ngrok_path": {ngrok_path}')
    try:
        return subprocess.call([ngrok_path, *args])
    except OSError as exc:
        raise PyngrokNgrokError(f"The ngrok process could not be run from {ngrok_path}: {exc}") from exc


def capture_run_process(ngrok_path: str, args: list[str], *, secrets: tuple[str, ...] = ()) -> str:
    """Run the binary with ``args`` and return its output (stdout and stderr, decoded and stripped, ``secrets``
    masked). The child's environment is ours without ``NGROK_AUTHTOKEN``/``NGROK_API_KEY``.

    Read-only commands may run while an agent from the same path is up (unlike pyngrok).

    Args:
        ngrok_path: the agent binary.
        args: its command-line arguments.
        secrets: strings to mask in the output and in errors (authtokens, API keys).

    Raises:
        PyngrokNgrokError: the binary is missing or cannot be run, or it exits non-zero
            (``The ngrok process exited with code N: <output>``).
    """
    check_binary(ngrok_path)
    try:
        result = subprocess.run(
            [ngrok_path, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=child_env(),  # no NGROK_AUTHTOKEN/NGROK_API_KEY: the API key reaches ``ngrok api`` via its overlay
            check=False,
        )
    except OSError as exc:
        from typed_ngrok._errors import run_error

        raise run_error(ngrok_path, exc, start=False) from exc
    return command_output(result.returncode, result.stdout, secrets)


def set_auth_token(pyngrok_config: PyngrokConfig, token: str) -> None:
    """Save ``token`` in the config file (``get_config_path(pyngrok_config)``), editing the YAML directly.

    The token never goes on a command line. It lands in ``agent.authtoken`` of a v3 file, ``authtoken`` of a v2 file;
    a missing file is created (mode 0600) in the agent's format.

    Args:
        pyngrok_config: the agent's settings (a :class:`~typed_ngrok.conf.PyngrokConfig`). Its config file is edited.
        token: the ngrok authtoken (never shown).

    Raises:
        PyngrokError: the token is empty or the file cannot be read or written (the token is never shown), or
            ``pyngrok_config`` is not a ``PyngrokConfig`` (None means the default).
    """
    logger.info("Authtoken saved to %s", _save_in_config(pyngrok_config, config_file.set_authtoken, token))


def set_api_key(pyngrok_config: PyngrokConfig, key: str) -> None:
    """Save the ngrok API ``key`` in the config file, editing the YAML directly (never on a command line).

    Args:
        pyngrok_config: the agent's settings (a :class:`~typed_ngrok.conf.PyngrokConfig`). Its config file is edited.
        key: the ngrok API key (never shown).

    Raises:
        PyngrokError: the key is empty or the file cannot be read or written (the key is never shown), or
            ``pyngrok_config`` is not a ``PyngrokConfig`` (None means the default).
    """
    logger.info("API key saved to %s", _save_in_config(pyngrok_config, config_file.set_api_key, key))


def _save_in_config(pyngrok_config: PyngrokConfig, save: Callable[[str, str, str], None], value: str) -> str:
    """``save(path, value, agent format)`` on the config file of ``pyngrok_config`` (None: the default); the path."""
    pyngrok_config = resolve_config(pyngrok_config)
    path = conf.get_config_path(pyngrok_config)
    save(path, value, agent_format(pyngrok_config))
    return path
