"""``AgentAPI``: one running agent's local API, over the generated ``typed_ngrok_agent_api`` client.

One kept-alive httpx client per agent (per ``api_url`` and timeout, see :func:`agent_api_for`), an explicit
``httpx.Timeout``, ``raise_on_unexpected_status=True``, no proxies from the environment, and an injectable transport
(by default :class:`~typed_ngrok._transport.LoopbackTransport` for a loopback ``http://`` agent, which is every agent
typed-ngrok starts). The generated client is handed an :class:`~typed_ngrok._agent_http.AgentHttpClient`, a thin
``httpx.Client`` that skips httpx's cookie/auth/redirect layers for the generated functions' calls.
Every status >= 400 is turned into an exception by a response hook that hands the raw body to ``_errors``, so even
a non-JSON error page keeps its text; transport failures are mapped by ``_errors.translate_transport_errors``.
Methods return the agent's JSON as dicts: the very JSON the generated parser decoded (after it validated it into the
typed models), or ``to_dict()`` of the models when that JSON is not at hand; the async twin mirrors these names.
The three list operations send the request their generated function builds (its ``_get_kwargs``) through the same
client, and check the answer with ``_convert.list_items`` instead of building a model per item (see ``_convert``).
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import typed_ngrok_agent_api as agent_api
from typed_ngrok_agent_api.api.endpoints import create_endpoint, delete_endpoint, get_endpoint, list_endpoints
from typed_ngrok_agent_api.api.requests import delete_requests, get_request, list_requests, replay_request
from typed_ngrok_agent_api.api.status import get_status
from typed_ngrok_agent_api.api.tunnels import get_tunnel, list_tunnels, start_tunnel, stop_tunnel
from typed_ngrok_agent_api.models import (
    AgentStatus,
    CapturedRequest,
    Endpoint,
    ReplayRequest,
    Tunnel,
)
from typed_ngrok_agent_api.types import UNSET, Unset

from typed_ngrok._agent_http import AgentHttpClient
from typed_ngrok._convert import Model, endpoint_body, expect, list_items, model_data, tunnel_body
from typed_ngrok._errors import agent_http_error, translate_transport_errors
from typed_ngrok._readiness import interpret_probe, probe_paths
from typed_ngrok._transport import LoopbackTransport, is_loopback_http

__all__ = ["AgentAPI", "agent_api_for", "close_agent_api", "probe_agent", "raise_for_error_status", "share_agent_api"]

_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


def raise_for_error_status(response: httpx.Response) -> None:
    """httpx response hook: any status >= 400 becomes the mapped typed-ngrok exception (body read first)."""
    if response.status_code >= 400:
        response.read()
        raise agent_http_error(str(response.request.url), response.status_code, response.content, response.headers)


# Tunnel-table race: ngrok 2.3.41 adds and removes API tunnels in a map without a lock, so two concurrent
# ``POST /api/tunnels`` crash the agent with ``fatal error: concurrent map writes`` (exit 2; seen with 20 threads
# connecting at once). Each AgentAPI (one per agent) therefore sends tunnel-table changes one at a time; reads
# stay concurrent. AsyncAgentAPI does the same with an asyncio.Lock.


class AgentAPI:
    """One agent's local API (``api_url`` such as ``http://127.0.0.1:4040``).

    Every method raises :class:`~typed_ngrok.exception.PyngrokNgrokHTTPError` (``TunnelNotFoundError`` for an
    unknown tunnel) when the agent refuses, :class:`~typed_ngrok.exception.PyngrokNgrokURLError` when it cannot be
    reached or does not answer within ``timeout`` seconds, and
    :class:`~typed_ngrok.exception.PyngrokNgrokError` for an unreadable answer.
    """

    def __init__(self, api_url: str, *, timeout: float = 4.0, transport: httpx.BaseTransport | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        if transport is None:
            if is_loopback_http(self.api_url):
                transport = LoopbackTransport()
            else:  # e.g. web_addr 0.0.0.0 or a LAN address: httpx's own transport
                transport = httpx.HTTPTransport(limits=httpx.Limits(max_connections=32, max_keepalive_connections=8))
        self._client = agent_api.Client(base_url=self.api_url, raise_on_unexpected_status=True)
        # The generated client builds a plain httpx.Client lazily; hand it ours (same settings) up front instead.
        self._http = AgentHttpClient(
            base_url=self.api_url,
            headers=dict(_HEADERS),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            event_hooks={"response": [raise_for_error_status]},
            transport=transport,
        )
        self._client.set_httpx_client(self._http)
        self._transport = transport
        self._mutate = threading.Lock()

    def __repr__(self) -> str:
        return f"<AgentAPI: {self.api_url}>"

    def close(self) -> None:
        """Close the kept-alive connection(s)."""
        self._http.close()

    def _data(self, content: bytes, model: Model) -> dict[str, Any]:
        """The agent's JSON object for a parsed answer: the already decoded JSON when at hand, else ``to_dict()``."""
        raw = self._http.parsed_json(content)
        return raw if type(raw) is dict else model_data(model)

    def _list(self, request: dict[str, Any], key: str, item_model: type) -> list[dict[str, Any]]:
        """Send a list operation's request as the generated function builds it (``_get_kwargs``) and read the answer
        with :func:`~typed_ngrok._convert.list_items` rather than the generated list parser (see ``_convert``)."""
        url = self._url(request["url"])
        with translate_transport_errors(url):
            response = self._http.request(**request)
            self._http.forget_last()
            if response.status_code != 200:  # >= 400 was raised by the hook
                raise agent_http_error(url, response.status_code, response.content, response.headers)
            return list_items(response.json(), key, item_model, url)

    def _url(self, path: str) -> str:
        return f"{self.api_url}{path}"

    # -- tunnels (v2 agents, and v3 agents older than 3.30) --
    def list_tunnels(self) -> list[dict[str, Any]]:
        return self._list(list_tunnels._get_kwargs(), "tunnels", Tunnel)

    def start_tunnel(self, body: dict[str, Any]) -> dict[str, Any]:
        url = self._url("/api/tunnels")
        with self._mutate, translate_transport_errors(url):  # see 'Tunnel-table race' above
            response = start_tunnel.sync_detailed(client=self._client, body=tunnel_body(body))
            return self._data(response.content, expect(response.parsed, Tunnel, url))

    def get_tunnel(self, name: str) -> dict[str, Any]:
        url = self._url(f"/api/tunnels/{name}")
        with translate_transport_errors(url):
            response = get_tunnel.sync_detailed(name, client=self._client)
            return self._data(response.content, expect(response.parsed, Tunnel, url))

    def stop_tunnel(self, name: str) -> None:
        with (
            self._mutate,
            translate_transport_errors(self._url(f"/api/tunnels/{name}")),
        ):  # see 'Tunnel-table race' above
            stop_tunnel.sync_detailed(name, client=self._client)

    # -- endpoints (v3 >= 3.30) --
    def list_endpoints(self) -> list[dict[str, Any]]:
        return self._list(list_endpoints._get_kwargs(), "endpoints", Endpoint)

    def create_endpoint(self, body: dict[str, Any]) -> dict[str, Any]:
        url = self._url("/api/endpoints")
        with translate_transport_errors(url):
            response = create_endpoint.sync_detailed(client=self._client, body=endpoint_body(body))
            return self._data(response.content, expect(response.parsed, Endpoint, url))

    def get_endpoint(self, name: str) -> dict[str, Any]:
        url = self._url(f"/api/endpoints/{name}")
        with translate_transport_errors(url):
            response = get_endpoint.sync_detailed(name, client=self._client)
            return self._data(response.content, expect(response.parsed, Endpoint, url))

    def stop_endpoint(self, name: str) -> None:
        with translate_transport_errors(self._url(f"/api/endpoints/{name}")):
            delete_endpoint.sync_detailed(name, client=self._client)

    # -- captured requests --
    def list_requests(self, tunnel_name: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        name: str | Unset = UNSET if tunnel_name is None else tunnel_name
        count: int | Unset = UNSET if limit is None else limit
        return self._list(list_requests._get_kwargs(limit=count, tunnel_name=name), "requests", CapturedRequest)

    def get_request(self, request_id: str) -> dict[str, Any]:
        url = self._url(f"/api/requests/http/{request_id}")
        with translate_transport_errors(url):
            response = get_request.sync_detailed(request_id, client=self._client)
            return self._data(response.content, expect(response.parsed, CapturedRequest, url))

    def replay_request(self, request_id: str, tunnel_name: str | None = None) -> None:
        body = ReplayRequest(id=request_id, tunnel_name=UNSET if tunnel_name is None else tunnel_name)
        with translate_transport_errors(self._url("/api/requests/http")):
            replay_request.sync_detailed(client=self._client, body=body)

    def delete_requests(self) -> None:
        with translate_transport_errors(self._url("/api/requests/http")):
            delete_requests.sync_detailed(client=self._client)

    # -- status (v3 >= 3.9) --
    def get_status(self) -> dict[str, Any]:
        url = self._url("/api/status")
        with translate_transport_errors(url):
            response = get_status.sync_detailed(client=self._client)
            return self._data(response.content, expect(response.parsed, AgentStatus, url))


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


def probe_agent(api: AgentAPI, config_version: str, timeout: float) -> bool:
    """One readiness probe of ``api``'s agent (``GET /api/tunnels``; for config version 3 ``/api/endpoints`` first,
    falling back on a code-less 404) with its own ``timeout``, over the agent's kept-alive connection, which the next
    call through ``api`` then reuses. True on a 200; False for any other answer or failure (never raises for those).
    """
    for path in probe_paths(config_version):
        request = httpx.Request(
            "GET",
            api._url(path),
            headers={"Accept": "application/json"},
            extensions={"timeout": httpx.Timeout(max(timeout, 0.05)).as_dict()},
        )
        try:
            response = api._transport.handle_request(request)
            try:
                content = response.read()
            finally:
                response.close()
        except (httpx.HTTPError, httpx.StreamError, OSError, ValueError):
            return False
        verdict = interpret_probe(response.status_code, content)
        if verdict != "fallback":
            return verdict == "ok"
    return False


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
