"""The agent's startup decisions, without I/O, shared by the sync and async runners (``sync``, ``aio``).

:class:`Readiness` is the state machine fed with the agent's lines; :func:`probe_flow` is the one readiness probe
(which request, which answer counts as ready) and :func:`wait_ready_flow` the startup schedule (what to wait for,
when to probe, the deadlines). Both flows run through :mod:`typed_ngrok._drive`: they yield
:class:`~typed_ngrok._drive.Call` requests that the shells answer with I/O:

- ``Call("next_event", (timeout,))``: the next startup event from the reader, an :class:`~typed_ngrok.log.NgrokLog`,
  :class:`Exited` (the output closed), or None when ``timeout`` seconds passed first;
- ``Call("probe_get", (path, timeout))``: one ``GET path`` of the agent's API with ``Accept: application/json``;
  ``(status, body)``, or None when it could not be sent or answered (refused, reset, timed out).

Rules (docs/agent-api.md §9):

1. ``msg="starting web service" addr=H:P`` gives the API URL ``http://H:P``.
2. The session is up once both ``client session established`` and ``tunnel session started`` were seen, in either
   order (2.3.41 and early v3 log them one way, current v3 the other).
3. The API must answer a probe (``GET /api/tunnels``, or ``/api/endpoints`` for config version 3 with a fall back to
   ``/api/tunnels`` on a 404 without ``error_code``); the shell reports each result with :meth:`Readiness.probed`.
   The first probe is asked for as soon as the web service is announced (:attr:`Action.EARLY_PROBE`), while the
   agent is still connecting its session, so it is usually off the critical path: when it succeeded, the session
   coming up means ready at once. Otherwise (no early probe, or it failed) the session coming up asks for a probe
   (:attr:`Action.PROBE`), which the shell repeats with a backoff until one succeeds or its deadline passes. Ready
   always needs both: the session up and a successful probe.
4. Fatal: ``lvl=crit msg="command failed"``, any plain ``ERROR:`` line, or the process exiting. ``lvl=eror`` alone is
   only recorded as the probable cause (``failed to reconnect session`` is retried by the agent).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from typed_ngrok._drive import Call, Flow
from typed_ngrok.log import NgrokLog

__all__ = [
    "FATAL_GRACE",
    "PROBE_TIMEOUT",
    "Action",
    "Exited",
    "Failure",
    "Readiness",
    "interpret_probe",
    "probe_flow",
    "probe_paths",
    "wait_ready_flow",
]

PROBE_TIMEOUT: Final = 2.0  # one startup probe's budget (never past the startup deadline)
FATAL_GRACE: Final = 1.0  # after a fatal line, how long to collect the rest of the agent's output
_MIN_BUDGET: Final = 0.05
_FIRST_BACKOFF: Final = 0.1
_MAX_BACKOFF: Final = 1.0

Failure = Literal["fatal", "exited", "timeout"]
"""Why a start failed: a fatal line, the process ended, or not ready before the deadline."""


@dataclass(frozen=True)
class Exited:
    """The startup event for the agent's output reaching EOF; ``returncode`` is None when it is still unknown."""

    returncode: int | None


class Action(enum.Enum):
    """What the shell should do after feeding a line."""

    WAIT = "wait"  # keep reading
    EARLY_PROBE = "early_probe"  # the API was announced, the session is not up yet: probe once now (a failure is fine)
    PROBE = "probe"  # the session is up: probe the API now (and again, with a backoff, until it answers)
    FAIL = "fail"  # a fatal line: collect the remaining output briefly, then stop the process and raise
    READY = "ready"  # terminal: startup succeeded


def probe_paths(config_version: str) -> tuple[str, ...]:
    """The API paths to probe, in order (the next one is tried only after a code-less 404 on the previous)."""
    return ("/api/endpoints", "/api/tunnels") if str(config_version) == "3" else ("/api/tunnels",)


def interpret_probe(status: int, body: bytes | str) -> str:
    """``"ok"`` for a 200, ``"fallback"`` for a router 404 (no ``error_code``: the route does not exist on this agent),
    ``"retry"`` for anything else."""
    if status == 200:
        return "ok"
    if status == 404:
        try:
            data = json.loads(body)
        except (ValueError, TypeError, RecursionError):
            return "fallback"
        if not isinstance(data, dict) or "error_code" not in data:
            return "fallback"
    return "retry"


def probe_flow(config_version: str, timeout: float) -> Flow[bool]:
    """One readiness probe: ``GET`` the collection route (for config version 3 ``/api/endpoints`` first, then
    ``/api/tunnels`` after a code-less 404), each within ``timeout``; True on a 200, False for any other answer or
    failure."""
    for path in probe_paths(config_version):
        answer = yield Call("probe_get", (path, max(timeout, _MIN_BUDGET)))
        if not isinstance(answer, tuple):
            return False
        status, body = answer
        verdict = interpret_probe(status, body)
        if verdict != "fallback":
            return verdict == "ok"
    return False


