"""Type checks of the agent's JSON before it becomes a public object (pure, no I/O).

``NgrokTunnel``, ``NgrokAgent`` and ``CapturedRequest`` are built from the agent's JSON (as pyngrok builds them, from
any dict). A key that is absent or ``null`` gives None; a value of another type than the spec's (or than the typed
attribute promises) is a malformed agent answer and raises :class:`~typed_ngrok.exception.PyngrokNgrokError` naming
the key, at construction, instead of an ``AttributeError`` or ``TypeError`` somewhere later.

:func:`check_path_segment` is the one rule for a value that becomes one path segment of the agent's API (a request
id, a tunnel or endpoint name): percent-encoding keeps it one segment on the wire, but the agent decodes the path
before routing, so ``""``, ``.``, ``..`` and ``/`` would reach another route.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from typed_ngrok.exception import PyngrokError, PyngrokNgrokError, PyngrokSecurityError

__all__ = [
    "agent_object",
    "check_http_url",
    "check_path_segment",
    "malformed",
    "optional_int",
    "optional_object",
    "optional_str",
    "seconds_of",
    "shown",
]


def seconds_of(value: object) -> float:
    """``value`` as seconds for a timeout check: an int or float as a float (an int too large for a float is
    ``inf``); NaN for anything else, bools included, so that one ``math.isfinite`` test refuses it."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf


def check_http_url(url: str) -> None:
    """The one URL rule of ``api_request`` and the installer's downloads: an absolute ``http``/``https`` URL with a
    host (``http://:80/x`` has none).

    Raises:
        PyngrokSecurityError: another scheme (``file:``, ``ftp:``, ``httpx:``, ``https-evil:``, ...) or no host.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # e.g. a bad IPv6 literal or port
        raise PyngrokSecurityError(f'URL must start with "http": {url}') from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise PyngrokSecurityError(f'URL must start with "http": {url}')


def shown(value: object) -> str:
    """``repr(value)``, cut to 60 characters (for error messages)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_path_segment(value: object, argument: str, what: str) -> str:
    """``value`` when it can be one path segment of an agent API URL: a string, not empty or blank, not ``.`` or
    ``..``, without ``/`` or control characters.

    Raises:
        PyngrokError: anything else; the message names ``argument`` and says it must be ``what`` (e.g. "a captured
            request's id").
    """
    if (
        not isinstance(value, str)
        or not value.strip()
        or value in (".", "..")
        or "/" in value
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)
    ):
        raise PyngrokError(
            f"{argument} must be {what} (a non-empty string without '/' or control characters, not '.' or '..'), "
            f"got {shown(value)}"
        )
    return value


def malformed(what: str, key: str, value: object, expected: str) -> PyngrokNgrokError:
    """The error for ``key`` of an agent ``what`` holding ``value`` where ``expected`` belongs."""
    return PyngrokNgrokError(
        f"malformed {what} from the ngrok agent: {key!r} is {type(value).__name__}, expected {expected}"
    )


def agent_object(data: object, what: str) -> dict[str, Any]:
    """``data`` when it is a JSON object (a dict).

    Raises:
        PyngrokNgrokError: it is not.
    """
    if not isinstance(data, dict):
        raise PyngrokNgrokError(
            f"malformed {what} from the ngrok agent: expected a JSON object, got {type(data).__name__}"
        )
    return data


def optional_str(data: dict[str, Any], key: str, what: str) -> str | None:
    """``data[key]`` as a string; None when absent or null.

    Raises:
        PyngrokNgrokError: it is something else.
    """
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise malformed(what, key, value, "a string")


def optional_int(data: dict[str, Any], key: str, what: str) -> int | None:
    """``data[key]`` as an integer (not a bool); None when absent or null.

    Raises:
        PyngrokNgrokError: it is something else.
    """
    value = data.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise malformed(what, key, value, "an integer")


def optional_object(data: dict[str, Any], key: str, what: str) -> dict[str, Any] | None:
    """``data[key]`` as a JSON object; None when absent or null.

    Raises:
        PyngrokNgrokError: it is something else.
    """
    value = data.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise malformed(what, key, value, "an object")
