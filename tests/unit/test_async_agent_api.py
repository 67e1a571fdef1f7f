"""AsyncAgentAPI and the async api_request core: parsing and error mapping through httpx.MockTransport (no sockets).

The same answers must give the same results and exceptions as the sync AgentAPI / send_api_request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.api_request import asend_api_request
from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok.exception import (
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
    PyngrokSecurityError,
    TunnelNotFoundError,
)

Handler = Callable[[httpx.Request], httpx.Response]
BASE = "http://127.0.0.1:4040"
TUNNEL = {
    "name": "web (http)",
    "uri": "/api/tunnels/web%20%28http%29",
    "public_url": "http://localhost:5001",
    "proto": "http",
    "config": {"addr": "http://localhost:8000", "inspect": True},
    "metrics": {"http": {"count": 2}},
    "future_field": {"kept": True},
}


def _apis(handler: Handler) -> tuple[AgentAPI, AsyncAgentAPI]:
    return (
        AgentAPI(BASE, timeout=2, transport=httpx.MockTransport(handler)),
        AsyncAgentAPI(BASE, timeout=2, transport=httpx.MockTransport(handler)),
    )


async def test_results_equal_the_sync_twins() -> None:
    seen: list[tuple[str, str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.raw_path.decode(), request.read()))
        if request.method == "GET" and request.url.path == "/api/tunnels":
            return httpx.Response(200, json={"tunnels": [TUNNEL], "uri": "/api/tunnels"})
        if request.method == "POST" and request.url.path == "/api/tunnels":
            return httpx.Response(201, json=TUNNEL)
        if request.method == "DELETE":
            return httpx.Response(204, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json={"uri": "/api/requests/http", "requests": []})

    sync_api, async_api = _apis(handler)
    try:
        assert await async_api.list_tunnels() == sync_api.list_tunnels() == [TUNNEL]
        body = {"name": "web", "addr": "8000", "proto": "http", "bind_tls": "both"}
        assert await async_api.start_tunnel(body) == sync_api.start_tunnel(body) == TUNNEL
        await async_api.stop_tunnel("web (http)")
        assert await async_api.list_requests(tunnel_name="web", limit=3) == []
    finally:
        sync_api.close()
        await async_api.close()
    posts = [s for s in seen if s[0] == "POST"]
    assert json.loads(posts[0][2]) == json.loads(posts[1][2]) == body
    assert ("DELETE", "/api/tunnels/web%20%28http%29", b"") in seen
    assert ("GET", "/api/requests/http?limit=3&tunnel_name=web", b"") in seen


@pytest.mark.parametrize(
    ("status", "content", "cls", "code"),
    [
        (404, b'{"error_code":100,"status_code":404,"msg":"tunnel not found","details":{"name":"x"}}', TunnelNotFoundError, 100),
        (502, b'{"error_code":103,"status_code":502,"msg":"failed to start tunnel","details":{"err":"ERR_NGROK_310"}}', PyngrokNgrokHTTPError, 103),
        (500, b"<html>oops</html>", PyngrokNgrokHTTPError, None),
        (520, b"", PyngrokNgrokHTTPError, None),
    ],
)  # fmt: skip
async def test_errors_map_like_the_sync_twin(
    status: int, content: bytes, cls: type[Exception], code: int | None
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    sync_api, async_api = _apis(handler)
    try:
        with pytest.raises(cls) as sync_info:
            sync_api.get_tunnel("x")
        with pytest.raises(cls) as async_info:
            await async_api.get_tunnel("x")
    finally:
        sync_api.close()
        await async_api.close()
    sync_err, async_err = sync_info.value, async_info.value
    assert isinstance(async_err, PyngrokNgrokHTTPError) and isinstance(sync_err, PyngrokNgrokHTTPError)
    assert type(async_err) is type(sync_err)
    assert (async_err.status_code, async_err.error_code, async_err.body) == (status, code, content.decode())
    assert str(async_err) == str(sync_err)


async def test_transport_failures_and_closed_client_are_url_errors() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(timeout))
    with pytest.raises(PyngrokNgrokURLError) as info:
        await api.list_tunnels()
    assert info.value.reason == "timed out"
    await api.close()
    with pytest.raises(PyngrokNgrokURLError, match="closed"):
        await api.list_tunnels()
    api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(refused))
    with pytest.raises(PyngrokNgrokURLError, match="connection refused"):
        await api.get_status()
    await api.close()


async def test_unreadable_success_body_is_a_typed_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"not json", headers={"Content-Type": "application/json"})

    api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(handler))
    try:
        with pytest.raises(PyngrokNgrokError):
            await api.list_tunnels()
    finally:
        await api.close()


async def test_api_request_contract() -> None:
    seen: list[httpx.Request] = []
    answers: list[httpx.Response] = [
        httpx.Response(201, json={"ok": True}),
        httpx.Response(204),
        httpx.Response(200, content=b""),
        httpx.Response(200, content=b"[1, 2]"),
        httpx.Response(503, content=b"<h1>down</h1>", headers={"X-Why": "maintenance"}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return answers.pop(0)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        data: dict[str, Any] = {}
        result = await asend_api_request(client, f"{BASE}/x?a=1", "post", data, {"b": 2}, 3, "key")
        assert result == {"ok": True}
        assert seen[0].content == b"{}"  # a {} body is sent
        assert seen[0].url.params.multi_items() == [("a", "1"), ("b", "2")]
        assert seen[0].headers["Authorization"] == "Bearer key"
        assert seen[0].headers["Ngrok-Version"] == "2"
        assert await asend_api_request(client, f"{BASE}/x", "DELETE") == {}
        assert seen[1].content == b""
        assert await asend_api_request(client, f"{BASE}/x") == {}
        with pytest.raises(PyngrokNgrokError, match="not an object"):
            await asend_api_request(client, f"{BASE}/x")
        with pytest.raises(PyngrokNgrokHTTPError) as info:
            await asend_api_request(client, f"{BASE}/x")
        assert info.value.body == "<h1>down</h1>"
        assert info.value.headers["x-why"] == "maintenance"
        for bad in ("httpx://h/x", "https-evil://h/x", "file:///etc/passwd", "http:///nohost"):
            with pytest.raises(PyngrokSecurityError):
                await asend_api_request(client, bad)


async def test_a_closed_api_object_refuses_calls_alike() -> None:
    """After close() (its agent exited) both twins raise the same PyngrokNgrokURLError, never httpx's RuntimeError."""
    handler = httpx.MockTransport(lambda request: httpx.Response(200, json={"tunnels": []}))
    sync_api = AgentAPI(BASE, transport=handler)
    async_api = AsyncAgentAPI(BASE, transport=handler)
    sync_api.close()
    await async_api.close()
    with pytest.raises(PyngrokNgrokURLError) as sync_error:
        sync_api.list_tunnels()
    with pytest.raises(PyngrokNgrokURLError) as async_error:
        await async_api.list_tunnels()
    assert str(sync_error.value) == str(async_error.value)
    assert sync_error.value.reason == async_error.value.reason == "closed"
