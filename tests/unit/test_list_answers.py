"""List answers (``/api/tunnels``, ``/api/endpoints``, ``/api/requests/http``): the request the generated function
builds, the answer checked by ``_convert.list_items`` without a model per item (sync and async twins alike).

The light reader must accept exactly what the generated list parser accepts on the recorded agent bodies, give the
same JSON, and refuse a malformed answer with a typed error naming what is wrong.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typed_ngrok_agent_api import Client
from typed_ngrok_agent_api.api.endpoints import list_endpoints
from typed_ngrok_agent_api.api.requests import list_requests
from typed_ngrok_agent_api.api.tunnels import list_tunnels
from typed_ngrok_agent_api.models import CapturedRequest, Endpoint, Tunnel

from tests.unit import agent_bodies as bodies
from typed_ngrok._agent_api import AgentAPI
from typed_ngrok._async_agent_api import AsyncAgentAPI
from typed_ngrok._convert import list_items, required_keys
from typed_ngrok.exception import PyngrokNgrokError, PyngrokNgrokHTTPError

BASE = "http://127.0.0.1:4040"
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "agent-api.yaml"
Handler = Callable[[httpx.Request], httpx.Response]


def _answer(status: int, body: object) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


@pytest.mark.parametrize(
    ("model", "schema"), [(Tunnel, "Tunnel"), (Endpoint, "Endpoint"), (CapturedRequest, "CapturedRequest")]
)
def test_required_keys_are_the_specs(model: type, schema: str) -> None:
    spec = yaml.safe_load(SPEC.read_text())
    assert required_keys(model) == frozenset(spec["components"]["schemas"][schema].get("required", []))


def _generated_items(operation: Any, key: str, body: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    """What the generated list parser makes of ``body``, back as JSON."""
    client = Client(base_url=BASE, raise_on_unexpected_status=True)
    client.set_httpx_client(httpx.Client(base_url=BASE, transport=httpx.MockTransport(_answer(200, body))))
    parsed = operation.sync_detailed(client=client, **kwargs).parsed
    return [item.to_dict() for item in getattr(parsed, key)]


@pytest.mark.parametrize(
    ("method", "operation", "key", "body"),
    [
        ("list_tunnels", list_tunnels, "tunnels", bodies.TUNNEL_LIST),
        ("list_tunnels", list_tunnels, "tunnels", bodies.TUNNEL_LIST_EMPTY),
        ("list_requests", list_requests, "requests", bodies.CAPTURED_REQUEST_LIST),
        ("list_requests", list_requests, "requests", bodies.CAPTURED_REQUEST_LIST_EMPTY),
        ("list_endpoints", list_endpoints, "endpoints", bodies.ENDPOINT_LIST_V3),
    ],
)
async def test_same_items_as_the_generated_parser(method: str, operation: Any, key: str, body: dict[str, Any]) -> None:
    expected = _generated_items(operation, key, copy.deepcopy(body))
    assert expected == body[key]  # the recorded bodies round-trip through the models unchanged
    sync_api = AgentAPI(BASE, transport=httpx.MockTransport(_answer(200, body)))
    async_api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(_answer(200, body)))
    try:
        assert getattr(sync_api, method)() == expected
        assert await getattr(async_api, method)() == expected
    finally:
        sync_api.close()
        await async_api.close()


async def test_list_requests_sends_the_generated_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=bodies.CAPTURED_REQUEST_LIST_EMPTY)

    sync_api = AgentAPI(BASE, transport=httpx.MockTransport(handler))
    async_api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(handler))
    try:
        sync_api.list_requests(tunnel_name="web (http)", limit=7)
        await async_api.list_requests(tunnel_name="web (http)", limit=7)
        sync_api.list_requests()
    finally:
        sync_api.close()
        await async_api.close()
    for request in seen[:2]:
        assert (request.method, request.url.path) == ("GET", "/api/requests/http")
        assert dict(request.url.params) == {"limit": "7", "tunnel_name": "web (http)"}
        assert request.headers["Accept"] == "application/json"
    assert not seen[2].url.params


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "expected an object with a 'tunnels' list"),
        ({"uri": "/api/tunnels"}, "expected an object with a 'tunnels' list"),
        ({"tunnels": {"web": bodies.TUNNEL_WEB}}, "expected an object with a 'tunnels' list"),
        ({"tunnels": [bodies.TUNNEL_WEB, "web"]}, "a Tunnel in 'tunnels' is not an object but str"),
        (
            {"tunnels": [{k: v for k, v in bodies.TUNNEL_WEB.items() if k not in ("proto", "uri")}]},
            "a Tunnel in 'tunnels' lacks proto, uri",
        ),
    ],
)
async def test_malformed_list_is_a_typed_error(body: object, message: str) -> None:
    sync_api = AgentAPI(BASE, transport=httpx.MockTransport(_answer(200, body)))
    async_api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(_answer(200, body)))
    try:
        with pytest.raises(PyngrokNgrokError, match=message) as sync_error:
            sync_api.list_tunnels()
        with pytest.raises(PyngrokNgrokError, match=message) as async_error:
            await async_api.list_tunnels()
    finally:
        sync_api.close()
        await async_api.close()
    assert str(sync_error.value) == str(async_error.value)
    assert f"{BASE}/api/tunnels" in str(sync_error.value)


async def test_undeclared_success_status_is_an_http_error() -> None:
    sync_api = AgentAPI(BASE, transport=httpx.MockTransport(_answer(202, {"requests": []})))
    async_api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(_answer(202, {"requests": []})))
    try:
        with pytest.raises(PyngrokNgrokHTTPError) as sync_error:
            sync_api.list_requests()
        with pytest.raises(PyngrokNgrokHTTPError) as async_error:
            await async_api.list_requests()
    finally:
        sync_api.close()
        await async_api.close()
    assert sync_error.value.status_code == async_error.value.status_code == 202


def test_list_items_hands_out_the_agents_objects() -> None:
    data = copy.deepcopy(bodies.CAPTURED_REQUEST_LIST)
    items = list_items(data, "requests", CapturedRequest, BASE)
    assert items is data["requests"]  # not copied


def test_list_calls_keep_no_response_alive() -> None:
    api = AgentAPI(BASE, transport=httpx.MockTransport(_answer(200, bodies.CAPTURED_REQUEST_LIST)))
    try:
        assert len(api.list_requests()) == len(bodies.CAPTURED_REQUEST_LIST["requests"])
        assert getattr(api._http._local, "last", None) is None
    finally:
        api.close()
