"""The generated agent API client against the agent's real response bodies, through httpx.MockTransport.

Every operation of openapi/agent-api.yaml parses its success body, answers every declared error status with the
typed ``Error`` model, treats 204 as "no body", and raises ``UnexpectedStatus`` on a status the spec does not declare.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from typed_ngrok_agent_api import Client
from typed_ngrok_agent_api.api.endpoints import create_endpoint, get_endpoint
from typed_ngrok_agent_api.api.requests import list_requests, replay_request
from typed_ngrok_agent_api.api.tunnels import get_tunnel, list_tunnels, start_tunnel, stop_tunnel
from typed_ngrok_agent_api.errors import UnexpectedStatus
from typed_ngrok_agent_api.models import (
    AgentStatus,
    ApiRoot,
    CapturedHttpResponse,
    CapturedRequest,
    CapturedRequestList,
    Endpoint,
    EndpointDefinition,
    EndpointList,
    EndpointUpstreamDefinition,
    Error,
    IpRestriction,
    ReplayRequest,
    TrafficPolicy,
    TrafficPolicyRule,
    Tunnel,
    TunnelDefinition,
    TunnelList,
)
from typed_ngrok_agent_api.types import UNSET, Unset

from tests.unit import agent_bodies as bodies

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "agent-api.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete")
ROUTER_ERRORS = {400, 404, 405, 406, 415}  # any route can answer these (router/codec errors, shape B)

T = TypeVar("T")


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


@dataclass(frozen=True)
class SpecOp:
    operation_id: str
    tag: str
    method: str
    path: str
    statuses: frozenset[int]

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(f"typed_ngrok_agent_api.api.{self.tag}.{_snake(self.operation_id)}")


def _spec_ops() -> dict[str, SpecOp]:
    ops: dict[str, SpecOp] = {}
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                tag = op["tags"][0]  # the generator groups by the first tag; a second one ("v3") only marks routes
                statuses = frozenset(int(code) for code in op["responses"])
                ops[op["operationId"]] = SpecOp(op["operationId"], tag, method.upper(), path, statuses)
    return ops


SPEC_OPS = _spec_ops()

# What the agent really answers per operation (docs/agent-api.md §3, §4): success codes plus handler errors.
EXPECTED_STATUSES: dict[str, set[int]] = {
    "getRoot": {200},
    "listTunnels": {200},
    "startTunnel": {201, 500, 502, 503},
    "getTunnel": {200},
    "stopTunnel": {204, 500},
    "listRequests": {200, 500},
    "replayRequest": {204, 500},
    "deleteRequests": {204, 500},
    "getRequest": {200},
    "getStatus": {200},
    "listEndpoints": {200},
    "createEndpoint": {201, 500, 502, 503},
    "getEndpoint": {200},
    "upsertEndpoint": {200, 201, 500, 502, 503},
    "deleteEndpoint": {204, 500},
}


@dataclass(frozen=True)
class Call:
    """One operation call: its arguments, the request it must send, and one success answer."""

    operation_id: str
    kwargs: Mapping[str, Any]
    raw_path: str
    status: int
    body: bodies.JSON | None = None
    model: type | None = None
    sent_json: Any = field(default=None)

    @property
    def op(self) -> SpecOp:
        return SPEC_OPS[self.operation_id]


TUNNEL_DEF = TunnelDefinition(name="web", addr=49210, proto="http")
REPLAY = ReplayRequest(id="airt_3MSd4w1uwigdjo6mUtZbNVe8YPE")
ENDPOINT_DEF = EndpointDefinition(
    name="web", url="https://x.ngrok.app", upstream=EndpointUpstreamDefinition(url="8080")
)
ENDPOINT_DEF_JSON = {"name": "web", "url": "https://x.ngrok.app", "upstream": {"url": "8080"}}

CALLS: list[Call] = [
    Call("getRoot", {}, "/api", 200, bodies.API_ROOT, ApiRoot),
    Call("listTunnels", {}, "/api/tunnels", 200, bodies.TUNNEL_LIST, TunnelList),
    Call("listTunnels", {}, "/api/tunnels", 200, bodies.TUNNEL_LIST_EMPTY, TunnelList),
    Call(
        "startTunnel",
        {"body": TUNNEL_DEF},
        "/api/tunnels",
        201,
        bodies.TUNNEL_WEB,
        Tunnel,
        {"name": "web", "addr": 49210, "proto": "http"},
    ),
    Call("getTunnel", {"name": "web (http)"}, "/api/tunnels/web%20%28http%29", 200, bodies.TUNNEL_WEB_HTTP, Tunnel),
    Call("getTunnel", {"name": "ssh"}, "/api/tunnels/ssh", 200, bodies.TUNNEL_TCP, Tunnel),
    Call("stopTunnel", {"name": "web (http)"}, "/api/tunnels/web%20%28http%29", 204),
    Call("listRequests", {}, "/api/requests/http", 200, bodies.CAPTURED_REQUEST_LIST, CapturedRequestList),
    Call("listRequests", {}, "/api/requests/http", 200, bodies.CAPTURED_REQUEST_LIST_EMPTY, CapturedRequestList),
    Call("replayRequest", {"body": REPLAY}, "/api/requests/http", 204, sent_json={"id": REPLAY.id}),
    Call("deleteRequests", {}, "/api/requests/http", 204),
    Call(
        "getRequest",
        {"id": bodies.CAPTURED_REQUEST["id"]},
        bodies.CAPTURED_REQUEST["uri"],
        200,
        bodies.CAPTURED_REQUEST,
        CapturedRequest,
    ),
    Call(
        "getRequest",
        {"id": "a/b c"},
        "/api/requests/http/a%2Fb%20c",
        200,
        bodies.CAPTURED_REQUEST_PENDING,
        CapturedRequest,
    ),
    Call("getStatus", {}, "/api/status", 200, bodies.AGENT_STATUS_V3, AgentStatus),
    Call("listEndpoints", {}, "/api/endpoints", 200, bodies.ENDPOINT_LIST_V3, EndpointList),
    Call(
        "createEndpoint", {"body": ENDPOINT_DEF}, "/api/endpoints", 201, bodies.ENDPOINT_V3, Endpoint, ENDPOINT_DEF_JSON
    ),
    Call("getEndpoint", {"name": "my ep"}, "/api/endpoints/my%20ep", 200, bodies.ENDPOINT_V3_DETAIL, Endpoint),
    Call(
        "upsertEndpoint",
        {"name": "web", "body": ENDPOINT_DEF},
        "/api/endpoints/web",
        200,
        bodies.ENDPOINT_V3,
        Endpoint,
        ENDPOINT_DEF_JSON,
    ),
    Call(
        "upsertEndpoint",
        {"name": "web", "body": ENDPOINT_DEF},
        "/api/endpoints/web",
        201,
        bodies.ENDPOINT_V3,
        Endpoint,
        ENDPOINT_DEF_JSON,
    ),
    Call("deleteEndpoint", {"name": "web"}, "/api/endpoints/web", 204),
]
FIRST_CALLS = {call.operation_id: call for call in reversed(CALLS)}


def _json_response(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def _no_content(status: int = 204) -> httpx.Response:
    """The agent's 204: Content-Type application/json and an empty body (docs/agent-api.md §2)."""
    return httpx.Response(status, content=b"", headers={"Content-Type": "application/json"})


