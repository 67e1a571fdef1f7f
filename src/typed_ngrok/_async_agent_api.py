"""``AsyncAgentAPI``: the async twin of :class:`typed_ngrok._agent_api.AgentAPI` (same method names and results).

It composes the same generated ``typed_ngrok_agent_api`` client, calling its ``asyncio_detailed`` functions over one
kept-alive ``httpx.AsyncClient`` (the list operations send their generated request and read the answer with
``_convert.list_items``, as the sync twin does). Statuses >= 400 are mapped by an async response hook that reads the
raw body and hands it to ``_errors.agent_http_error`` (as the sync twin's hook does); transport failures go through
``_errors.translate_transport_errors``. A request on an API object that was already closed (its agent exited) is a
:class:`~typed_ngrok.exception.PyngrokNgrokURLError`, never httpx's ``RuntimeError``.

Also here: :func:`send_api_request`, the async core of ``aio.api_request`` (pyngrok's contract, as in
``_api_request``).

An ``httpx.AsyncClient`` belongs to the event loop it first ran on, so these objects are owned by one agent process
object (which is itself bound to one loop), not cached globally as the sync ones are.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
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

from typed_ngrok._api_request import prepare_api_request, read_api_response
from typed_ngrok._convert import endpoint_body, expect, list_items, model_data, tunnel_body
from typed_ngrok._errors import agent_http_error, translate_transport_errors
from typed_ngrok.exception import PyngrokNgrokURLError

__all__ = ["AsyncAgentAPI", "araise_for_error_status", "send_api_request"]

_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


async def araise_for_error_status(response: httpx.Response) -> None:
    """Async httpx response hook: any status >= 400 becomes the mapped typed-ngrok exception (body read first)."""
    if response.status_code >= 400:
        await response.aread()
        raise agent_http_error(str(response.request.url), response.status_code, response.content, response.headers)


@asynccontextmanager
async def _translate(url: str) -> AsyncIterator[None]:
    """``translate_transport_errors`` plus the closed-client case (the agent exited and its API object was closed)."""
    try:
        with translate_transport_errors(url):
            yield
    except RuntimeError as exc:
        if "client has been closed" not in str(exc):
            raise
        raise PyngrokNgrokURLError(
            f"ngrok client exception, URLError: the agent's API connection was closed (the agent exited) ({url})",
            "closed",
        ) from exc


class AsyncAgentAPI:
    """One agent's local API (``api_url`` such as ``http://127.0.0.1:4040``), awaited.

    Every method raises :class:`~typed_ngrok.exception.PyngrokNgrokHTTPError` (``TunnelNotFoundError`` for an
    unknown tunnel) when the agent refuses, :class:`~typed_ngrok.exception.PyngrokNgrokURLError` when it cannot be
    reached, does not answer within ``timeout`` seconds, or this object was closed, and
    :class:`~typed_ngrok.exception.PyngrokNgrokError` for an unreadable answer.
    """

    def __init__(
        self, api_url: str, *, timeout: float = 4.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        httpx_args: dict[str, Any] = {
            "trust_env": False,
            "event_hooks": {"response": [araise_for_error_status]},
            "limits": httpx.Limits(max_connections=32, max_keepalive_connections=8),
        }
        if transport is not None:
            httpx_args["transport"] = transport
        self._client = agent_api.Client(
            base_url=self.api_url,
            headers=dict(_HEADERS),
            timeout=httpx.Timeout(timeout),
            raise_on_unexpected_status=True,
            httpx_args=httpx_args,
        )
        self._client.get_async_httpx_client()
        self._mutate = asyncio.Lock()  # tunnel-table changes one at a time: see 'Tunnel-table race' in _agent_api

    def __repr__(self) -> str:
        return f"<AsyncAgentAPI: {self.api_url}>"

    async def close(self) -> None:
        """Close the kept-alive connection(s); later calls raise ``PyngrokNgrokURLError``."""
        await self._client.get_async_httpx_client().aclose()

    def _url(self, path: str) -> str:
        return f"{self.api_url}{path}"

    async def _list(self, request: dict[str, Any], key: str, item_model: type) -> list[dict[str, Any]]:
        """As ``AgentAPI._list``: the generated request, checked by ``_convert.list_items``."""
        url = self._url(request["url"])
        async with _translate(url):
            response = await self._client.get_async_httpx_client().request(**request)
            if response.status_code != 200:  # >= 400 was raised by the hook
                raise agent_http_error(url, response.status_code, response.content, response.headers)
            return list_items(response.json(), key, item_model, url)

    # -- tunnels (v2 agents, and v3 agents older than 3.30) --
    async def list_tunnels(self) -> list[dict[str, Any]]:
        return await self._list(list_tunnels._get_kwargs(), "tunnels", Tunnel)

    async def start_tunnel(self, body: dict[str, Any]) -> dict[str, Any]:
        url = self._url("/api/tunnels")
        async with self._mutate, _translate(url):
            response = await start_tunnel.asyncio_detailed(client=self._client, body=tunnel_body(body))
            return model_data(expect(response.parsed, Tunnel, url))

    async def get_tunnel(self, name: str) -> dict[str, Any]:
        url = self._url(f"/api/tunnels/{name}")
        async with _translate(url):
            response = await get_tunnel.asyncio_detailed(name, client=self._client)
            return model_data(expect(response.parsed, Tunnel, url))

    async def stop_tunnel(self, name: str) -> None:
        async with self._mutate, _translate(self._url(f"/api/tunnels/{name}")):
            await stop_tunnel.asyncio_detailed(name, client=self._client)

    # -- endpoints (v3 >= 3.30) --
    async def list_endpoints(self) -> list[dict[str, Any]]:
        return await self._list(list_endpoints._get_kwargs(), "endpoints", Endpoint)

    async def create_endpoint(self, body: dict[str, Any]) -> dict[str, Any]:
        url = self._url("/api/endpoints")
        async with _translate(url):
            response = await create_endpoint.asyncio_detailed(client=self._client, body=endpoint_body(body))
            return model_data(expect(response.parsed, Endpoint, url))

    async def get_endpoint(self, name: str) -> dict[str, Any]:
        url = self._url(f"/api/endpoints/{name}")
        async with _translate(url):
            response = await get_endpoint.asyncio_detailed(name, client=self._client)
            return model_data(expect(response.parsed, Endpoint, url))

    async def stop_endpoint(self, name: str) -> None:
        async with _translate(self._url(f"/api/endpoints/{name}")):
            await delete_endpoint.asyncio_detailed(name, client=self._client)

    # -- captured requests --
    async def list_requests(self, tunnel_name: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        name: str | Unset = UNSET if tunnel_name is None else tunnel_name
        count: int | Unset = UNSET if limit is None else limit
        return await self._list(list_requests._get_kwargs(limit=count, tunnel_name=name), "requests", CapturedRequest)

    async def get_request(self, request_id: str) -> dict[str, Any]:
        url = self._url(f"/api/requests/http/{request_id}")
        async with _translate(url):
            response = await get_request.asyncio_detailed(request_id, client=self._client)
            return model_data(expect(response.parsed, CapturedRequest, url))

    async def replay_request(self, request_id: str, tunnel_name: str | None = None) -> None:
        body = ReplayRequest(id=request_id, tunnel_name=UNSET if tunnel_name is None else tunnel_name)
        async with _translate(self._url("/api/requests/http")):
            await replay_request.asyncio_detailed(client=self._client, body=body)

    async def delete_requests(self) -> None:
        async with _translate(self._url("/api/requests/http")):
            await delete_requests.asyncio_detailed(client=self._client)

    # -- status (v3 >= 3.9) --
    async def get_status(self) -> dict[str, Any]:
        url = self._url("/api/status")
        async with _translate(url):
            response = await get_status.asyncio_detailed(client=self._client)
            return model_data(expect(response.parsed, AgentStatus, url))


async def send_api_request(
    client: httpx.AsyncClient,
    url: str,
    method: str = "GET",
    data: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    timeout: float = 4,
    auth: str | None = None,
) -> dict[str, Any]:
    """Send one JSON request and return the decoded object (``{}`` for an empty body such as a 204).

    Raises: as :func:`typed_ngrok._api_request.send_api_request` (same checks, messages and mapping).
    """
    prepared = prepare_api_request(url, method, data, params, timeout, auth)
    async with _translate(url):
        response = await client.request(
            prepared.method,
            prepared.url,
            content=prepared.content,
            headers=prepared.headers,
            timeout=prepared.timeout,
        )
        body = response.content
    return read_api_response(url, response.status_code, body, response.headers)
