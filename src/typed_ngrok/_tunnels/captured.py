"""Captured requests: what :mod:`typed_ngrok.agent` and its :mod:`typed_ngrok.aio` twins share (pure, no I/O).

- **Arguments** (:func:`check_request_id`, :func:`check_tunnel_name`; ``limit`` is ``resolve.check_limit``'s)
  are checked before any I/O, so ``get_request("")`` is a clear :class:`~typed_ngrok.exception.PyngrokError` naming
  the argument instead of a call to the list route, and ``.``/``..`` never become other routes.
- **Blocks** (:func:`http_block`): a captured ``request``/``response`` object typed (``null`` values dropped, other
  wrong types refused), and a **pending** response, which 2.3.41 sends as
  ``{"status": "", "status_code": 0, "proto": "", "headers": null, "raw": null}`` while the upstream has not answered
  (the docs say ``null``), read as None.
- **Recording** (:func:`body_still_recording`): 2.3.41 stores an answer's head first and its body a moment later, so
  a response that is no longer pending may still lack its body for a while (seen under load: 9 of 200 answers read
  back at once). The pytest plugin's ``ngrok_requests`` counts an exchange only once its body is stored.
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
from typed_ngrok._tunnels.http_message import chunked_body_complete, decode_raw, parse_http_message
from typed_ngrok.exception import PyngrokError

__all__ = [
    "REQUEST_FIELDS",
    "RESPONSE_FIELDS",
    "body_still_recording",
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


#: ngrok 2.3.41 stores at most this many wire bytes of an answer, head included (measured: answers of 12 MB and 30 MB
#: were both stored as 5,242,880 bytes). A stored answer this long is cut by the agent, not still being recorded.
CAPTURE_LIMIT_2_3_41: Final = 5 * 1024 * 1024
_BODILESS: Final = (204, 304)


def body_still_recording(data: object) -> bool:
    """True when ngrok 2.3.41 has stored the head of a captured exchange's answer but not yet all of its body: the
    stored body is shorter than its ``Content-Length`` (or a chunked body stops before its last chunk) and the stored
    answer is shorter than the agent's :data:`CAPTURE_LIMIT_2_3_41`. False for a pending answer (see
    :func:`is_pending`), for answers that carry no body (to ``HEAD``; 1xx, 204, 304), for a body without a length
    (read until the upstream closed: nothing tells how much is still to come) and for any block this cannot read
    (reading it reports that). An answer the upstream itself cut short also reads as True: a waiter gives up on it
    after a while (the pytest plugin: :data:`~typed_ngrok.pytest_plugin.RECORDING_GRACE`). Measured on 2.3.41 only:
    v3 agents may cut bodies elsewhere, so :attr:`CapturedRequest.pending` does not use it.
    """
    if not isinstance(data, dict):
        return False
    response, request = data.get("response"), data.get("request")
    if not isinstance(response, dict) or not isinstance(response.get("raw"), str):
        return False
    status = response.get("status_code")
    if not isinstance(status, int) or status < 200 or status in _BODILESS:
        return False
    if isinstance(request, dict) and str(request.get("method", "")).upper() == "HEAD":
        return False
    try:
        wire = decode_raw(response["raw"])
        if len(wire) >= CAPTURE_LIMIT_2_3_41:
            return False
        message = parse_http_message(wire)
    except PyngrokError:
        return False
    if "chunked" in (message.header("transfer-encoding") or "").lower():
        return not chunked_body_complete(message.body)
    length = (message.header("content-length") or "").strip()
    return length.isascii() and length.isdigit() and len(message.body) < int(length)


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
