"""The one place where HTTP statuses and transport failures become typed-ngrok exceptions.

Used by the sync and async agent wrappers (``_agent_api``), ``api_request`` and the cloud wrapper. Nothing here
does I/O: functions take a status, the raw body bytes and the response headers, so they work for httpx responses,
generated ``Response`` objects and ``UnexpectedStatus`` alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from typed_ngrok import _redact
from typed_ngrok.exception import (
    AuthenticationError,
    CloudAPIError,
    CloudConnectionError,
    CloudTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    ProcessStartError,
    PyngrokError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
    PyngrokSecurityError,
    RateLimitError,
    ServerError,
    TunnelNotFoundError,
)

if TYPE_CHECKING:
    from typed_ngrok.log import NgrokLog

__all__ = [
    "HTTPX_ERRORS",
    "TUNNEL_NOT_FOUND",
    "AgentErrorBody",
    "agent_http_error",
    "agent_not_running_error",
    "argument_error",
    "cloud_http_error",
    "cloud_parse_error",
    "cloud_transport_error",
    "command_failed_error",
    "decode_json_object",
    "httpx_error",
    "is_missing_route",
    "no_status_route_error",
    "parse_agent_error",
    "process_start_error",
    "raise_for_agent_status",
    "run_error",
    "start_crash_error",
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
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser's stack
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
    except (ValueError, RecursionError) as exc:
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


def _transport_reason(exc: Exception) -> str:
    """The reason of a transport failure, the same whichever I/O stack saw it: the operating system's error at the
    root of the cause chain when there is one (``[Errno 111] Connection refused`` — httpx's async stack words a refusal
    "All connection attempts failed" and keeps the OS error only as the cause), else the exception's own text."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno is not None:
            return f"[Errno {cause.errno}] {os.strerror(cause.errno)}"  # asyncio words it "Connect call failed (…)"
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    return text or type(exc).__name__


def argument_error(function: str, name: str, expected: str, value: object, *, show: bool = True) -> PyngrokError:
    """``<function>() "<name>" must be <expected>, got <value>`` for a bad argument, refused before any I/O.

    ``show=False`` names only the value's type (for secrets such as ``auth``).
    """
    try:
        shown = repr(value) if show else type(value).__name__
    except Exception:  # a repr that fails (an int past the digit limit, a broken __repr__)
        shown = f"a {type(value).__name__}"
    if len(shown) > 200:
        shown = shown[:200] + "…"
    return PyngrokError(f'{function}() "{name}" must be {expected}, got {shown}')


#: Every exception class httpx raises from sending a request or reading its answer (the whole tree: ``HTTPError``
#: and the three roots outside it).
HTTPX_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError)


