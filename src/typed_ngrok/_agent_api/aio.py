"""``AsyncAgentAPI``: the async shell of the agent API client (same method names, requests, checks and errors as
:class:`typed_ngrok._agent_api.sync.AgentAPI`; only the I/O is awaited).

Every decision lives in :mod:`typed_ngrok._agent_api.requests` and :mod:`typed_ngrok._agent_api.wire`; this shell
sends the request through an ``httpx`` async transport (httpx's own by default) and hands the answer back.

An async transport belongs to the event loop it first ran on, so these objects are owned by one agent process
object (which is itself bound to one loop), not cached globally as the sync ones are.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from typing import Any, TypeVar

import httpx

from typed_ngrok._agent_api import requests as ops
from typed_ngrok._agent_api.requests import AgentRequest, JsonObject, read_answer
from typed_ngrok._agent_api.wire import (
    PROBE_FAILURES,
    closed_error,
    default_async_transport,
    httpx_request,
    probe_request,
)
from typed_ngrok._errors import translate_transport_errors

__all__ = ["AsyncAgentAPI"]

T = TypeVar("T")


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
        self._transport = transport if transport is not None else default_async_transport()
        self._timeout = httpx.Timeout(timeout).as_dict()
        self._mutate = asyncio.Lock()  # see 'Tunnel-table race' in requests
        self._closed = False

    def __repr__(self) -> str:
        return f"<AsyncAgentAPI: {self.api_url}>"

    async def close(self) -> None:
        """Close the kept-alive connection(s); later calls raise ``PyngrokNgrokURLError``."""
        self._closed = True
        await self._transport.aclose()

    async def call(self, request: AgentRequest[T]) -> T:
        """Send ``request`` and return its checked result (see :func:`~typed_ngrok._agent_api.requests.read_answer`)."""
        url = self.api_url + request.target
        if self._closed:
            raise closed_error(url)
        async with self._mutate if request.serialised else nullcontext():
            with translate_transport_errors(url):
                response = await self._transport.handle_async_request(
                    httpx_request(self.api_url, request, self._timeout)
                )
                try:
                    content = await response.aread()
                finally:
                    await response.aclose()
        return read_answer(request, url, response.status_code, content, response.headers)

    async def probe_get(self, path: str, timeout: float) -> tuple[int, bytes] | None:
        """As :meth:`AgentAPI.probe_get <typed_ngrok._agent_api.sync.AgentAPI.probe_get>`, awaited."""
        try:
            response = await self._transport.handle_async_request(probe_request(self.api_url, path, timeout))
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except PROBE_FAILURES:
            return None
        return response.status_code, content

    # -- tunnels (v2 agents, and v3 agents older than 3.30) --
    async def list_tunnels(self) -> list[JsonObject]:
        return await self.call(ops.list_tunnels())

    async def start_tunnel(self, body: dict[str, Any]) -> JsonObject:
        return await self.call(ops.start_tunnel(body))

    async def get_tunnel(self, name: str) -> JsonObject:
        return await self.call(ops.get_tunnel(name))

    async def stop_tunnel(self, name: str) -> None:
        await self.call(ops.stop_tunnel(name))

    # -- endpoints (v3 >= 3.30) --
    async def list_endpoints(self) -> list[JsonObject]:
        return await self.call(ops.list_endpoints())

    async def create_endpoint(self, body: dict[str, Any]) -> JsonObject:
        return await self.call(ops.create_endpoint(body))

    async def get_endpoint(self, name: str) -> JsonObject:
        return await self.call(ops.get_endpoint(name))

    async def stop_endpoint(self, name: str) -> None:
        await self.call(ops.stop_endpoint(name))

    # -- captured requests --
    async def list_requests(self, tunnel_name: str | None = None, limit: int | None = None) -> list[JsonObject]:
        return await self.call(ops.list_requests(tunnel_name, limit))

    async def get_request(self, request_id: str) -> JsonObject:
        return await self.call(ops.get_request(request_id))

    async def replay_request(self, request_id: str, tunnel_name: str | None = None) -> None:
        await self.call(ops.replay_request(request_id, tunnel_name))

    async def delete_requests(self) -> None:
        await self.call(ops.delete_requests())

    # -- status (v3 >= 3.9) --
    async def get_status(self) -> JsonObject:
        return await self.call(ops.get_status())
