"""Agent answers (lists such as ``/api/tunnels`` and single objects alike) checked by one rule,
``_agent_api.requests.check_object``, from the spec's tables the generator writes (sync and async twins alike).

The light reader must accept exactly what the generated list parser accepts on the recorded agent bodies, give the
same JSON, and refuse a malformed answer with a typed error naming what is wrong.
"""

from __future__ import annotations

import copy
import json
import re
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

from tests.unit import agent_bodies as bodies
from typed_ngrok._agent_api import requests as ops
from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok.exception import PyngrokNgrokError, PyngrokNgrokHTTPError

BASE = "http://127.0.0.1:4040"
SPEC = Path(__file__).resolve().parents[2] / "openapi" / "agent-api.yaml"
Handler = Callable[[httpx.Request], httpx.Response]


def _answer(status: int, body: object) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


def _spec_required(spec: dict[str, Any], schema: str) -> dict[str, Any]:
    definition = spec["components"]["schemas"][schema]
    properties = definition.get("properties", {})
    return {key: properties[key] for key in definition.get("required", [])}


def test_operation_tables_cover_every_spec_operation() -> None:
    spec = yaml.safe_load(SPEC.read_text())
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)}
    snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", op_id).lower() for op_id in ids}
    assert set(ops.operations()) == snake


@pytest.mark.parametrize("operation", sorted(ops.operations()))
def test_operation_tables_are_the_specs(operation: str) -> None:
    """The generated OPERATIONS/SCHEMAS/LISTS (our template) say what the spec says: method, path, success answer,
    and for each answer schema (and list item schema) exactly the spec's required keys."""
    spec = yaml.safe_load(SPEC.read_text())
    op = ops.operations()[operation]
    declared = spec["paths"][op.path][op.method.lower()]
    assert [int(code) for code in declared["responses"] if code.startswith("2")] == list(op.ok)
    for schema in filter(None, (op.schema, op.item_schema)):
        assert [key for key, _ in ops.schema_types(schema)] == list(_spec_required(spec, schema))
    if op.list_key is not None:
        assert op.list_key in _spec_required(spec, str(op.schema))


@pytest.mark.parametrize(
    ("spelled", "value", "accepted"),
    [
        ("str", "x", True),
        ("str", 1, False),
        ("int", True, False),
        ("int", 3, True),
        ("str | None", None, True),
        ("list[dict[str, Any]]", [], True),
        ("dict[str, Any]", [], False),
        ("float", 2, True),
    ],
)
def test_json_types_as_the_generator_spells_them(spelled: str, value: object, accepted: bool) -> None:
    types = ops._json_types(spelled)
    assert (isinstance(value, types) and not (type(value) is bool and bool not in types)) is accepted


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
        ([], "a TunnelList is not an object but list"),
        ({"uri": "/api/tunnels"}, "a TunnelList lacks tunnels"),
        ({"tunnels": {"web": bodies.TUNNEL_WEB}}, "a TunnelList has tunnels of type dict"),
        ({"tunnels": [bodies.TUNNEL_WEB, "web"]}, "a Tunnel in 'tunnels' is not an object but str"),
        (
            {"tunnels": [{k: v for k, v in bodies.TUNNEL_WEB.items() if k not in ("proto", "uri")}]},
            "a Tunnel in 'tunnels' lacks uri",
        ),
        ({"tunnels": [{**bodies.TUNNEL_WEB, "public_url": None}]}, "a Tunnel in 'tunnels' has public_url of type"),
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


def test_list_answers_hand_out_the_agents_objects() -> None:
    data = copy.deepcopy(bodies.CAPTURED_REQUEST_LIST)
    content = json.dumps(data).encode()
    items = ops.read_answer(ops.list_requests(), BASE, 200, content)
    assert items == data["requests"]
    assert all(type(item) is dict for item in items)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("web", "a Tunnel is not an object but str"),
        ({k: v for k, v in bodies.TUNNEL_WEB.items() if k != "uri"}, "a Tunnel lacks uri"),
        ({**bodies.TUNNEL_WEB, "name": 7}, "a Tunnel has name of type int"),
    ],
)
async def test_single_objects_follow_the_same_rule(body: object, message: str) -> None:
    """get_tunnel's answer is checked by the rule list items are (same message, without the list's place)."""
    sync_api = AgentAPI(BASE, transport=httpx.MockTransport(_answer(200, body)))
    async_api = AsyncAgentAPI(BASE, transport=httpx.MockTransport(_answer(200, body)))
    try:
        with pytest.raises(PyngrokNgrokError, match=message) as sync_error:
            sync_api.get_tunnel("web")
        with pytest.raises(PyngrokNgrokError, match=message) as async_error:
            await async_api.get_tunnel("web")
    finally:
        sync_api.close()
        await async_api.close()
    assert str(sync_error.value) == str(async_error.value)
