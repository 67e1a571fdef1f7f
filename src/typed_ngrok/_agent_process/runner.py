"""What one agent run decides, without I/O: :class:`RunnerCore`, the base of the sync and async runners.

The sync shell (``sync.AgentRunner``: ``Popen`` + a reader thread) and the async shell (``aio.AsyncAgentRunner``:
an asyncio subprocess + a reader task) only do I/O. Everything they decide is here, once:

- the agent's output: which lines are kept (drain-only when neither starting nor monitoring), parsing, secret
  redaction, the bounded log list, logging and ``log_event_callback`` (:meth:`RunnerCore.take_line`);
- the start: preparation (``startup.prepare_start``), the readiness schedule (``readiness.wait_ready_flow``),
  failure messages (``_errors.process_start_error``/``start_crash_error``) and cleanup on failure
  (:meth:`RunnerCore.start_flow`);
- the health check (:meth:`RunnerCore.healthy_flow`, the one probe of ``readiness.probe_flow``);
- the stop policy: SIGTERM, a bounded wait, SIGKILL, always reaped (:func:`terminate_flow`), then the reader joined
  and the run's resources released (:meth:`RunnerCore.stop_flow`);
- the exit of an agent that dies on its own after a successful start (:meth:`RunnerCore.claim_exit`);
- a restart by ngrok's Restart command (the agent re-executes itself under the same pid): ``restart.RestartWatch``
  reads it from the output, monitored or not, and the shell's ``on_restart`` hook gets ``"restarting"`` and then
  ``"back"`` (the process object keeps tracking the same process; the hook opens the tunnels again).

Flows run through :func:`typed_ngrok._drive.run_sync`/:func:`~typed_ngrok._drive.run_async` with the runner as the
target; the calls a shell answers are listed on each flow.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol

from typed_ngrok._agent_process import config as agent_config
from typed_ngrok._agent_process import state
from typed_ngrok._agent_process.readiness import Readiness, probe_flow, wait_ready_flow
from typed_ngrok._agent_process.restart import RestartEvent, RestartWatch, may_matter
from typed_ngrok._agent_process.startup import prepare_start
from typed_ngrok._drive import Call, Flow
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError
from typed_ngrok.log import NgrokLog

if TYPE_CHECKING:
    from typed_ngrok.edge import LocalEdge

__all__ = [
    "FAIL_JOIN",
    "FAIL_TERM_GRACE",
    "AgentView",
    "RunnerCore",
    "abandon_start",
    "resume_starts",
    "start_abandoned",
    "terminate_flow",
]

logger = logging.getLogger("typed_ngrok.process")
ngrok_logger = logging.getLogger("typed_ngrok.process.ngrok")

FAIL_TERM_GRACE: Final = 0.2  # SIGTERM grace when a start failed (the deadline leaves 0.5 s in total)
FAIL_JOIN: Final = 0.3  # after a failed start, how long the reader may take to reach EOF
STOP_JOIN: Final = 2.0  # the same after a stop
_RESTART_TEXT: Final = {"restarting": "was told to restart (same pid)", "back": "restarted: its new session is up"}


def terminate_flow(grace: float) -> Flow[None]:
    """The stop policy: SIGTERM, wait up to ``grace`` seconds, then SIGKILL; always reaped (no zombie).

    Calls: ``running()`` -> bool, ``send_signal("terminate" | "kill")``, ``wait_exit(grace)`` -> bool (False when
    it timed out), ``reap()``.
    """
    if (yield Call("running")):
        yield Call("send_signal", ("terminate",))
        if not (yield Call("wait_exit", (grace,))):
            yield Call("send_signal", ("kill",))
    yield Call("reap")


def abandon_start(ngrok_path: str) -> None:
    """Cancel this interpreter's starts of the agent at ``ngrok_path`` (the one cancellation entry point, both twins):
    an agent already spawned by a start still in progress (not ready yet) is terminated now (under its runner's own
    lock), and a start that has not spawned yet fails before it spawns (or, racing, right after); either start then
    fails at once with :class:`~typed_ngrok.exception.PyngrokNgrokError` and cleans up. A running (ready) agent is
    not touched.

    In force until :func:`resume_starts`. Safe to call repeatedly and from a signal handler (it never raises into
    the interrupted code and takes re-entrant locks only).
    """
    with state.abandoned_lock:
        state.abandoned_starts.add(ngrok_path)
    for runner in state.live_runners():
        if isinstance(runner, RunnerCore) and runner.pyngrok_config.ngrok_path == ngrok_path:
            runner.abandon_spawned()


def resume_starts(ngrok_path: str) -> None:
    """Starts for ``ngrok_path`` run normally again (after :func:`abandon_start`)."""
    with state.abandoned_lock:
        state.abandoned_starts.discard(ngrok_path)


def start_abandoned(ngrok_path: str) -> bool:
    """:func:`abandon_start` was called for ``ngrok_path`` (and not resumed)."""
    with state.abandoned_lock:
        return ngrok_path in state.abandoned_starts


def _refuse_abandoned(ngrok_path: str) -> None:
    """The start fails here when :func:`abandon_start` was called for ``ngrok_path`` (one message, both twins)."""
    if start_abandoned(ngrok_path):
        raise PyngrokNgrokError(f"the start of the ngrok agent {ngrok_path} was abandoned")


class _Process(Protocol):
    """What the core reads of a ``subprocess.Popen`` or an ``asyncio.subprocess.Process``."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...


