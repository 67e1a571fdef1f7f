"""Type checks of the agent's JSON before it becomes a public object (pure, no I/O).

``NgrokTunnel``, ``NgrokAgent`` and ``CapturedRequest`` are built from the agent's JSON (as pyngrok builds them, from
any dict). A key that is absent or ``null`` gives None; a value of another type than the spec's (or than the typed
attribute promises) is a malformed agent answer and raises :class:`~typed_ngrok.exception.PyngrokNgrokError` naming
the key, at construction, instead of an ``AttributeError`` or ``TypeError`` somewhere later.
"""

from __future__ import annotations

from typing import Any

from typed_ngrok.exception import PyngrokNgrokError

__all__ = ["agent_object", "malformed", "optional_int", "optional_object", "optional_str"]


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
