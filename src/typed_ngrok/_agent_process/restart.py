"""Noticing, in the agent's output, that ngrok's Restart command re-executed it (no I/O).

On the edge's Restart command the 2.3.41 agent logs ``received remote restart`` (obj=tunnels.session), then
``received stop request`` with ``stopReq="{err:<nil> restart:true}"`` (obj=app), closes its session and re-executes
itself: the same pid and argv, so the same config and ``web_addr``. The new run logs ``starting web service`` and,
once its new session is up, ``tunnel session started`` and ``client session established`` (in either order, as at
start-up: ``docs/agent-api.md`` §8, §9). :class:`RestartWatch` turns those lines into two events for the runner's
``on_restart`` hook: :data:`RESTARTING` (the tunnels created through the API are gone) and :data:`BACK` (the new
session is up: they can be created again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from typed_ngrok.log import NgrokLog

__all__ = ["BACK", "RESTARTING", "RestartEvent", "RestartWatch", "may_matter"]

RestartEvent = Literal["restarting", "back"]
RESTARTING: Final = "restarting"
BACK: Final = "back"

_STOP: Final = "received stop request"
_SESSION_LINES: Final = frozenset({"tunnel session started", "client session established"})
_MARKERS: Final = (b"restart:true", b"tunnel session started", b"client session established")


def may_matter(raw: bytes) -> bool:
    """Whether a raw output line can be one :class:`RestartWatch` acts on (a cheap test before parsing it)."""
    return any(marker in raw for marker in _MARKERS)


class RestartWatch:
    """Feed it the agent's lines after a successful start; it answers :data:`RESTARTING` on the restart line and
    :data:`BACK` once both session lines of the re-executed agent were seen (None otherwise)."""

    def __init__(self) -> None:
        self.restarting = False
        self._seen: set[str] = set()

    def feed(self, log: NgrokLog) -> RestartEvent | None:
        msg = log.msg
        if msg == _STOP and "restart:true" in log.fields.get("stopReq", ""):
            self.restarting = True
            self._seen.clear()
            return RESTARTING
        if self.restarting and msg in _SESSION_LINES:
            self._seen.add(msg)
            if self._seen == _SESSION_LINES:
                self.restarting = False
                return BACK
        return None