class _Flag(Protocol):
    """A ``threading.Event`` or an ``asyncio.Event``."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...


class RunnerCore:
    """State and decisions of one agent process, shared by both shells (``on_exit`` is the shell's exit callback,
    already bound to the shell).

    Shells set ``proc`` (their process) and ``exited`` (set once the output reached EOF and the process was
    reaped), and implement ``stop_at_exit`` and the calls of the flows (documented on each flow).
    """

    proc: _Process | None
    exited: _Flag

    def __init__(self, pyngrok_config: PyngrokConfig, on_exit: Callable[[], None] | None) -> None:
        self.pyngrok_config = pyngrok_config
        self.api_url: str | None = None
        self.startup_error: str | None = None
        self.logs: list[NgrokLog] = []
        self.readiness = Readiness()
        self.monitoring = False
        self.edge: LocalEdge | None = None  # local-edge mode only
        #: Called (from the reader thread or task) with ``"restarting"``/``"back"`` when ngrok's Restart command
        #: re-executes the agent after a successful start; set by whoever owns the process object.
        self.on_restart: Callable[[RestartEvent], None] | None = None
        self._restart_watch = RestartWatch()
        self._on_exit = on_exit
        self._secrets: tuple[str, ...] = ()
        self._private_dir: str | None = None
        self._starting = True
        #: ``abandon_spawned`` may still terminate the process: True until the start's readiness succeeded (then
        #: ``start_flow`` honours an abandon itself; see there).
        self._abandonable = True
        self._stopping = False
        self._exit_handled = False
        self._logs_lock = threading.Lock()  # the sync reader thread appends while callers read
        self._exit_lock = threading.Lock()

    def _returncode(self) -> int | None:
        return self.proc.returncode if self.proc is not None else None

    def _pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def _has_exited(self) -> bool:
        """The reader saw EOF and the process was reaped."""
        return self.exited.is_set()

    def stop_at_exit(self) -> None:
        """The interpreter exits (``state.stop_all``): stop the agent without an event loop."""
        raise NotImplementedError

    def abandon_spawned(self) -> None:
        """:func:`abandon_start`: terminate the process if it is spawned and its start is still in progress and not
        ready yet (:attr:`_abandonable`; the start then fails and cleans up). Must not raise or block on the starting
        thread (signal handlers call it)."""
        raise NotImplementedError

    # ---- output -------------------------------------------------------------------------------------------------
    def take_line(self, raw: bytes) -> NgrokLog | None:
        """Take one raw line of the agent's output; returns it parsed when it is a startup event for the waiter.

        While neither starting nor monitoring (or once stopping) the line is only drained, but for the lines of a
        restart (:meth:`_watch_restart`). Secrets are masked before anything sees the line; empty lines are dropped.
        """
        if self._stopping:
            return None
        if not (self._starting or self.monitoring):
            if self.on_restart is not None and may_matter(raw):
                self._watch_restart(self._parse(raw))
            return None
        log = self._parse(raw)
        if not log.line:
            return None
        self._record(log)
        if self._starting:
            return log
        self._watch_restart(log)
        return None

    def _parse(self, raw: bytes) -> NgrokLog:
        log = NgrokLog(raw.decode("utf-8", "replace"))
        if self._secrets:
            log._redact(self._secrets, agent_config.REDACTED)
        return log

    def _watch_restart(self, log: NgrokLog) -> None:
        """Hand a restart's events (``restart.RestartWatch``) to the ``on_restart`` hook."""
        event = self._restart_watch.feed(log)
        hook = self.on_restart
        if event is None or hook is None:
            return
        logger.info("The ngrok process %s %s", self._pid(), _RESTART_TEXT[event])
        try:
            hook(event)
        except Exception:
            logger.exception("handling the ngrok agent's restart failed; its output is still being read")

    def _record(self, log: NgrokLog) -> None:
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

    def _logs_now(self) -> list[NgrokLog]:
        with self._logs_lock:
            return list(self.logs)

    # ---- start --------------------------------------------------------------------------------------------------
    def prepare(self) -> list[str]:
        """Config checks, the local edge and the private overlay (blocking; see ``startup``); returns argv."""
        plan = prepare_start(self.pyngrok_config)
        self.edge, self._private_dir, self._secrets = plan.edge, plan.private_dir, plan.secrets
        return plan.argv

    def start_flow(self, clock: Callable[[], float]) -> Flow[None]:
        """Start the agent and return once it is ready; on any failure nothing is left running.

        Calls: ``prepare_argv()`` -> argv, ``spawn(argv)``, those of ``readiness.wait_ready_flow``, those of
        :meth:`stop_flow`, ``started()`` (the start succeeded), ``after_eof()`` (it died right after the probe).

        Raises:
            ProcessStartError: the agent exited, printed a fatal error, or was not ready before ``startup_timeout``
                (the agent's error text, ``ERR_NGROK_*`` code and logs are attached), or the start crashed.
            PyngrokError: the user's config file has settings typed-ngrok cannot work with.
            PyngrokNgrokError: the start was abandoned (:func:`abandon_start`).
        """
        cfg = self.pyngrok_config
        deadline = clock() + float(cfg.startup_timeout)
        try:
            # An abandoned start (abandon_start) spawns nothing: checked before the blocking preparation (after an
            # install or a version check) and after it (the edge's start), then once more after the spawn
            # registered the process (an abandon from then on finds it and terminates it: no gap).
            _refuse_abandoned(cfg.ngrok_path)
            argv = yield Call("prepare_argv")
            _refuse_abandoned(cfg.ngrok_path)
            yield Call("spawn", (argv,))
            _refuse_abandoned(cfg.ngrok_path)
            why = yield from wait_ready_flow(self.readiness, str(cfg.config_version), deadline, clock)
            if why is None:
                # Ready: from now on abandon_spawned leaves the process alone, and an abandon that came before this
                # line (it may have terminated the ready agent) fails the start here. abandon_start records the
                # abandon before it looks at the runners, so one of the two always sees the other.
                self._abandonable = False
                _refuse_abandoned(cfg.ngrok_path)
        except BaseException as exc:
            yield from self.stop_flow(FAIL_TERM_GRACE, FAIL_JOIN)
            if isinstance(exc, PyngrokError):
                raise
            if isinstance(exc, Exception):
                from typed_ngrok._errors import start_crash_error  # loaded on failure only (it imports httpx)

                raise start_crash_error(exc, self._logs_now()) from exc
            raise
        if why is not None:
            from typed_ngrok._errors import process_start_error

            error = self.readiness.error
            yield from self.stop_flow(FAIL_TERM_GRACE, FAIL_JOIN)
            self.startup_error = error
            raise process_start_error(
                why,
                error=error,
                returncode=self._returncode(),
                logs=self._logs_now(),
                startup_timeout=cfg.startup_timeout,
            )
        self.api_url = self.readiness.api_url
        yield Call("started")
        self.startup_error = None
        self.monitoring = bool(cfg.monitor_thread)
        self._starting = False
        if self._has_exited():  # died right after the probe: let the exit handler's work happen now
            yield Call("after_eof")

    # ---- health, exit, stop -------------------------------------------------------------------------------------
    def healthy_flow(self) -> Flow[bool]:
        """Ready once, still running, and the API answers a probe now within ``request_timeout`` (any failure counts
        as unhealthy). Calls: ``running()`` -> bool and those of ``readiness.probe_flow``."""
        if self.api_url is None or self._starting or self._stopping or self._has_exited():
            return False
        if not (yield Call("running")):
            return False
        cfg = self.pyngrok_config
        return (yield from probe_flow(str(cfg.config_version), float(cfg.request_timeout)))

    def claim_exit(self) -> bool:
        """The output reached EOF after the process was reaped: True when this is an agent dying on its own after a
        successful start (once), whose resources the shell then releases before calling :meth:`notify_exit`."""
        with self._exit_lock:
            if self._starting or self._stopping or self._exit_handled:
                return False
            self._exit_handled = True
        logger.warning("The ngrok process %s exited on its own with code %s", self._pid(), self._returncode())
        return True

    def notify_exit(self) -> None:
        if self._on_exit is not None:
            try:
                self._on_exit()
            except Exception:
                logger.exception("ngrok exit handler failed")

    def stop_flow(self, grace: float, join: float = STOP_JOIN) -> Flow[None]:
        """Stop the agent (:func:`terminate_flow` with ``grace``), then join the reader (up to ``join`` seconds) and
        release what the run holds. Calls: those of :func:`terminate_flow` (as ``terminate(grace)``),
        ``join_reader(join)``, ``release()``.

        Raises:
            PyngrokNgrokError: the process could not be signalled or reaped.
        """
        self._stopping = True
        try:
            yield Call("terminate", (grace,))
        except OSError as exc:  # pragma: no cover - waitpid failing is not reproducible in tests
            raise PyngrokNgrokError(f"could not stop the ngrok process: {exc}") from exc
        finally:
            yield Call("join_reader", (join,))
            yield Call("release")

    def take_resources(self) -> LocalEdge | None:
        """Remove the private files and forget this run in the live set; returns the edge the shell must stop."""
        edge, self.edge = self.edge, None
        private, self._private_dir = self._private_dir, None
        if private is not None:
            shutil.rmtree(private, ignore_errors=True)
        state.forget_runner(self)
        return edge


class AgentView:
    """What both public process objects (``process.NgrokProcess``, ``aio.AsyncNgrokProcess``) show of their run."""

    pyngrok_config: PyngrokConfig
    _runner: RunnerCore | None

    @property
    def edge(self) -> LocalEdge | None:
        """The :class:`~typed_ngrok.edge.LocalEdge` started with this agent (``edge="local"``), else None."""
        return self._runner.edge if self._runner is not None else None

    @property
    def ca_path(self) -> str:
        """The CA file an https client must trust for this agent's tunnels: the local edge's (``edge="local"``).

        Raises:
            PyngrokError: the agent does not use the local edge (its tunnels use ngrok's public certificates).
        """
        from typed_ngrok._tunnels.resolve import edge_ca_path

        return edge_ca_path(self.edge, self.pyngrok_config.ngrok_path)