def httpx_error(url: str, exc: Exception) -> PyngrokError:
    """The typed-ngrok exception for an httpx exception raised while sending to ``url`` or reading its answer.

    - ``TimeoutException`` → :class:`PyngrokNgrokURLError`, reason ``"timed out"``;
    - ``TooManyRedirects`` (a redirect loop) → :class:`PyngrokNgrokURLError`, reason ``"too many redirects"``;
    - ``UnsupportedProtocol`` (only a redirect can lead there: the URL itself is checked first) →
      :class:`PyngrokSecurityError`;
    - any other ``TransportError`` / ``RequestError`` (refused, reset, protocol error, proxy) →
      :class:`PyngrokNgrokURLError` with httpx's text as the reason;
    - ``InvalidURL`` → :class:`PyngrokNgrokURLError`, reason ``"invalid URL"``;
    - ``DecodingError`` (a body whose ``Content-Encoding`` cannot be undone) → :class:`PyngrokNgrokError`;
    - ``HTTPStatusError`` → :func:`agent_http_error` with its response;
    - ``CookieConflict``, ``StreamError`` (``StreamConsumed``, ``StreamClosed``, ``ResponseNotRead``,
      ``RequestNotRead``) and anything else → :class:`PyngrokNgrokError`.
    """
    if isinstance(exc, httpx.TimeoutException):
        return PyngrokNgrokURLError(f"ngrok client exception, URLError: timed out ({url})", "timed out")
    if isinstance(exc, httpx.TooManyRedirects):
        return PyngrokNgrokURLError(
            f"ngrok client exception, URLError: too many redirects, {url} redirects in a loop or too often: {exc}",
            "too many redirects",
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return PyngrokSecurityError(f'URL must start with "http": {url} led to a refused URL ({exc})')
    if isinstance(exc, httpx.RequestError):
        reason = _transport_reason(exc)
        if isinstance(exc, httpx.DecodingError):
            return PyngrokNgrokError(f"ngrok client exception, the response from {url} could not be decoded: {reason}")
        return PyngrokNgrokURLError(f"ngrok client exception, URLError: {reason} ({url})", reason)
    if isinstance(exc, httpx.InvalidURL):
        return PyngrokNgrokURLError(f"ngrok client exception, URLError: invalid URL: {exc} ({url})", "invalid URL")
    if isinstance(exc, httpx.HTTPStatusError):
        response = exc.response
        try:
            body = response.content
        except httpx.ResponseNotRead:
            body = b""
        return agent_http_error(url, response.status_code, body, response.headers)
    return PyngrokNgrokError(f"ngrok client exception, {type(exc).__name__}: {_transport_reason(exc)} ({url})")


@contextmanager
def translate_transport_errors(url: str) -> Iterator[None]:
    """Map failures inside the block to the pyngrok tree.

    Every httpx exception → :func:`httpx_error` (timeouts, unreachable, redirect loops → :class:`PyngrokNgrokURLError`),
    the generated client's ``UnexpectedStatus`` → :func:`agent_http_error`, and a body the generated models cannot
    read (``ValueError``/``KeyError``/``TypeError``/``AttributeError``, or JSON nested deeper than the parser's stack)
    → :class:`PyngrokNgrokError`.
    """
    from typed_ngrok_agent_api.errors import UnexpectedStatus

    try:
        yield
    except HTTPX_ERRORS as exc:
        raise httpx_error(url, exc) from exc
    except UnexpectedStatus as exc:
        raise agent_http_error(url, exc.status_code, exc.content) from exc
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PyngrokNgrokError(f"ngrok client exception, unreadable response from {url}: {exc!r}") from exc


# ---- the ngrok binary (sync and async launchers, one-shot commands) -----------------------------------------------

_OUTPUT_LINES = 20  # how much of a failed start's output goes into the message (all of it is in ``ngrok_logs``)
_OUTPUT_CHARS = 4000


def _output_block(lines: Sequence[str]) -> str:
    if not lines:
        return " It printed nothing."
    shown = list(lines[-_OUTPUT_LINES:])
    text = "\n".join(shown)
    if len(text) > _OUTPUT_CHARS:
        text = "…" + text[-_OUTPUT_CHARS:]
    skipped = len(lines) - len(shown)
    head = f" Its last {len(shown)} of {len(lines)} output lines:" if skipped else " Its output:"
    return f"{head}\n{text}"


def process_start_error(
    why: str,
    *,
    error: str | None,
    returncode: int | None,
    logs: Sequence[NgrokLog],
    startup_timeout: float | int | str,
) -> ProcessStartError:
    """The exception for a failed agent start, the same text from the sync and the async launcher.

    ``why`` is ``"fatal"`` (a fatal line), ``"exited"`` (the process ended) or ``"timeout"`` (not ready before
    ``startup_timeout``). ``error`` is the agent's own error text, ``logs`` what it printed (already redacted: the
    launchers mask secrets before storing a line); the message quotes its last lines when there is no error text.
    """
    lines = [log.line for log in logs]
    if why == "fatal" or (why == "exited" and error):
        message = f"The ngrok process errored on start: {error}."
    elif why == "exited":
        message = f"The ngrok process was unable to start: it exited with code {returncode}." + _output_block(lines)
    else:
        message = f"The ngrok process was unable to start: not ready within {startup_timeout} seconds" + (
            f"; last error: {error}." if error else "."
        )
        message += _output_block(lines)
    return ProcessStartError(message, list(logs), error)


def start_crash_error(exc: Exception, logs: Sequence[NgrokLog]) -> ProcessStartError:
    """An unexpected failure inside a launcher's start (not the agent's doing), for both launchers."""
    return ProcessStartError(f"The ngrok process errored on start: {exc}.", list(logs))


def run_error(ngrok_path: str, exc: OSError, *, start: bool) -> PyngrokNgrokError:
    """The binary could not be executed (missing interpreter, no exec permission, …): for an agent start
    (:class:`ProcessStartError`) or a one-shot command."""
    if start:
        return ProcessStartError(f"The ngrok process could not be started from {ngrok_path}: {exc}")
    return PyngrokNgrokError(f"The ngrok process could not be run from {ngrok_path}: {exc}")


def agent_not_running_error(ngrok_path: str, api_url: str, cause: PyngrokNgrokURLError) -> PyngrokNgrokURLError:
    """The agent a tunnel belongs to is gone (killed, crashed, stopped): said plainly instead of "Connection refused".

    ``reason`` is ``"agent not running"``; the transport's own reason stays in the message.
    """
    return PyngrokNgrokURLError(
        f'ngrok client exception, URLError: the ngrok agent for "ngrok_path" {ngrok_path} is not running: its API at '
        f"{api_url} does not answer ({cause.reason}). Start it again (connect() or get_ngrok_process()) and use the new "
        "tunnels.",
        "agent not running",
    )


def command_failed_error(returncode: int | None, output: str) -> PyngrokNgrokError:
    """A one-shot command (``--version``, ``update``, ``api …``) exited non-zero; ``output`` is already masked."""
    return PyngrokNgrokError(f"The ngrok process exited with code {returncode}: {output}", [], output)


_CLOUD_STATUS: dict[int, type[CloudAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


_CLOUD_HINTS: dict[type[CloudAPIError], str] = {
    AuthenticationError: "check the API key (api_key= or NGROK_API_KEY; an API key, not an agent authtoken)",
    PermissionDeniedError: "the API key may not do this (its owner's role, or the account's IP restrictions)",
    RateLimitError: "rate limited (120 requests per minute per account): back off and retry",
    ServerError: "ngrok's side failed: retry later",
}


def cloud_http_error(
    status_code: int, content: bytes | str, headers: Mapping[str, str] | None = None, *, where: str = ""
) -> CloudAPIError:
    """The exception for a cloud API (api.ngrok.com) answer with status >= 400 (or any other non-2xx).

    Reads ngrok's ``{"error_code": "ERR_NGROK_…", "status_code", "msg", "details": {"operation_id"}}`` when present;
    any other body (text, HTML, JSON without ``details``) is kept whole in ``body``. ``where`` names the call.
    """
    body = _text(content)
    error_code: str | None = None
    message: str | None = None
    operation_id: str | None = None
    try:
        data = json.loads(body) if body else None
    except (ValueError, RecursionError):
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
    if where:
        text += f" [{where}]"
    if operation_id:
        text += f" (operation {operation_id})"
    if cls in _CLOUD_HINTS:
        text += f"; {_CLOUD_HINTS[cls]}"
    return cls(text, status_code=status_code, error_code=error_code, operation_id=operation_id, body=body)


def cloud_parse_error(status_code: int, content: bytes | str, reason: str, *, where: str = "") -> CloudAPIError:
    """A 2xx cloud answer that is not what the operation promises (bad JSON, a missing or null required field, a bad
    timestamp): :class:`CloudAPIError` with the raw body."""
    body = _text(content)
    text = f"ngrok cloud API answered {status_code} with an unreadable body: {reason}" + (
        f" [{where}]" if where else ""
    )
    return CloudAPIError(text + f": {_short(body) or '<empty body>'}", status_code=status_code, body=body)


def cloud_transport_error(exc: Exception, *, where: str = "", secrets: Sequence[str] = ()) -> CloudAPIError:
    """The exception for an httpx failure talking to the cloud API: :class:`CloudTimeoutError` for a timeout,
    :class:`CloudConnectionError` for any other transport failure, :class:`CloudAPIError` for the rest (an
    undecodable answer, an invalid URL). ``secrets`` are masked from the text."""
    suffix = f" [{where}]" if where else ""
    reason = _redact.redact(_transport_reason(exc), secrets)
    if isinstance(exc, httpx.TimeoutException):
        return CloudTimeoutError(f"ngrok cloud API timed out ({type(exc).__name__}){suffix}")
    if isinstance(exc, httpx.TransportError):
        return CloudConnectionError(f"ngrok cloud API unreachable: {reason}{suffix}")
    return CloudAPIError(f"ngrok cloud API call failed: {reason}{suffix}")


@contextmanager
def translate_cloud_transport_errors() -> Iterator[None]:
    """Map httpx transport failures to :class:`CloudConnectionError` (timeouts: :class:`CloudTimeoutError`)."""
    try:
        yield
    except httpx.TransportError as exc:
        raise cloud_transport_error(exc) from exc
