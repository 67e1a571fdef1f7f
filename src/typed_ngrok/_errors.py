"""The one place where HTTP statuses and transport failures become typed-ngrok exceptions.

Used by the sync and async agent wrappers (``_agent_api``), ``api_request`` and the cloud wrapper. Nothing here
does I/O: functions take a status, the raw body bytes and the response headers, so they work for httpx responses,
generated ``Response`` objects and ``UnexpectedStatus`` alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

import httpx

from typed_ngrok.exception import (
    AuthenticationError,
    CloudAPIError,
    CloudConnectionError,
    NotFoundError,
    PermissionDeniedError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
    RateLimitError,
    ServerError,
    TunnelNotFoundError,
)

__all__ = [
    "TUNNEL_NOT_FOUND",
    "AgentErrorBody",
    "agent_http_error",
    "cloud_http_error",
    "decode_json_object",
    "is_missing_route",
    "no_status_route_error",
    "parse_agent_error",
    "raise_for_agent_status",
    "translate_cloud_transport_errors",
    "translate_transport_errors",
]

TUNNEL_NOT_FOUND = 100
_MAX_BODY_IN_MESSAGE = 2000


@dataclass(frozen=True)
class AgentErrorBody:
    """An agent error body: ``{"error_code"?: int, "status_code": int, "msg": str, "details": {...}}``."""

    msg: str | None = None
    error_code: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _text(content: bytes | str) -> str:
    return content if isinstance(content, str) else content.decode("utf-8", errors="replace")


def _short(text: str) -> str:
    return text if len(text) <= _MAX_BODY_IN_MESSAGE else text[:_MAX_BODY_IN_MESSAGE] + "…"


def parse_agent_error(content: bytes | str) -> AgentErrorBody:
    """The fields of an agent error body; all None/empty when the body is not a JSON object (e.g. an HTML page)."""
    try:
        data = json.loads(_text(content)) if content else None
    except ValueError:
        return AgentErrorBody()
    if not isinstance(data, dict):
        return AgentErrorBody()
    msg = data.get("msg")
    code = data.get("error_code")
    details = data.get("details")
    return AgentErrorBody(
        msg=str(msg) if msg is not None else None,
        error_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        details=dict(details) if isinstance(details, dict) else {},
    )


def is_missing_route(status_code: int, content: bytes | str) -> bool:
    """A 404 from the agent's router (no ``error_code``): the route does not exist on this agent version."""
    return status_code == 404 and parse_agent_error(content).error_code is None


def no_status_route_error(api_url: str, exc: PyngrokNgrokHTTPError) -> PyngrokNgrokHTTPError | None:
    """For ``GET /api/status``: the error saying this agent has no such route (v2 agents, v3 before 3.9) when ``exc``
    is the router's 404, else None (``exc`` stands as it is). Status, headers, raw body and details are kept."""
    if not is_missing_route(exc.status_code, exc.body):
        return None
    error = PyngrokNgrokHTTPError(
        f"the ngrok agent at {api_url} has no /api/status (it needs ngrok >= 3.9; v2 agents such as 2.3.41 do not "
        f"serve it): API returned {exc.status_code}: {exc.body}",
        exc.url,
        exc.status_code,
        exc.message,
        exc.headers,
        exc.body,
    )
    error.details = exc.details
    return error


def agent_http_error(
    url: str, status_code: int, content: bytes | str, headers: Mapping[str, str] | None = None
) -> PyngrokNgrokHTTPError:
    """The exception for an agent API answer with status >= 400.

    404 with ``error_code`` 100 (and a handler 404 on ``/api/endpoints/{name}``) → :class:`TunnelNotFoundError`,
    anything else → :class:`PyngrokNgrokHTTPError`; both carry ``error_code``, ``message``, ``details``, the
    response ``headers`` and the raw ``body``.
    """
    body = _text(content)
    parsed = parse_agent_error(body)
    endpoint_item = "/api/endpoints/" in url and parsed.msg not in (None, "Not Found")
    not_found = status_code == 404 and (parsed.error_code == TUNNEL_NOT_FOUND or endpoint_item)
    cls = TunnelNotFoundError if not_found else PyngrokNgrokHTTPError
    text = f"ngrok client exception, API returned {status_code}: {_short(body) if body else '<empty body>'}"
    error = cls(text, url, status_code, parsed.msg, dict(headers or {}), body)
    error.error_code = parsed.error_code
    error.details = parsed.details
    return error