class Recorder:
    """A MockTransport handler that answers with one fixed response and keeps every request it saw."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.response

    def client(self) -> Client:
        transport = httpx.MockTransport(self)
        return Client(
            base_url="http://127.0.0.1:4040", httpx_args={"transport": transport}, raise_on_unexpected_status=True
        )

    @property
    def only(self) -> httpx.Request:
        (request,) = self.requests
        return request


def _run(fn: Callable[..., T], response: httpx.Response, *args: Any, **kwargs: Any) -> tuple[T, Recorder]:
    """Call a generated function with a client whose transport answers ``response``; close the client after."""
    recorder = Recorder(response)
    with recorder.client() as client:
        return fn(*args, client=client, **kwargs), recorder


def _call(call: Call, response: httpx.Response) -> tuple[Any, Recorder]:
    return _run(call.op.module.sync_detailed, response, **call.kwargs)


# --- the spec and the generated package agree with the agent's behaviour ----------------------------------------


def test_spec_covers_every_route_with_one_tag_each() -> None:
    assert set(SPEC_OPS) == set(EXPECTED_STATUSES) == set(FIRST_CALLS)
    routes = {(op.method, op.path) for op in SPEC_OPS.values()}
    assert len(routes) == len(SPEC_OPS) == 15


@pytest.mark.parametrize("operation_id", sorted(EXPECTED_STATUSES))
def test_declared_statuses_are_what_the_agent_returns(operation_id: str) -> None:
    assert SPEC_OPS[operation_id].statuses == EXPECTED_STATUSES[operation_id] | ROUTER_ERRORS


@pytest.mark.parametrize("operation_id", sorted(EXPECTED_STATUSES))
def test_generated_module_has_sync_and_async_functions(operation_id: str) -> None:
    module = SPEC_OPS[operation_id].module
    for name in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
        assert callable(getattr(module, name))


def test_no_content_responses_have_no_body_and_errors_share_one_schema() -> None:
    for name, response in SPEC["components"]["responses"].items():
        if name == "NoContent":
            assert "content" not in response
        else:
            content = dict(response["content"])
            assert content.pop("application/json") == {"schema": {"$ref": "#/components/schemas/Error"}}
            # XML when the request prefers it (2.3.41); never on 406, the answer to an Accept it cannot serve.
            xml = {"schema": {"$ref": "#/components/schemas/XmlDocument"}}
            assert content == ({} if name == "NotAcceptable" else {"application/xml": xml, "text/xml": xml})
    error = SPEC["components"]["schemas"]["Error"]
    assert error["properties"]["error_code"]["type"] == "integer"
    assert "error_code" not in error["required"]


# --- success bodies ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.operation_id}-{c.status}")
def test_operation_sends_its_request_and_parses_its_success_body(call: Call) -> None:
    response = _no_content(call.status) if call.body is None else _json_response(call.status, call.body)
    result, recorder = _call(call, response)

    request = recorder.only
    assert request.method == call.op.method
    assert request.url.raw_path.decode() == call.raw_path
    assert request.url.host == "127.0.0.1"
    assert result.status_code == call.status
    if call.sent_json is not None:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == call.sent_json
    else:
        assert request.content == b""
    if call.body is None:
        assert result.parsed is None
    else:
        dumped = result.parsed.to_dict()
        assert call.model is not None and isinstance(result.parsed, call.model)
        assert dumped == call.body  # every field parsed, nothing lost


def test_tunnel_fields_are_typed() -> None:
    tunnel, _ = _run(get_tunnel.sync, _json_response(200, bodies.TUNNEL_WEB), "web")
    assert isinstance(tunnel, Tunnel)
    assert (tunnel.name, tunnel.proto, tunnel.public_url) == ("web", "https", "https://abcd1234.ngrok.io")
    assert tunnel.config and tunnel.config.addr == "http://localhost:49210" and tunnel.config.inspect is True
    assert tunnel.metrics and tunnel.metrics.conns and tunnel.metrics.http
    assert (tunnel.metrics.conns.count, tunnel.metrics.conns.gauge, tunnel.metrics.conns.p99) == (1, 0, 2454120)
    assert tunnel.metrics.http.rate1 == 0.0135
    assert "gauge" not in tunnel.metrics.http.to_dict()


def test_tunnel_tolerates_absent_and_unknown_fields() -> None:
    body = {"name": "web", "uri": "/api/tunnels/web", "public_url": "https://x", "proto": "https", "labels": ["a=b"]}
    tunnel, _ = _run(get_tunnel.sync, _json_response(200, body), "web")
    assert isinstance(tunnel, Tunnel)
    assert tunnel.config is UNSET and tunnel.metrics is UNSET
    assert tunnel.additional_properties == {"labels": ["a=b"]}


def test_captured_request_headers_raw_and_pending_response() -> None:
    listing, _ = _run(list_requests.sync, _json_response(200, bodies.CAPTURED_REQUEST_LIST))
    assert isinstance(listing, CapturedRequestList)
    pending, done = listing.requests
    assert pending.response is None and pending.remote_addr == "replayed"
    assert done.request and done.request.headers
    assert done.request.headers["Content-Type"] == ["application/json"]
    assert base64.b64decode(str(done.request.raw)) == bodies.REQUEST_WIRE
    assert isinstance(done.response, CapturedHttpResponse)
    assert (done.response.status, done.response.status_code) == ("200 OK", 200)
    assert base64.b64decode(str(done.response.raw)) == bodies.RESPONSE_WIRE
    assert done.duration == 3539279 and done.start == "2026-11-22T11:41:54Z"


def test_captured_request_pending_on_2_3_41() -> None:
    # 2.3.41 (obs) sends an empty response object, not null, while the upstream has not answered.
    pending = {"status": "", "status_code": 0, "proto": "", "headers": None, "raw": None}
    body = {"uri": "/api/requests/http", "requests": [{**bodies.CAPTURED_REQUEST, "response": pending}]}
    listing, _ = _run(list_requests.sync, _json_response(200, body))
    assert isinstance(listing, CapturedRequestList)
    (entry,) = listing.requests
    assert isinstance(entry.response, CapturedHttpResponse)
    assert (entry.response.status, entry.response.status_code) == ("", 0)
    assert entry.response.headers is None and entry.response.raw is None
    assert entry.response.to_dict() == pending


def test_v3_status_and_endpoint_bodies() -> None:
    from typed_ngrok_agent_api.api.status import get_status

    status, _ = _run(get_status.sync, _json_response(200, bodies.AGENT_STATUS_V3))
    assert isinstance(status, AgentStatus) and status.session
    assert [(leg.region, leg.latency) for leg in status.session.legs or []] == [("au", "87ms")]
    endpoint, _ = _run(get_endpoint.sync, _json_response(200, bodies.ENDPOINT_V3_DETAIL), "web")
    assert isinstance(endpoint, Endpoint) and endpoint.upstream and endpoint.metrics
    assert (endpoint.upstream.url, endpoint.upstream.protocol) == ("http://localhost:8080", "http1")
    assert isinstance(endpoint.traffic_policy, str)


# --- request encoding ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, {}),
        ({"limit": 10}, {"limit": "10"}),
        ({"tunnel_name": "web (http)"}, {"tunnel_name": "web (http)"}),
        ({"limit": 1, "tunnel_name": "web"}, {"limit": "1", "tunnel_name": "web"}),
    ],
)
def test_list_requests_query_parameters(kwargs: dict[str, Any], expected: dict[str, str]) -> None:
    _, recorder = _run(list_requests.sync_detailed, _json_response(200, bodies.CAPTURED_REQUEST_LIST_EMPTY), **kwargs)
    assert dict(recorder.only.url.params) == expected


def test_start_tunnel_body_carries_v2_v3_fields_and_extra_keys() -> None:
    definition = TunnelDefinition(
        name="web",
        addr="file:///srv",
        proto="http",
        inspect=False,
        bind_tls="both",
        auth="user:secret",
        basic_auth=["user:secret"],
        schemes=["https"],
        ip_restriction=IpRestriction(allow_cidrs=["127.0.0.1/32"]),
        traffic_policy="on_http_request: []",
    )
    definition["region"] = "eu"  # unknown keys pass through (2.3.41 ignores them)
    _, recorder = _run(start_tunnel.sync_detailed, _json_response(201, bodies.TUNNEL_WEB), body=definition)
    assert json.loads(recorder.only.content) == {
        "name": "web",
        "addr": "file:///srv",
        "proto": "http",
        "inspect": False,
        "bind_tls": "both",
        "auth": "user:secret",
        "basic_auth": ["user:secret"],
        "schemes": ["https"],
        "ip_restriction": {"allow_cidrs": ["127.0.0.1/32"]},
        "traffic_policy": "on_http_request: []",
        "region": "eu",
    }


def test_bodies_with_policy_objects_and_replay_tunnel() -> None:
    rule = TrafficPolicyRule()
    rule["actions"] = [{"type": "deny"}]
    definition = EndpointDefinition(
        name="web", traffic_policy=TrafficPolicy(on_http_request=[rule]), bindings=["public"]
    )
    _, recorder = _run(create_endpoint.sync_detailed, _json_response(201, bodies.ENDPOINT_V3), body=definition)
    assert json.loads(recorder.only.content) == {
        "name": "web",
        "traffic_policy": {"on_http_request": [{"actions": [{"type": "deny"}]}]},
        "bindings": ["public"],
    }
    replay = ReplayRequest(id="x", tunnel_name="web (http)")
    _, recorder = _run(replay_request.sync_detailed, _no_content(), body=replay)
    assert json.loads(recorder.only.content) == {"id": "x", "tunnel_name": "web (http)"}


# --- errors --------------------------------------------------------------------------------------------------------

ERROR_CASES = [
    pytest.param(operation_id, status, body, id=f"{operation_id}-{status}-{body['msg'][:20]}")
    for operation_id, op in sorted(SPEC_OPS.items())
    for status in sorted(op.statuses)
    if status >= 400
    for body in bodies.ERRORS_BY_STATUS[status]
]


@pytest.mark.parametrize(("operation_id", "status", "body"), ERROR_CASES)
def test_declared_error_status_parses_to_the_error_model(operation_id: str, status: int, body: bodies.JSON) -> None:
    result, _ = _call(FIRST_CALLS[operation_id], _json_response(status, body))
    error = result.parsed
    assert result.status_code == status
    assert isinstance(error, Error)
    assert (error.status_code, error.msg) == (body["status_code"], body["msg"])
    assert error.error_code == body.get("error_code", UNSET)
    assert not isinstance(error.details, Unset)
    assert error.details.to_dict() == body["details"]


def test_error_details_and_unknown_keys_are_kept() -> None:
    body = copy.deepcopy(bodies.ERR_415_CONTENT_TYPE) | {"hint": "send application/json"}
    error, _ = _run(list_tunnels.sync, _json_response(415, body))
    assert isinstance(error, Error) and not isinstance(error.details, Unset)
    assert error.details["available"] == ["text/xml", "application/xml", "application/json"]
    assert error.additional_properties == {"hint": "send application/json"}


def test_agent_error_text_survives_verbatim() -> None:
    error, _ = _run(start_tunnel.sync, _json_response(502, bodies.ERR_103_FAILED_TO_START), body=TUNNEL_DEF)
    assert isinstance(error, Error) and error.error_code == 103 and not isinstance(error.details, Unset)
    assert str(error.details["err"]).endswith("\r\n\r\nERR_NGROK_310\r\n")


@pytest.mark.parametrize("operation_id", sorted(SPEC_OPS))
@pytest.mark.parametrize("status", [409, 418])
def test_undeclared_status_raises(operation_id: str, status: int) -> None:
    with pytest.raises(UnexpectedStatus) as info:
        _call(FIRST_CALLS[operation_id], _json_response(status, {"msg": "teapot"}))
    assert info.value.status_code == status
    assert b"teapot" in info.value.content


@pytest.mark.parametrize("operation_id", ["stopTunnel", "replayRequest", "deleteRequests", "deleteEndpoint"])
def test_no_content_operation_rejects_a_200(operation_id: str) -> None:
    with pytest.raises(UnexpectedStatus):
        _call(FIRST_CALLS[operation_id], _json_response(200, {}))


# --- async twins ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation_id", ["startTunnel", "stopTunnel", "getRequest", "deleteEndpoint"])
async def test_async_functions_parse_like_sync(operation_id: str) -> None:
    call = FIRST_CALLS[operation_id]
    response = _no_content(call.status) if call.body is None else _json_response(call.status, call.body)
    recorder = Recorder(response)
    async with recorder.client() as client:
        result = await call.op.module.asyncio_detailed(client=client, **call.kwargs)
    assert recorder.only.url.raw_path.decode() == call.raw_path
    assert result.status_code == call.status
    assert (result.parsed is None) if call.body is None else (result.parsed.to_dict() == call.body)


async def test_async_error_and_undeclared_status() -> None:
    recorder = Recorder(_json_response(404, bodies.ERR_100_TUNNEL_NOT_FOUND))
    async with recorder.client() as client:
        error = await get_tunnel.asyncio("nosuch", client=client)
    assert isinstance(error, Error) and error.error_code == 100
    recorder = Recorder(_json_response(409, {}))
    async with recorder.client() as client:
        with pytest.raises(UnexpectedStatus):
            await stop_tunnel.asyncio_detailed("web", client=client)
