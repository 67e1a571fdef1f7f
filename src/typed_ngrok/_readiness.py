"""The agent's startup, as a pure state machine (no I/O), shared by the sync and async launchers.

Rules (agent-api.md section 10):

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
from dataclasses import dataclass, field

from typed_ngrok.log import NgrokLog

__all__ = ["Action", "Readiness", "interpret_probe", "probe_paths"]


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