def raise_for_agent_status(
    url: str, status_code: int, content: bytes | str, headers: Mapping[str, str] | None = None
) -> None:
    """Raise :func:`agent_http_error` when ``status_code`` >= 400; return otherwise."""
    if status_code >= 400:
        raise agent_http_error(url, status_code, content, headers)


def decode_json_object(url: str, status_code: int, content: bytes | str) -> dict[str, Any]:
    """A 2xx body as a dict: empty → ``{}``.

    Raises:
        PyngrokNgrokError: the body is not JSON, or is JSON but not an object.
    """
    text = _text(content)
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PyngrokNgrokError(
            f"ngrok client exception, API returned {status_code} with a body that is not JSON ({url}): {_short(text)}",
            ngrok_error=text,
        ) from exc
    if not isinstance(data, dict):
        raise PyngrokNgrokError(
            f"ngrok client exception, API returned {status_code} with JSON that is not an object ({url})",
            ngrok_error=text,
        )
    return data


def _transport_reason(exc: httpx.TransportError) -> str:
    text = str(exc)
    return text or type(exc).__name__


@contextmanager
def translate_transport_errors(url: str) -> Iterator[None]:
    """Map failures inside the block to the pyngrok tree.

    ``httpx.TimeoutException`` → :class:`PyngrokNgrokURLError` (reason ``"timed out"``), other transport failures →
    :class:`PyngrokNgrokURLError`, the generated client's ``UnexpectedStatus`` → :func:`agent_http_error`, and a body
    the generated models cannot read (``ValueError``/``KeyError``/``TypeError``) → :class:`PyngrokNgrokError`.
    """
    from typed_ngrok_agent_api.errors import UnexpectedStatus

    try:
        yield
    except httpx.TimeoutException as exc:
        raise PyngrokNgrokURLError(f"ngrok client exception, URLError: timed out ({url})", "timed out") from exc
    except httpx.TransportError as exc:
        reason = _transport_reason(exc)
        raise PyngrokNgrokURLError(f"ngrok client exception, URLError: {reason} ({url})", reason) from exc
    except UnexpectedStatus as exc:
        raise agent_http_error(url, exc.status_code, exc.content) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise PyngrokNgrokError(f"ngrok client exception, unreadable response from {url}: {exc!r}") from exc


_CLOUD_STATUS: dict[int, type[CloudAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def cloud_http_error(status_code: int, content: bytes | str, headers: Mapping[str, str] | None = None) -> CloudAPIError:
    """The exception for a cloud API (api.ngrok.com) answer with status >= 400.

    Reads ngrok's ``{"error_code": "ERR_NGROK_…", "status_code", "msg", "details": {"operation_id"}}`` when present.
    """
    body = _text(content)
    error_code: str | None = None
    message: str | None = None
    operation_id: str | None = None
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        code = data.get("error_code")
        error_code = str(code) if code else None
        msg = data.get("msg")
        message = str(msg) if msg else None
        details = data.get("details")
        if isinstance(details, dict) and details.get("operation_id"):
            operation_id = str(details["operation_id"])
    if operation_id is None and headers is not None:
        operation_id = {k.lower(): v for k, v in headers.items()}.get("ngrok-operation-id")
    cls = _CLOUD_STATUS.get(status_code, ServerError if status_code >= 500 else CloudAPIError)
    summary = message or _short(body) or "<empty body>"
    text = f"ngrok cloud API returned {status_code}" + (f" {error_code}" if error_code else "") + f": {summary}"
    return cls(text, status_code=status_code, error_code=error_code, operation_id=operation_id, body=body)


def _raise_cloud_transport(exc: httpx.TransportError) -> NoReturn:
    if isinstance(exc, httpx.TimeoutException):
        raise CloudConnectionError("ngrok cloud API timed out") from exc
    raise CloudConnectionError(f"ngrok cloud API unreachable: {_transport_reason(exc)}") from exc


@contextmanager
def translate_cloud_transport_errors() -> Iterator[None]:
    """Map httpx transport failures to :class:`CloudConnectionError` (timeouts included)."""
    try:
        yield
    except httpx.TransportError as exc:
        _raise_cloud_transport(exc)
