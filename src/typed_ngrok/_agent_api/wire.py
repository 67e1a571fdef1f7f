"""What both agent API shells put on the wire: the ``httpx.Request`` for an :class:`AgentRequest`, the default
transport, the readiness probe's request, and the error for a call on a closed API object (no I/O here)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

import httpx

from typed_ngrok._agent_api.requests import AgentRequest
from typed_ngrok._agent_api.transport import LoopbackTransport, is_loopback_http
from typed_ngrok.exception import PyngrokNgrokURLError

__all__ = [
    "PROBE_FAILURES",
    "closed_error",
    "default_async_transport",
    "default_transport",
    "httpx_request",
    "probe_request",
]

_GET_HEADERS: Final = (("Accept", "application/json"),)
_BODY_HEADERS: Final = (("Accept", "application/json"), ("Content-Type", "application/json"))
_LIMITS: Final = httpx.Limits(max_connections=32, max_keepalive_connections=8)
_MIN_PROBE_TIMEOUT: Final = 0.05
#: What a failed probe may raise (a probe reports failure, it never raises).
PROBE_FAILURES: Final = (httpx.HTTPError, httpx.StreamError, OSError, ValueError)


@lru_cache(maxsize=256)
def _url(base: str, target: str) -> httpx.URL:
    """The parsed URL (immutable, so shared; parsing costs more than a loopback answer's JSON)."""
    return httpx.URL(base + target)


def httpx_request(base: str, request: AgentRequest[Any], timeout: dict[str, float | None]) -> httpx.Request:
    """The ``httpx.Request`` for ``request`` to the agent at ``base`` with the shell's ``timeout`` (as a dict)."""
    return httpx.Request(
        request.method,
        _url(base, request.target),
        headers=_BODY_HEADERS if request.body is not None else _GET_HEADERS,
        content=request.body,
        extensions={"timeout": timeout},
    )


def probe_request(base: str, path: str, timeout: float) -> httpx.Request:
    """A readiness probe: ``GET path`` with its own ``timeout`` (at least 50 ms)."""
    return httpx.Request(
        "GET",
        _url(base, path),
        headers=_GET_HEADERS,
        extensions={"timeout": httpx.Timeout(max(timeout, _MIN_PROBE_TIMEOUT)).as_dict()},
    )


def default_transport(api_url: str) -> httpx.BaseTransport:
    """:class:`~typed_ngrok._agent_api.transport.LoopbackTransport` for a loopback ``http://`` agent (every agent
    typed-ngrok starts), else httpx's own (e.g. web_addr 0.0.0.0 or a LAN address). No proxies from the environment:
    transports never read it."""
    if is_loopback_http(api_url):
        return LoopbackTransport()
    return httpx.HTTPTransport(limits=_LIMITS)


def default_async_transport() -> httpx.AsyncBaseTransport:
    """httpx's own async transport (kept-alive connections, no proxies from the environment)."""
    return httpx.AsyncHTTPTransport(limits=_LIMITS)


def closed_error(url: str) -> PyngrokNgrokURLError:
    """A call on an API object that was closed (its agent exited): the same text from both shells."""
    return PyngrokNgrokURLError(
        f"ngrok client exception, URLError: the agent's API connection was closed (the agent exited) ({url})",
        "closed",
    )
