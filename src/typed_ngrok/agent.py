"""pyngrok-compatible inspection API: the agent's status and its captured HTTP requests.

Same names, signatures and defaults as ``pyngrok.agent`` 9.1.0, plus on purpose:

- ``get_requests(..., *, limit=None)``: a keyword-only ``limit`` after pyngrok's parameters; ``tunnel_name`` is
  matched exactly (the agent itself matches it as a prefix, so ``web`` would also return ``web (http)``).
- ``CapturedRequest.parsed_request()``/``parsed_response()`` decode the base64 ``raw`` wire bytes into method or
  status, headers and body bytes.
- ``get_agent_status`` on an agent without ``/api/status`` (v2 agents such as 2.3.41, v3 before 3.9) raises a
  :class:`~typed_ngrok.exception.PyngrokNgrokHTTPError` saying so, rather than a bare 404.

Every function starts the agent when it is not running (as pyngrok does).
"""

from __future__ import annotations

from typing import Any, TypedDict

from typed_ngrok._http_message import HttpMessage, decode_raw, parse_http_message
from typed_ngrok._surface import check_limit, resolve_config
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokHTTPError

__all__ = [
    "CapturedHttpRequest",
    "CapturedHttpResponse",
    "CapturedRequest",
    "HttpMessage",
    "NgrokAgent",
    "delete_requests",
    "get_agent_status",
    "get_request",
    "get_requests",
    "replay_request",
]


class CapturedHttpRequest(TypedDict, total=False):
    """A captured request's ``request`` block."""

    method: str
    proto: str
    headers: dict[str, list[str]]
    uri: str
    raw: str


class CapturedHttpResponse(TypedDict, total=False):
    """A captured request's ``response`` block (None while the response is pending)."""

    status: str
    status_code: int
    proto: str
    headers: dict[str, list[str]]
    raw: str


class NgrokAgent:
    """The agent's ``/api/status``: ``status``, ``agent_version``, ``session``, ``uri``, and the raw ``data``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.status: str | None = data.get("status")
        self.agent_version: str | None = data.get("agent_version")
        self.session: dict[str, Any] | None = data.get("session")
        self.uri: str | None = data.get("uri")

    def __repr__(self) -> str:
        return f'<NgrokAgent: "{self.uri}">'

    def __str__(self) -> str:
        return f'NgrokAgent: "{self.uri}"'


def _request_id(data: dict[str, Any]) -> str:
    """The captured request's ``id``: the agent always sends one, and every follow-up call needs it."""
    raw = data.get("id") if isinstance(data, dict) else None
    if not isinstance(raw, str) or not raw:
        raise PyngrokError(f'a captured request must have a non-empty str "id", got {raw!r} ({type(raw).__name__}).')
    return raw


class CapturedRequest:
    """One captured HTTP exchange (``data`` is the agent's JSON; ``duration`` is in ns).

    ``id`` is a ``str``: an entry without one is refused at construction (``PyngrokError``), since the agent
    always sends it and ``get_request``/``replay_request`` need it.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.id: str = _request_id(data)
        self.uri: str | None = data.get("uri")
        self.tunnel_name: str | None = data.get("tunnel_name")
        self.remote_addr: str | None = data.get("remote_addr")
        self.start: str | None = data.get("start")
        self.duration: int | None = data.get("duration")
        self.request: CapturedHttpRequest | None = data.get("request")  # data is dict[str, Any]: no cast call
        self.response: CapturedHttpResponse | None = data.get("response")

    def __repr__(self) -> str:
        return f'<CapturedRequest: "{self.id}">'

    def __str__(self) -> str:
        return f'CapturedRequest: "{self.id}"'

    def raw_request(self) -> bytes:
        """The request's wire bytes (request line, headers, body). Raises PyngrokError on invalid base64."""
        return decode_raw((self.request or {}).get("raw", ""))

    def raw_response(self) -> bytes | None:
        """The response's wire bytes, or None while pending. Raises PyngrokError on invalid base64."""
        if not self.response or "raw" not in self.response:
            return None
        return decode_raw(self.response["raw"])

    def parsed_request(self) -> HttpMessage:
        """The request as method, target, headers and body bytes. Raises PyngrokError when it cannot be decoded."""
        return parse_http_message(self.raw_request())

    def parsed_response(self) -> HttpMessage | None:
        """The response as status code, headers and body bytes; None while pending."""
        wire = self.raw_response()
        return None if wire is None else parse_http_message(wire)


def _api(pyngrok_config: PyngrokConfig | None) -> Any:
    from typed_ngrok import ngrok

    cfg = resolve_config(pyngrok_config)
    _process, api, _registry = ngrok._agent(cfg)
    return api


def get_agent_status(pyngrok_config: PyngrokConfig | None = None) -> NgrokAgent:
    """The agent's status (``GET /api/status``, ngrok >= 3.9).

    Raises:
        PyngrokNgrokHTTPError: the agent has no ``/api/status`` (v2 agents, v3 before 3.9), or refused.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    from typed_ngrok._errors import no_status_route_error

    api = _api(pyngrok_config)
    try:
        return NgrokAgent(api.get_status())
    except PyngrokNgrokHTTPError as exc:
        error = no_status_route_error(api.api_url, exc)
        if error is None:
            raise
        raise error from exc


def get_requests(
    tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None, *, limit: int | None = None
) -> list[CapturedRequest]:
    """Captured requests, newest first; only those of ``tunnel_name`` (exact match) when given; at most ``limit``
    (applied by the agent before the exact-name filter).

    Raises:
        PyngrokError: ``limit`` is not None or an int >= 1 (before any I/O).
        PyngrokNgrokHTTPError: the agent refused.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    check_limit(limit)
    items = _api(pyngrok_config).list_requests(tunnel_name=tunnel_name, limit=limit)
    requests = [CapturedRequest(item) for item in items]
    if tunnel_name is not None:
        requests = [r for r in requests if r.tunnel_name == tunnel_name]
    return requests


def get_request(request_id: str, pyngrok_config: PyngrokConfig | None = None) -> CapturedRequest:
    """One captured request by id.

    Raises:
        PyngrokNgrokHTTPError: unknown id (404, ``error_code`` 106).
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    return CapturedRequest(_api(pyngrok_config).get_request(request_id))


def replay_request(
    request_id: str, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None
) -> None:
    """Replay a captured request to its upstream (or through ``tunnel_name``'s upstream).

    Raises:
        PyngrokNgrokHTTPError: unknown id (404, 106); ``TunnelNotFoundError`` for an unknown ``tunnel_name``.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    _api(pyngrok_config).replay_request(request_id, tunnel_name)


def delete_requests(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Delete every captured request.

    Raises:
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    _api(pyngrok_config).delete_requests()
