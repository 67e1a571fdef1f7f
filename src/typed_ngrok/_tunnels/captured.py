"""Captured requests: what :mod:`typed_ngrok.agent` and its :mod:`typed_ngrok.aio` twins share (pure, no I/O).

- **Arguments** (:func:`check_request_id`, :func:`check_tunnel_name`; ``limit`` is ``resolve.check_limit``'s)
  are checked before any I/O, so ``get_request("")`` is a clear :class:`~typed_ngrok.exception.PyngrokError` naming
  the argument instead of a call to the list route, and ``.``/``..`` never become other routes.
- **Blocks** (:func:`http_block`): a captured ``request``/``response`` object typed (``null`` values dropped, other
  wrong types refused), and a **pending** response, which 2.3.41 sends as
  ``{"status": "", "status_code": 0, "proto": "", "headers": null, "raw": null}`` while the upstream has not answered
  (the docs say ``null``), read as None.
- **Order** (:func:`newest_first`): the agent's list order is not the arrival order (2.3.41 sorts by id, and its ids
  are random within a second), so the list is sorted here: by ``start``, newest first, ties by ``id`` descending, then
  cut to ``limit``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final, Protocol, TypeVar

from typed_ngrok._agent_process.logfmt import parse_timestamp
from typed_ngrok._shapes import check_path_segment, malformed, shown
from typed_ngrok.exception import PyngrokError

__all__ = [
    "REQUEST_FIELDS",
    "RESPONSE_FIELDS",
    "check_request_id",
    "check_tunnel_name",
    "http_block",
    "is_pending",
    "newest_first",
]

_HEADERS: Final = "headers"
#: The typed keys of a captured ``request`` block and their JSON types (``headers``: name -> list of values).
REQUEST_FIELDS: Final[dict[str, type | str]] = {
    "method": str,
    "proto": str,
    "uri": str,
    "raw": str,
    "headers": _HEADERS,
}
#: The typed keys of a captured ``response`` block.
RESPONSE_FIELDS: Final[dict[str, type | str]] = {
    "status": str,
    "status_code": int,
    "proto": str,
    "raw": str,
    "headers": _HEADERS,
}
_WHAT: Final = "captured request"
_OLDEST: Final = datetime.min.replace(tzinfo=UTC)


def check_request_id(request_id: object, argument: str = "request_id") -> str:
    """``request_id`` when it can name one captured request (it becomes a path segment of the agent's API).

    Raises:
        PyngrokError: it is not a string, is empty or blank, is ``.`` or ``..``, or holds ``/`` or a control character.
    """
    return check_path_segment(request_id, argument, "a captured request's id")


def check_tunnel_name(tunnel_name: object, argument: str = "tunnel_name") -> str | None:
    """``tunnel_name`` when it is None or can name a tunnel.

    Raises:
        PyngrokError: it is not a string, is empty or blank, or holds a control character.
    """
    if tunnel_name is None:
        return None
    if (
        not isinstance(tunnel_name, str)
        or not tunnel_name.strip()
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in tunnel_name)
    ):
        raise PyngrokError(
            f"{argument} must be None or a tunnel's name (a non-empty string without control characters), "
            f"got {shown(tunnel_name)}"
        )
    return tunnel_name


def _is_headers(value: object) -> bool:
    """An object of string lists (explicit loops: this runs for every captured request of a listing)."""
    if not isinstance(value, dict):
        return False
    for name, values in value.items():
        if not isinstance(name, str) or not isinstance(values, list):
            return False
        for item in values:
            if not isinstance(item, str):
                return False
    return True


def http_block(value: object, key: str, fields: dict[str, type | str]) -> Any:
    """A captured ``request``/``response`` block as a new dict (a ``CapturedHttpRequest``/``CapturedHttpResponse``):
    ``null`` values dropped, unknown keys kept; None for a ``null`` or absent block.

    Raises:
        PyngrokNgrokError: the block is not an object, or a typed key holds another type.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise malformed(_WHAT, key, value, "an object")
    block: dict[str, Any] = {}
    for name, item in value.items():
        if item is None:
            continue
        kind = fields.get(name)
        if kind is str:
            if not isinstance(item, str):
                raise malformed(_WHAT, f"{key}.{name}", item, "a string")
        elif kind is int:
            if not isinstance(item, int) or isinstance(item, bool):
                raise malformed(_WHAT, f"{key}.{name}", item, "an integer")
        elif kind == _HEADERS and not _is_headers(item):
            raise malformed(_WHAT, f"{key}.{name}", item, "an object of string lists")
        block[name] = item
    return block


def is_pending(response: dict[str, Any]) -> bool:
    """True for a response block that holds no answer yet: no ``raw`` wire bytes and no status code."""
    return not response.get("raw") and not response.get("status_code")


class _Captured(Protocol):
    @property
    def id(self) -> str | None: ...
    @property
    def start(self) -> str | None: ...
    @property
    def tunnel_name(self) -> str | None: ...


C = TypeVar("C", bound=_Captured)


def newest_first(requests: Iterable[C], tunnel_name: str | None, limit: int | None) -> list[C]:
    """``requests`` of ``tunnel_name`` (exact match; all when None), newest ``start`` first, ties by ``id``
    descending (a missing or unreadable ``start`` sorts last), at most ``limit`` of them."""
    chosen = [r for r in requests if tunnel_name is None or r.tunnel_name == tunnel_name]
    stamps: dict[str | None, datetime] = {}  # many requests share a start second: parse each text once

    def order(request: _Captured) -> tuple[datetime, str]:
        start = request.start
        stamp = stamps.get(start)
        if stamp is None:
            stamp = stamps[start] = parse_timestamp(start) or _OLDEST
        return stamp, request.id or ""

    chosen.sort(key=order, reverse=True)
    return chosen if limit is None else chosen[:limit]