def wait_ready_flow(
    state: Readiness, config_version: str, deadline: float, clock: Callable[[], float]
) -> Flow[Failure | None]:
    """Feed startup events to ``state`` and probe the API when it says so, until ready (None) or a failure.

    ``clock`` is the shell's monotonic clock (``deadline`` is on it). The first probe comes as soon as the API is
    announced (a failure then just waits for the session); once the session is up, probes repeat with a backoff
    (0.1 s doubling to 1 s) until one succeeds. After a fatal line the rest of the output is collected for up to
    :data:`FATAL_GRACE` seconds (or until EOF), so the error text is complete.
    """
    next_probe: float | None = None
    backoff = _FIRST_BACKOFF

    def budget() -> float:
        return min(PROBE_TIMEOUT, max(_MIN_BUDGET, deadline - clock()))

    while True:
        now = clock()
        if now >= deadline:
            return "timeout"
        wait = deadline - now if next_probe is None else max(0.0, min(deadline, next_probe) - now)
        item = yield Call("next_event", (wait,))
        if isinstance(item, Exited):
            state.exited(item.returncode)
            return "exited"
        action = state.feed(item) if isinstance(item, NgrokLog) else Action.WAIT
        if action is Action.FAIL:
            until = min(deadline, clock() + FATAL_GRACE)
            while (remaining := until - clock()) > 0:
                item = yield Call("next_event", (remaining,))
                if not isinstance(item, NgrokLog):
                    break
                state.feed(item)
            return "fatal"
        if action is Action.READY:  # the session came up after an early probe had succeeded
            return None
        if action is Action.EARLY_PROBE:  # off the critical path; a failure just waits for the session
            assert state.api_url is not None
            if state.probed((yield from probe_flow(config_version, budget()))) is Action.READY:
                return None
            continue
        if action is Action.PROBE or (next_probe is not None and clock() >= next_probe):
            assert state.api_url is not None
            if state.probed((yield from probe_flow(config_version, budget()))) is Action.READY:
                return None
            next_probe = clock() + backoff
            backoff = min(backoff * 2, _MAX_BACKOFF)


@dataclass
class Readiness:
    """Feed every startup line to :meth:`feed`; act on the returned :class:`Action`.

    ``fatal_error`` is the agent's own text for a fatal start (several plain ``ERROR:`` lines are joined with
    newlines); ``probable_error`` the last ``lvl=eror``/``crit`` ``err`` seen, used when the agent just exits or never
    gets ready.
    """

    api_url: str | None = None
    tunnel_session: bool = False
    client_session: bool = False
    probe_ok: bool = False
    fatal: bool = False
    fatal_lines: list[str] = field(default_factory=list)
    probable_error: str | None = None
    exit_code: int | None = None
    _crit: bool = False

    @property
    def session_up(self) -> bool:
        return self.tunnel_session and self.client_session

    @property
    def ready(self) -> bool:
        return self.api_url is not None and self.session_up and self.probe_ok and not self.fatal

    @property
    def fatal_error(self) -> str | None:
        return "\n".join(self.fatal_lines) if self.fatal_lines else None

    @property
    def error(self) -> str | None:
        """The best text explaining a failed start: the fatal text, else the last error the agent logged."""
        return self.fatal_error or self.probable_error

    def feed(self, log: NgrokLog) -> Action:
        """Take one parsed line into account."""
        if self.ready:
            return Action.READY
        msg = log.msg or ""
        if log.format == "plain":
            if log.lvl in ("ERROR", "CRITICAL") and log.err and not self._crit:
                # Config errors come as several plain lines: keep them all. After ``command failed`` the agent
                # repeats its message as plain text: the crit line already has it.
                self.fatal = True
                self.fatal_lines.append(log.err.strip())
                return Action.FAIL
            return Action.FAIL if self.fatal else Action.WAIT
        if log.lvl in ("ERROR", "CRITICAL") and log.err and log.err != "nil":
            self.probable_error = log.err
        if log.lvl == "CRITICAL" and msg == "command failed":
            self.fatal = True
            self._crit = True
            self.fatal_lines.append((log.err or msg).strip())
            return Action.FAIL
        if self.fatal:
            return Action.FAIL
        was_up = self.api_url is not None and self.session_up
        announced = False
        if msg == "starting web service" and log.addr:
            announced = self.api_url is None
            self.api_url = f"http://{log.addr}"
        elif msg == "tunnel session started":
            self.tunnel_session = True
        elif msg == "client session established":
            self.client_session = True
        if self.api_url is not None and self.session_up and not was_up:
            return Action.READY if self.ready else Action.PROBE
        if announced:
            return Action.EARLY_PROBE
        return Action.WAIT

    def probed(self, ok: bool) -> Action:
        """Record the API probe's outcome: READY when the session is up too. After a failed :attr:`Action.PROBE`
        the shell probes again later, until its deadline; after a failed early probe it waits for the session."""
        self.probe_ok = ok and not self.fatal
        return Action.READY if self.ready else Action.WAIT

    def exited(self, code: int | None) -> Action:
        """The process ended (or closed its output) during startup."""
        self.exit_code = code
        return Action.FAIL
