"""Fault injection and edge-to-agent control for :class:`~typed_ngrok.edge.LocalEdge` (a mixin)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from typed_ngrok.exception import LocalEdgeError

from ._rpc import RESTART, STOP, UPDATE
from ._server import EdgeServer
from ._types import EdgeFaults

__all__ = ["COMMANDS", "AgentCommand", "EdgeControls", "command"]

T = TypeVar("T")


@dataclass(frozen=True)
class AgentCommand:
    """One edge-to-agent command (``docs/edge-protocol.md`` §5) and how the cloud API reports its failures
    (``docs/edge-cloud.md``)."""

    stream_type: int
    title: str  # its name in messages ("Restart")
    failed_code: str  # the cloud API's 400 when the agent's reply carries an Error
    unsupported_field: str = ""  # the Auth Extra field in which an agent says it cannot do this ("": always can)
    unsupported_code: str = ""  # the cloud API's 400 for such an agent (no command is sent)
    unsupported_verb: str = ""  # "does not support remote <verb>"


#: The actions, by the name the cloud API's paths use: the one table of the three commands.
COMMANDS: dict[str, AgentCommand] = {
    "restart": AgentCommand(
        RESTART, "Restart", "ERR_NGROK_808", "RestartUnsupportedError", "ERR_NGROK_804", "restarting"
    ),
    "stop": AgentCommand(STOP, "Stop", "ERR_NGROK_807", "StopUnsupportedError", "ERR_NGROK_805", "stopping"),
    "update": AgentCommand(UPDATE, "Update", "ERR_NGROK_809"),
}
_TITLES = {one.stream_type: one.title for one in COMMANDS.values()}


def command(action: str, *, version: str = "", permit_major_version: bool = False) -> tuple[int, dict[str, Any]]:
    """The stream type and body of the ``"stop"``, ``"restart"`` or ``"update"`` command (``docs/edge-protocol.md``
    §5). Raises ``KeyError`` for another action."""
    stream_type = COMMANDS[action].stream_type
    if stream_type == UPDATE:
        return stream_type, {"Version": version, "PermitMajorVersion": permit_major_version}
    return stream_type, {}


class EdgeControls:
    """Fault switches and control calls. Sync methods marshal onto the edge loop; ``a``-prefixed ones are coroutines."""

    faults: EdgeFaults

    def _run(self, factory: Callable[[], Coroutine[Any, Any, T]], timeout: float) -> T:
        raise NotImplementedError

    def _need_core(self) -> EdgeServer:
        raise NotImplementedError

    # -- fault injection and control -------------------------------------------------------------------------
    def reject_auth(
        self, message: str | None = "Authentication refused by the local edge.\r\n\r\nERR_NGROK_107\r\n"
    ) -> None:
        """Make Auth replies carry ``message`` (None: accept again). The agent exits with this error."""
        self.faults.auth_error = message

    def reject_binds(self, message: str | None = "Binding refused by the local edge.\r\n\r\nERR_NGROK_302\r\n") -> None:
        """Make Bind replies carry ``message`` (None: accept again): the agent API answers 502, error_code 103."""
        self.faults.bind_error = message

    def stall_heartbeats(self, stalled: bool = True) -> None:
        """Stop (or resume) echoing the agent's heartbeats."""
        self.faults.stall_heartbeats = stalled

    def delay_replies(self, seconds: float) -> None:
        """Wait ``seconds`` before every RPC reply (0 turns it off)."""
        self.faults.reply_delay = max(0.0, seconds)

    def refuse_sessions(self, refused: bool = True) -> None:
        """Close (or accept again) new agent connections right after accept."""
        self.faults.refuse_sessions = refused

    async def adrop_session(self, session_id: str | None = None, *, goaway: bool = False) -> str:
        """Cut a live session (None: the newest): abruptly, or with a GOAWAY. Returns its id.

        Raises :class:`LocalEdgeError` when there is no such session.
        """
        core = self._need_core()
        try:
            state = core.find_session(session_id)
        except LookupError as exc:
            raise LocalEdgeError(str(exc)) from exc
        state.mux.close_reason = "dropped by the edge"
        if goaway:
            await state.mux.close(0, "dropped by the edge")
        else:
            state.mux.abort()
        return state.id

    def drop_session(self, session_id: str | None = None, *, goaway: bool = False) -> str:
        """Sync twin of :meth:`adrop_session`."""
        return self._run(lambda: self.adrop_session(session_id, goaway=goaway), 30.0)

    async def areset_connections(self, tunnel_id: str | None = None) -> int:
        """Reset (RST) the proxied public connections of one tunnel (None: all). Returns how many were reset."""
        return self._need_core().reset_connections(tunnel_id)

    def reset_connections(self, tunnel_id: str | None = None) -> int:
        """Sync twin of :meth:`areset_connections`."""
        return self._run(lambda: self.areset_connections(tunnel_id), 30.0)

    async def _control(self, session_id: str | None, stream_type: int, body: dict[str, Any], timeout: float) -> Any:
        core = self._need_core()
        try:
            return await core.control(session_id, stream_type, body, timeout)
        except LookupError as exc:
            raise LocalEdgeError(str(exc)) from exc
        except TimeoutError as exc:
            raise LocalEdgeError(f"{_TITLES[stream_type]}: {exc}") from exc

    async def astop_agent(self, session_id: str | None = None, *, timeout: float = 10.0) -> dict[str, Any] | None:
        """Send Stop; the agent's reply, or None (it usually exits without one).

        Raises :class:`LocalEdgeError` when there is no such live session, or when the agent neither answers nor
        ends its session within ``timeout`` seconds.
        """
        result: dict[str, Any] | None = await self._control(session_id, *command("stop"), timeout)
        return result

    async def arestart_agent(self, session_id: str | None = None, *, timeout: float = 10.0) -> dict[str, Any] | None:
        """Send Restart (the agent re-execs and opens a new session); its reply (None: the session ended first).

        Raises :class:`LocalEdgeError` when there is no such live session, or when the agent neither answers nor
        ends its session within ``timeout`` seconds (then nothing is reserved for a restart).
        """
        result: dict[str, Any] | None = await self._control(session_id, *command("restart"), timeout)
        return result

    async def aupdate_agent(
        self,
        session_id: str | None = None,
        *,
        version: str = "",
        permit_major_version: bool = False,
        timeout: float = 10.0,
    ) -> dict[str, Any] | None:
        """Send Update; the agent's reply (``{"Error": "updates disabled"}`` with ``update_check: false``).

        Raises :class:`LocalEdgeError` like :meth:`astop_agent`.
        """
        body = command("update", version=version, permit_major_version=permit_major_version)
        result: dict[str, Any] | None = await self._control(session_id, *body, timeout)
        return result

    def stop_agent(self, session_id: str | None = None, *, timeout: float = 10.0) -> dict[str, Any] | None:
        return self._run(lambda: self.astop_agent(session_id, timeout=timeout), timeout + 30.0)

    def restart_agent(self, session_id: str | None = None, *, timeout: float = 10.0) -> dict[str, Any] | None:
        return self._run(lambda: self.arestart_agent(session_id, timeout=timeout), timeout + 30.0)

    def update_agent(
        self,
        session_id: str | None = None,
        *,
        version: str = "",
        permit_major_version: bool = False,
        timeout: float = 10.0,
    ) -> dict[str, Any] | None:
        return self._run(
            lambda: self.aupdate_agent(
                session_id, version=version, permit_major_version=permit_major_version, timeout=timeout
            ),
            timeout + 30.0,
        )
