"""pyngrok-compatible inspection API: the agent's status and its captured HTTP requests.

Same names, signatures and defaults as ``pyngrok.agent`` 9.1.0, plus on purpose:

- ``get_requests(..., *, limit=None)``: a keyword-only ``limit`` after pyngrok's parameters; ``tunnel_name`` is
  matched exactly (the agent itself matches it as a prefix, so ``web`` would also return ``web (http)``); the list is
  sorted here, newest ``start`` first (the agent's own order is not the arrival order), and ``limit`` keeps the newest.
- ``CapturedRequest.parsed_request()``/``parsed_response()`` decode the base64 ``raw`` wire bytes into method or
  status, headers and body bytes; :attr:`HttpMessage.decoded_body`, ``text()`` and ``json()`` undo chunked framing
  and gzip/deflate compression.
- A response the upstream has not sent yet is ``None`` (``CapturedRequest.response``, ``raw_response()``,
  ``parsed_response()``; ``pending`` is True), whatever placeholder the agent sends for it.
- Request ids and tunnel names are checked before any I/O (``get_request("")`` raises
  :class:`~typed_ngrok.exception.PyngrokError` naming ``request_id``), and an agent answer of an unexpected shape
  raises :class:`~typed_ngrok.exception.PyngrokNgrokError`, never ``AttributeError``/``TypeError``.
- ``get_agent_status`` on an agent without ``/api/status`` (v2 agents such as 2.3.41, v3 before 3.9) raises a
  :class:`~typed_ngrok.exception.PyngrokNgrokHTTPError` saying so, rather than a bare 404.

Every function starts the agent when it is not running (as pyngrok does).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypedDict

from typed_ngrok._shapes import agent_object, optional_int, optional_object, optional_str, shown
from typed_ngrok._tunnels import captured as _captured
from typed_ngrok._tunnels.http_message import HttpMessage, decode_raw, parse_http_message
from typed_ngrok._tunnels.resolve import resolve_config
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokError

if TYPE_CHECKING:
    from typed_ngrok._agent_api.sync import AgentAPI
    from typed_ngrok._tunnels.flows import Agent

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
    """A captured request's ``response`` block (``CapturedRequest.response`` is None while it is pending)."""

    status: str
    status_code: int
    proto: str
    headers: dict[str, list[str]]
    raw: str


class NgrokAgent:
    """The agent's ``/api/status``: ``status``, ``agent_version``, ``session``, ``uri``, and the raw ``data``.

    Raises:
        PyngrokNgrokError: ``data`` is not a dict, or one of those keys holds another type than its attribute's.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        what = "agent status"
        self.data = agent_object(data, what)
        self.status: str | None = optional_str(data, "status", what)
        self.agent_version: str | None = optional_str(data, "agent_version", what)
        self.session: dict[str, Any] | None = optional_object(data, "session", what)
        self.uri: str | None = optional_str(data, "uri", what)

    def __repr__(self) -> str:
        return f'<NgrokAgent: "{self.uri}">'

    def __str__(self) -> str:
        return f'NgrokAgent: "{self.uri}"'


def _request_id(data: dict[str, Any]) -> str:
    """The captured request's ``id``: the agent always sends one, and every follow-up call needs it."""
    raw = data.get("id") if isinstance(data, dict) else None
    if not isinstance(raw, str) or not raw:
        raise PyngrokNgrokError(
            f'malformed captured request from the ngrok agent: it must have a non-empty str "id", got '
            f"{shown(raw)} ({type(raw).__name__})."
        )
    return raw


class CapturedRequest:
    """One captured HTTP exchange (``data`` is the agent's JSON as it came; ``duration`` is in ns).

    ``id`` is a ``str``: an entry without one is refused at construction (``PyngrokNgrokError``), since the agent
    always sends it and ``get_request``/``replay_request`` need it.

    ``request`` and ``response`` are the agent's blocks with ``null`` values left out. ``response`` is None while the
    upstream has not answered (:attr:`pending`): 2.3.41 then sends a placeholder (``status_code`` 0, ``raw`` null)
    rather than the documented ``null``; both read as None, as do ``raw_response()`` and ``parsed_response()``.

    Raises:
        PyngrokNgrokError: ``data`` is not a dict, or a key holds another type than its attribute's (e.g. a number for
            ``duration``); other missing keys are None. ``request``/``response`` are checked on first access (a list
            for ``request`` raises then).
    """

    def __init__(self, data: dict[str, Any]) -> None:
        what = "captured request"
        self.data = agent_object(data, what)
        self.id: str = _request_id(data)
        self.uri: str | None = optional_str(data, "uri", what)
        self.tunnel_name: str | None = optional_str(data, "tunnel_name", what)
        self.remote_addr: str | None = optional_str(data, "remote_addr", what)
        self.start: str | None = optional_str(data, "start", what)
        self.duration: int | None = optional_int(data, "duration", what)

    # The two blocks are checked and copied on first use: a listing of 100 entries need not pay for headers and
    # wire bytes it never reads (the checks and errors are the same, they only happen later).
    @functools.cached_property
    def request(self) -> CapturedHttpRequest | None:
        """The agent's ``request`` block (``null`` values left out).

        Raises:
            PyngrokNgrokError: the block is not an object, or a key holds another type (on first access).
        """
        block: CapturedHttpRequest | None = _captured.http_block(
            self.data.get("request"), "request", _captured.REQUEST_FIELDS
        )
        return block

    @functools.cached_property
    def response(self) -> CapturedHttpResponse | None:
        """The agent's ``response`` block, or None while :attr:`pending`.

        Raises:
            PyngrokNgrokError: the block is not an object, or a key holds another type (on first access).
        """
        block = _captured.http_block(self.data.get("response"), "response", _captured.RESPONSE_FIELDS)
        answer: CapturedHttpResponse | None = None if block is None or _captured.is_pending(block) else block
        return answer

    @property
    def pending(self) -> bool:
        """True while the upstream has not answered (``response`` is None)."""
        return self.response is None

    def __repr__(self) -> str:
        return f'<CapturedRequest: "{self.id}">'

    def __str__(self) -> str:
        return f'CapturedRequest: "{self.id}"'

    def raw_request(self) -> bytes:
        """The request's wire bytes (request line, headers, body); empty when the agent sent none.

        Raises:
            PyngrokNgrokError: ``raw`` is not valid base64.
        """
        return decode_raw((self.request or {}).get("raw", ""))

    def raw_response(self) -> bytes | None:
        """The response's wire bytes; None while :attr:`pending` (or when the agent sent no ``raw``).

        Raises:
            PyngrokNgrokError: ``raw`` is not valid base64.
        """
        if self.response is None or "raw" not in self.response:
            return None
        return decode_raw(self.response["raw"])

    def parsed_request(self) -> HttpMessage:
        """The request as method, target, headers and body bytes (``decoded_body``/``json()`` undo chunking and
        compression).

        Raises:
            PyngrokNgrokError: it cannot be decoded (invalid base64, no request line).
        """
        return parse_http_message(self.raw_request())

    def parsed_response(self) -> HttpMessage | None:
        """The response as status code, headers and body bytes; None while :attr:`pending`.

        Raises:
            PyngrokNgrokError: it cannot be decoded (invalid base64, no status line).
        """
        wire = self.raw_response()
        return None if wire is None else parse_http_message(wire)


