"""``AgentAPI``: one running agent's local API, sent over a kept-alive ``httpx`` transport (the sync shell).

Every decision lives in :mod:`typed_ngrok._agent_api.requests` (the request of each operation, the checks of its
answer, the error mapping through ``_errors``) and :mod:`typed_ngrok._agent_api.wire` (the ``httpx.Request`` built
from it); this shell only sends that request through its transport and hands the answer back, as the async twin
:class:`~typed_ngrok._agent_api.aio.AsyncAgentAPI` does with ``await``.

Also here, the one piece of module state of this concern: the shared ``AgentAPI`` per agent and timeout
(:func:`agent_api_for`, :func:`share_agent_api`, :func:`close_agent_api`), so every call to one agent reuses one
kept-alive connection. Async objects are owned by their agent process object instead (bound to one event loop).
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import Any, TypeVar

import httpx

from typed_ngrok._agent_api import requests as ops
from typed_ngrok._agent_api.requests import AgentRequest, JsonObject, read_answer
from typed_ngrok._agent_api.wire import PROBE_FAILURES, closed_error, default_transport, httpx_request, probe_request
from typed_ngrok._errors import translate_transport_errors

__all__ = ["AgentAPI", "agent_api_for", "close_agent_api", "share_agent_api"]

T = TypeVar("T")


class AgentAPI:
    """One agent's local API (``api_url`` such as ``http://127.0.0.1:4040``).

    Every method raises :class:`~typed_ngrok.exception.PyngrokNgrokHTTPError` (``TunnelNotFoundError`` for an
    unknown tunnel) when the agent refuses, :class:`~typed_ngrok.exception.PyngrokNgrokURLError` when it cannot be
    reached, does not answer within ``timeout`` seconds, or this object was closed, and
    :class:`~typed_ngrok.exception.PyngrokNgrokError` for an unreadable answer.
    """

    def __init__(self, api_url: str, *, timeout: float = 4.0, transport: httpx.BaseTransport | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._transport = transport if transport is not None else default_transport(self.api_url)
        self._timeout = httpx.Timeout(timeout).as_dict()
        self._mutate = threading.Lock()  # see 'Tunnel-table race' in requests
        self._closed = False

    def __repr__(self) -> str:
        return f"<AgentAPI: {self.api_url}>"

    def close(self) -> None:
        """Close the kept-alive connection(s); later calls raise ``PyngrokNgrokURLError``."""
        self._closed = True
        self._transport.close()

    def call(self, request: AgentRequest[T]) -> T:
        """Send ``request`` and return its checked result (see :func:`~typed_ngrok._agent_api.requests.read_answer`)."""
        url = self.api_url + request.target
        if self._closed:
            raise closed_error(url)
        with self._mutate if request.serialised else nullcontext(), translate_transport_errors(url):
            response = self._transport.handle_request(httpx_request(self.api_url, request, self._timeout))
            try:
                content = response.read()
            finally:
                response.close()
        return read_answer(request, url, response.status_code, content, response.headers)

    def probe_get(self, path: str, timeout: float) -> tuple[int, bytes] | None:
        """One readiness probe, ``GET path`` as the readiness flow asks (``Call("probe_get", (path, timeout))`` in
        ``_agent_process.readiness``), within its own ``timeout`` over this object's kept-alive connection, which the
        next call then reuses: the status and body, or None when it failed (never raises for that)."""
        try:
            response = self._transport.handle_request(probe_request(self.api_url, path, timeout))
            try:
                content = response.read()
            finally:
                response.close()
        except PROBE_FAILURES:
            return None
        return response.status_code, content

    # -- tunnels (v2 agents, and v3 agents older than 3.30) --
    def list_tunnels(self) -> list[JsonObject]:
        return self.call(ops.list_tunnels())

    def start_tunnel(self, body: dict[str, Any]) -> JsonObject:
        return self.call(ops.start_tunnel(body))

    def get_tunnel(self, name: str) -> JsonObject:
        return self.call(ops.get_tunnel(name))

    def stop_tunnel(self, name: str) -> None:
        self.call(ops.stop_tunnel(name))

    # -- endpoints (v3 >= 3.30) --
    def list_endpoints(self) -> list[JsonObject]:
        return self.call(ops.list_endpoints())

    def create_endpoint(self, body: dict[str, Any]) -> JsonObject:
        return self.call(ops.create_endpoint(body))

    def get_endpoint(self, name: str) -> JsonObject:
        return self.call(ops.get_endpoint(name))

    def stop_endpoint(self, name: str) -> None:
        self.call(ops.stop_endpoint(name))

    # -- captured requests --
    def list_requests(self, tunnel_name: str | None = None, limit: int | None = None) -> list[JsonObject]:
        return self.call(ops.list_requests(tunnel_name, limit))

    def get_request(self, request_id: str) -> JsonObject:
        return self.call(ops.get_request(request_id))

    def replay_request(self, request_id: str, tunnel_name: str | None = None) -> None:
        self.call(ops.replay_request(request_id, tunnel_name))

    def delete_requests(self) -> None:
        self.call(ops.delete_requests())

    # -- status (v3 >= 3.9) --
    def get_status(self) -> JsonObject:
        return self.call(ops.get_status())


_apis: dict[tuple[str, float], AgentAPI] = {}
_apis_lock = threading.Lock()


def agent_api_for(api_url: str, timeout: float = 4.0) -> AgentAPI:
    """The shared :class:`AgentAPI` (and so the kept-alive connection) for one agent and timeout."""
    key = (api_url.rstrip("/"), float(timeout))
    api = _apis.get(key)
    if api is None:
        with _apis_lock:
            api = _apis.get(key)
            if api is None:
                api = _apis[key] = AgentAPI(api_url, timeout=timeout)
    return api


def share_agent_api(api: AgentAPI) -> AgentAPI:
    """Make ``api`` the shared :class:`AgentAPI` for its agent and timeout (what :func:`agent_api_for` returns), so
    the connection it opened (e.g. a readiness probe's) is reused; when one is shared already, ``api`` is closed and
    that one is returned."""
    key = (api.api_url, float(api.timeout))
    with _apis_lock:
        shared = _apis.setdefault(key, api)
    if shared is not api:
        api.close()
    return shared


def close_agent_api(api_url: str | None) -> None:
    """Close and forget every shared :class:`AgentAPI` of one agent (after it was killed)."""
    if not api_url:
        return
    base = api_url.rstrip("/")
    with _apis_lock:
        doomed = [key for key in _apis if key[0] == base]
        apis = [_apis.pop(key) for key in doomed]
    for api in apis:
        api.close()