def _api(pyngrok_config: PyngrokConfig | None) -> Agent[AgentAPI]:
    from typed_ngrok import ngrok

    return ngrok._agent(resolve_config(pyngrok_config))


def get_agent_status(pyngrok_config: PyngrokConfig | None = None) -> NgrokAgent:
    """The agent's status (``GET /api/status``, ngrok >= 3.9).

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokHTTPError: the agent has no ``/api/status`` (v2 agents, v3 before 3.9), or refused.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    agent = _api(pyngrok_config)
    return run_sync(flows.agent_status(agent), agent.api)


def get_requests(
    tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None, *, limit: int | None = None
) -> list[CapturedRequest]:
    """Captured requests, newest first; only those of ``tunnel_name`` (exact match) when given; the newest ``limit``
    of them when given.

    The agent's own order is not the arrival order (2.3.41 sorts by id, random within a second, so its ``limit``
    keeps an arbitrary one of the requests of the last second), so every captured request is fetched (``limit`` is
    not sent to the agent) and sorted here: by ``start``, newest first, ties by ``id`` descending; then cut to
    ``limit``. 2.3.41 records ``start`` to the second, so requests that started within the same second come in that
    fixed id order, not necessarily their arrival order.

    Args:
        tunnel_name: only the requests of the tunnel with exactly this name; None: every tunnel's.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.
        limit: at most this many (the newest) requests; None: all of them.

    Raises:
        PyngrokError: ``tunnel_name`` is not None or a non-empty string, or ``limit`` is not None or an int >= 1
            (before any I/O).
        PyngrokNgrokError: the agent's answer is malformed.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    flow = flows.get_requests(tunnel_name, limit)
    return run_sync(flow, _api(pyngrok_config).api)


def get_request(request_id: str, pyngrok_config: PyngrokConfig | None = None) -> CapturedRequest:
    """One captured request by id.

    Args:
        request_id: the ``id`` of a captured request (``CapturedRequest.id``).
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokError: ``request_id`` is not a non-empty string, is ``.``/``..`` or holds ``/`` or a control character
            (before any I/O).
        PyngrokNgrokHTTPError: unknown id (404, ``error_code`` 106).
        PyngrokNgrokError: the agent's answer is malformed.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    flow = flows.get_request(request_id)
    return run_sync(flow, _api(pyngrok_config).api)


def replay_request(
    request_id: str, tunnel_name: str | None = None, pyngrok_config: PyngrokConfig | None = None
) -> None:
    """Replay a captured request to its upstream (or through ``tunnel_name``'s upstream).

    Args:
        request_id: the ``id`` of a captured request (``CapturedRequest.id``).
        tunnel_name: replay through this tunnel's upstream instead of the request's own tunnel; None: its own.
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokError: ``request_id`` or ``tunnel_name`` is malformed (as for :func:`get_request` and
            :func:`get_requests`; before any I/O).
        PyngrokNgrokHTTPError: unknown id (404, 106); ``TunnelNotFoundError`` for an unknown ``tunnel_name``.
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    flow = flows.replay_request(request_id, tunnel_name)
    run_sync(flow, _api(pyngrok_config).api)


def delete_requests(pyngrok_config: PyngrokConfig | None = None) -> None:
    """Delete every captured request.

    Args:
        pyngrok_config: the agent to use and its settings (``ngrok_path``, ``edge``, timeouts, ...); None uses
            :func:`typed_ngrok.conf.get_default`.

    Raises:
        PyngrokNgrokURLError: the agent's API is unreachable or did not answer within ``request_timeout``.
    """
    from typed_ngrok._drive import run_sync
    from typed_ngrok._tunnels import flows

    run_sync(flows.delete_requests(), _api(pyngrok_config).api)
