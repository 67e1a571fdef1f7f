"""The generated cloud API client (typed_ngrok_cloud_api) against httpx.MockTransport.

Bodies are shaped like the examples in docs/cloud-api.md (ngrok docs and observed responses); ids and
tokens are fakes. Every operation of openapi/cloud-api.yaml is in OPERATIONS, and a test checks that the table and the
generated package agree, so a new operation cannot go untested.
"""

from __future__ import annotations

import datetime
import json
import pkgutil
from collections.abc import Coroutine
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, cast, get_type_hints

import attrs
import httpx
import pytest
import typed_ngrok_cloud_api.api as api_pkg
from typed_ngrok_cloud_api import AuthenticatedClient
from typed_ngrok_cloud_api.api.api_keys import (
    create_api_key,
    delete_api_key,
    get_api_key,
    list_api_keys,
    update_api_key,
)
from typed_ngrok_cloud_api.api.credentials import (
    create_credential,
    delete_credential,
    get_credential,
    list_credentials,
    update_credential,
)
from typed_ngrok_cloud_api.api.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    update_endpoint,
)
from typed_ngrok_cloud_api.api.reserved_addrs import (
    create_reserved_addr,
    delete_reserved_addr,
    get_reserved_addr,
    list_reserved_addrs,
    update_reserved_addr,
)
from typed_ngrok_cloud_api.api.reserved_domains import (
    create_reserved_domain,
    delete_reserved_domain,
    delete_reserved_domain_certificate,
    delete_reserved_domain_certificate_management_policy,
    get_reserved_domain,
    list_reserved_domains,
    update_reserved_domain,
)
from typed_ngrok_cloud_api.api.tunnel_sessions import (
    get_tunnel_session,
    list_tunnel_sessions,
    restart_tunnel_session,
    stop_tunnel_session,
    update_tunnel_session,
)
from typed_ngrok_cloud_api.api.tunnels import get_tunnel, list_tunnels
from typed_ngrok_cloud_api.errors import UnexpectedStatus
from typed_ngrok_cloud_api.models import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyList,
    ApiKeyUpdate,
    Credential,
    CredentialCreate,
    CredentialList,
    CredentialUpdate,
    Endpoint,
    EndpointCreate,
    EndpointList,
    EndpointUpdate,
    Error,
    ErrorDetails,
    Ref,
    ReservedAddr,
    ReservedAddrCreate,
    ReservedAddrList,
    ReservedAddrUpdate,
    ReservedDomain,
    ReservedDomainCertPolicy,
    ReservedDomainCreate,
    ReservedDomainList,
    ReservedDomainResolvesTo,
    ReservedDomainUpdate,
    Tunnel,
    TunnelList,
    TunnelSession,
    TunnelSessionAction,
    TunnelSessionList,
)
from typed_ngrok_cloud_api.types import UNSET, Response, Unset

from tests.unit.cloud_bodies import (
    API_KEY,
    API_KEY_CREATED,
    BASE,
    CLOUD_ENDPOINT,
    CREDENTIAL,
    CREDENTIAL_CREATED,
    ENDPOINT,
    LABELED_TUNNEL,
    NGROK_SUBDOMAIN,
    RESERVED_ADDR,
    RESERVED_DOMAIN,
    TRAFFIC_POLICY,
    TUNNEL,
    TUNNEL_SESSION,
    error_body,
    page,
)

BEARER = "fake-api-key-for-tests"  # not a real secret
DECLARED_ERRORS = (400, 401, 403, 404, 429, 500)
TIMESTAMP_KEYS = frozenset({"created_at", "updated_at", "started_at", "renews_at", "retries_at"})


# --------------------------------------------------------------------------- the operation table
@dataclass(frozen=True)
class Op:
    module: ModuleType
    kwargs: dict[str, Any]
    method: str
    path: str  # the raw (percent-encoded) path we expect on the wire
    status: int  # the success status
    body: dict[str, Any] | None = None  # the success body (None: 204)
    parsed_type: type | None = None
    query: dict[str, list[str]] = field(default_factory=dict)
    sent: dict[str, Any] | None = None  # the JSON body we expect to be sent

    @property
    def name(self) -> str:
        return self.module.__name__.rsplit(".", 1)[-1]


EMPTY = TunnelSessionAction()
TS_NEXT = f"{BASE}/tunnel_sessions?before_id=ts_32EL&limit=2"
CR_NEXT = f"{BASE}/credentials?before_id=cr_32EL&limit=1"
CEL = 'obj.type in ["agent","cloud"]'
NEW_DOMAIN = ReservedDomainCreate(
    domain="app.example.com",
    certificate_management_policy=ReservedDomainCertPolicy(authority="letsencrypt", private_key_type="rsa"),
    resolves_to=[ReservedDomainResolvesTo(value="global")],
)
NEW_DOMAIN_SENT = {
    "domain": "app.example.com",
    "certificate_management_policy": {"authority": "letsencrypt", "private_key_type": "rsa"},
    "resolves_to": [{"value": "global"}],
}
# fmt: off
OPERATIONS: list[Op] = [
    # tunnel_sessions: the three actions POST `{}` as JSON and get 204
    Op(list_tunnel_sessions, {"limit": 2, "before_id": "ts_9", "filter_": CEL}, "GET", "/tunnel_sessions", 200,
       page("tunnel_sessions", [TUNNEL_SESSION], "/tunnel_sessions", TS_NEXT), TunnelSessionList,
       {"limit": ["2"], "before_id": ["ts_9"], "filter": [CEL]}),
    Op(get_tunnel_session, {"id": "ts_32ELsession"}, "GET", "/tunnel_sessions/ts_32ELsession", 200, TUNNEL_SESSION,
       TunnelSession),
    Op(restart_tunnel_session, {"id": "ts_1", "body": EMPTY}, "POST", "/tunnel_sessions/ts_1/restart", 204, sent={}),
    Op(stop_tunnel_session, {"id": "ts_1", "body": EMPTY}, "POST", "/tunnel_sessions/ts_1/stop", 204, sent={}),
    Op(update_tunnel_session, {"id": "ts_1", "body": EMPTY}, "POST", "/tunnel_sessions/ts_1/update", 204, sent={}),
    # tunnels
    Op(list_tunnels, {"limit": 100}, "GET", "/tunnels", 200,
       page("tunnels", [TUNNEL, LABELED_TUNNEL], "/tunnels", None), TunnelList, {"limit": ["100"]}),
    Op(get_tunnel, {"id": "tn_32ELtunnel"}, "GET", "/tunnels/tn_32ELtunnel", 200, TUNNEL, Tunnel),
    # endpoints: the deprecated list filters are repeated `id=` / `url=` (`url_query` in Python)
    Op(create_endpoint,
       {"body": EndpointCreate(url="https://cloud.example.com", type_="cloud", traffic_policy=TRAFFIC_POLICY)},
       "POST", "/endpoints", 201, CLOUD_ENDPOINT, Endpoint,
       sent={"url": "https://cloud.example.com", "type": "cloud", "traffic_policy": TRAFFIC_POLICY}),
    Op(list_endpoints, {"filter_": CEL, "id": ["ep_1", "ep_2"], "url_query": ["https://a.example.com"]}, "GET",
       "/endpoints", 200, page("endpoints", [CLOUD_ENDPOINT, ENDPOINT], "/endpoints", None), EndpointList,
       {"filter": [CEL], "id": ["ep_1", "ep_2"], "url": ["https://a.example.com"]}),
    Op(get_endpoint, {"id": "ep_32ELendpoint"}, "GET", "/endpoints/ep_32ELendpoint", 200, ENDPOINT, Endpoint),
    # explicit false, "" and [] are sent (the official client drops falsy values)
    Op(update_endpoint, {"id": "ep_32ELcloud", "body": EndpointUpdate(description="", pooling_enabled=False,
                                                                       bindings=[])},
       "PATCH", "/endpoints/ep_32ELcloud", 200, CLOUD_ENDPOINT, Endpoint,
       sent={"description": "", "pooling_enabled": False, "bindings": []}),
    Op(delete_endpoint, {"id": "ep_32ELcloud"}, "DELETE", "/endpoints/ep_32ELcloud", 204),
    # reserved_domains
    Op(create_reserved_domain, {"body": NEW_DOMAIN}, "POST", "/reserved_domains", 201, RESERVED_DOMAIN,
       ReservedDomain, sent=NEW_DOMAIN_SENT),
    Op(list_reserved_domains, {}, "GET", "/reserved_domains", 200,
       page("reserved_domains", [RESERVED_DOMAIN, NGROK_SUBDOMAIN], "/reserved_domains", None), ReservedDomainList),
    Op(get_reserved_domain, {"id": "rd_32ELsub"}, "GET", "/reserved_domains/rd_32ELsub", 200, NGROK_SUBDOMAIN,
       ReservedDomain),
    Op(update_reserved_domain, {"id": "rd_32ELdomain", "body": ReservedDomainUpdate(metadata="{}")}, "PATCH",
       "/reserved_domains/rd_32ELdomain", 200, RESERVED_DOMAIN, ReservedDomain, sent={"metadata": "{}"}),
    Op(delete_reserved_domain, {"id": "rd_32ELdomain"}, "DELETE", "/reserved_domains/rd_32ELdomain", 204),
    Op(delete_reserved_domain_certificate, {"id": "rd_1"}, "DELETE", "/reserved_domains/rd_1/certificate", 204),
    Op(delete_reserved_domain_certificate_management_policy, {"id": "rd_1"}, "DELETE",
       "/reserved_domains/rd_1/certificate_management_policy", 204),
    # reserved_addrs
    Op(create_reserved_addr, {"body": ReservedAddrCreate(region="us", description="ssh")}, "POST", "/reserved_addrs",
       201, RESERVED_ADDR, ReservedAddr, sent={"region": "us", "description": "ssh"}),
    Op(list_reserved_addrs, {"before_id": "ra_9"}, "GET", "/reserved_addrs", 200,
       page("reserved_addrs", [RESERVED_ADDR], "/reserved_addrs", None), ReservedAddrList, {"before_id": ["ra_9"]}),
    Op(get_reserved_addr, {"id": "ra_32ELaddr"}, "GET", "/reserved_addrs/ra_32ELaddr", 200, RESERVED_ADDR,
       ReservedAddr),
    Op(update_reserved_addr, {"id": "ra_32ELaddr", "body": ReservedAddrUpdate(description="ssh2")}, "PATCH",
       "/reserved_addrs/ra_32ELaddr", 200, RESERVED_ADDR, ReservedAddr, sent={"description": "ssh2"}),
    Op(delete_reserved_addr, {"id": "ra_32ELaddr"}, "DELETE", "/reserved_addrs/ra_32ELaddr", 204),
    # api_keys: the list's items key is "keys"; an empty create body is still sent as `{}`
    Op(create_api_key, {"body": ApiKeyCreate()}, "POST", "/api_keys", 201, API_KEY_CREATED, ApiKey, sent={}),
    Op(list_api_keys, {"filter_": ""}, "GET", "/api_keys", 200, page("keys", [API_KEY], "/api_keys", None),
       ApiKeyList, {"filter": [""]}),
    Op(get_api_key, {"id": "ak_32ELkey"}, "GET", "/api_keys/ak_32ELkey", 200, API_KEY, ApiKey),
    Op(update_api_key, {"id": "ak_32ELkey", "body": ApiKeyUpdate(description="ci2", metadata="")}, "PATCH",
       "/api_keys/ak_32ELkey", 200, API_KEY, ApiKey, sent={"description": "ci2", "metadata": ""}),
    Op(delete_api_key, {"id": "ak_32ELkey"}, "DELETE", "/api_keys/ak_32ELkey", 204),
    # credentials
    Op(create_credential, {"body": CredentialCreate(acl=["bind:*.example.com"], description="laptop")}, "POST",
       "/credentials", 201, CREDENTIAL_CREATED, Credential,
       sent={"acl": ["bind:*.example.com"], "description": "laptop"}),
    Op(list_credentials, {"limit": 1}, "GET", "/credentials", 200,
       page("credentials", [CREDENTIAL], "/credentials", CR_NEXT), CredentialList, {"limit": ["1"]}),
    Op(get_credential, {"id": "cr_32ELcredential"}, "GET", "/credentials/cr_32ELcredential", 200, CREDENTIAL,
       Credential),
    Op(update_credential, {"id": "cr_32ELcredential", "body": CredentialUpdate(acl=[])}, "PATCH",
       "/credentials/cr_32ELcredential", 200, CREDENTIAL, Credential, sent={"acl": []}),
    Op(delete_credential, {"id": "cr_32ELcredential"}, "DELETE", "/credentials/cr_32ELcredential", 204),
]
# fmt: on
OPS = pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)


def op_named(name: str) -> Op:
    (op,) = [op for op in OPERATIONS if op.name == name]
    return op


# --------------------------------------------------------------------------- helpers
class Server:
    """A MockTransport handler that records requests and answers with one canned response."""

    def __init__(self, status: int, body: dict[str, Any] | None = None, raw: bytes | None = None) -> None:
        self.status, self.body, self.raw = status, body, raw
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.raw is not None:
            return httpx.Response(self.status, content=self.raw, headers={"Content-Type": "text/html"})
        if self.body is None:
            return httpx.Response(self.status)
        return httpx.Response(self.status, json=self.body)

    @property
    def request(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]


def make_client(server: Server) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=BASE,
        token=BEARER,
        headers={"Ngrok-Version": "2"},
        timeout=httpx.Timeout(10.0),
        httpx_args={"transport": httpx.MockTransport(server)},
        raise_on_unexpected_status=True,
    )


def call(op: Op, server: Server) -> Response[Any]:
    with make_client(server) as client:
        return cast(Response[Any], op.module.sync_detailed(client=client, **op.kwargs))


async def acall(op: Op, server: Server) -> Response[Any]:
    async with make_client(server) as client:
        coro = cast(Coroutine[Any, Any, Response[Any]], op.module.asyncio_detailed(client=client, **op.kwargs))
        return await coro


def wire_form(body: Any, key: str = "") -> Any:
    """`body` as the generated to_dict() writes it back: timestamps in isoformat (`+00:00`, microseconds)."""
    if isinstance(body, dict):
        return {k: wire_form(v, k) for k, v in body.items()}
    if isinstance(body, list):
        return [wire_form(v) for v in body]
    if key in TIMESTAMP_KEYS and isinstance(body, str):
        return datetime.datetime.fromisoformat(body).isoformat()
    return body


def check_request(op: Op, request: httpx.Request) -> None:
    assert request.method == op.method
    assert request.url.scheme == "https" and request.url.host == "api.ngrok.com"
    assert request.url.raw_path.split(b"?")[0].decode() == op.path
    assert request.headers["Authorization"] == f"Bearer {BEARER}"
    assert request.headers["Ngrok-Version"] == "2"
    query: dict[str, list[str]] = {}
    for k, v in request.url.params.multi_items():
        query.setdefault(k, []).append(v)
    assert query == op.query
    if op.sent is None:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == op.sent


def check_success(op: Op, response: Response[Any]) -> None:
    assert response.status_code == op.status
    if op.parsed_type is None:
        assert response.parsed is None
        return
    assert isinstance(response.parsed, op.parsed_type)
    assert op.body is not None
    # every field, known or unknown, nested or not, survives parsing
    assert cast(Any, response.parsed).to_dict() == wire_form(op.body)


# --------------------------------------------------------------------------- tests
def test_table_covers_every_generated_operation() -> None:
    generated = {
        f"{tag.name}.{mod.name}"
        for tag in pkgutil.iter_modules(api_pkg.__path__)
        for mod in pkgutil.iter_modules([f"{api_pkg.__path__[0]}/{tag.name}"])
    }
    tested = {op.module.__name__.removeprefix("typed_ngrok_cloud_api.api.") for op in OPERATIONS}
    assert tested == generated
    assert len(OPERATIONS) == len(tested) == 34


@OPS
def test_success_sync(op: Op) -> None:
    server = Server(op.status, op.body)
    response = call(op, server)
    check_request(op, server.request)
    check_success(op, response)


@OPS
async def test_success_async(op: Op) -> None:
    server = Server(op.status, op.body)
    response = await acall(op, server)
    check_request(op, server.request)
    check_success(op, response)


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.parsed_type], ids=lambda op: op.name)
def test_absent_fields_are_tolerated(op: Op) -> None:
    """Only the fields our spec marks required (id, uri, the creation time, the list's items key...) must be there."""
    assert op.parsed_type is not None and op.body is not None
    required = {f.name.rstrip("_") for f in attrs.fields(op.parsed_type) if f.default is attrs.NOTHING}
    assert required, op.parsed_type
    minimal = {k: ([] if isinstance(v, list) else v) for k, v in op.body.items() if k in required}
    assert set(minimal) == required
    response = call(op, Server(op.status, minimal))
    assert isinstance(response.parsed, op.parsed_type)
    assert set(cast(Any, response.parsed).to_dict()) == required


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.parsed_type], ids=lambda op: op.name)
def test_missing_required_field_fails_in_the_generated_layer(op: Op) -> None:
    """The generated from_dict raises KeyError; typed_ngrok.cloud turns that into CloudAPIError (tests/cloud)."""
    with pytest.raises(KeyError):
        call(op, Server(op.status, {}))


@OPS
@pytest.mark.parametrize("status", DECLARED_ERRORS)
def test_declared_error_statuses_parse_into_error(op: Op, status: int) -> None:
    body = error_body(status)
    response = call(op, Server(status, body))
    assert response.status_code == status
    error = response.parsed
    assert isinstance(error, Error)
    assert isinstance(error.error_code, str) and error.error_code == body["error_code"]
    assert error.status_code == status and error.msg == body["msg"]
    assert not isinstance(error.details, Unset)
    assert error.details.operation_id == "op_2RfSBcv0nsy71XCHWOegjx1OoKh"


@OPS
@pytest.mark.parametrize("status", [402, 409, 502, 503])
def test_undeclared_status_raises(op: Op, status: int) -> None:
    raw = f"<html><body>{status} from a proxy</body></html>".encode()
    with pytest.raises(UnexpectedStatus) as caught:
        call(op, Server(status, raw=raw))
    assert caught.value.status_code == status
    assert caught.value.content == raw  # the raw body is kept for the wrapper's error


def test_undeclared_success_status_raises() -> None:
    """A 200 where the spec says 204 is not silently accepted."""
    with pytest.raises(UnexpectedStatus):
        call(op_named("restart_tunnel_session"), Server(200, {"id": "ts_1"}))


def test_non_json_500_raises_value_error() -> None:
    """Pinned behaviour the wrapper must handle: a declared status with a non-JSON body fails to decode.

    The generated code calls response.json() for the declared 500 and raises json.JSONDecodeError (a ValueError),
    losing the Response; the wrapper catches ValueError (errors are mapped in _errors.py) and reports a server error.
    """
    with pytest.raises(ValueError):
        call(op_named("get_tunnel_session"), Server(500, raw=b"upstream connect error"))


def test_non_iana_status_raises_value_error() -> None:
    """Pinned: a status outside http.HTTPStatus (e.g. Cloudflare's 520) fails in the generated Response builder with
    ValueError before any parsing (openapi-python-client#1442); the wrapper must catch ValueError."""
    with pytest.raises(ValueError):
        call(op_named("list_tunnels"), Server(520, raw=b"origin error"))


def test_error_code_is_typed_as_a_string() -> None:
    """Unlike the agent API (integer codes) and ngrok's own Python client (annotated int)."""
    hints = get_type_hints(Error, localns={"ErrorDetails": ErrorDetails})
    assert hints["error_code"] == str | Unset
    assert hints["status_code"] == int | Unset


def test_error_details_keep_unknown_keys() -> None:
    body = {
        "error_code": "ERR_NGROK_213",
        "status_code": 400,
        "msg": "could not be parsed",
        "details": {"operation_id": "op_1", "field": "url"},
        "extra": 1,
    }
    error = call(op_named("get_tunnel_session"), Server(400, body)).parsed
    assert isinstance(error, Error)
    assert error.additional_properties == {"extra": 1}
    assert not isinstance(error.details, Unset)
    assert error.details.additional_properties == {"field": "url"}


def test_typed_fields() -> None:
    """Timestamps with `Z` become aware datetimes; nulls become None; Refs become Ref; live-only keys survive."""
    domains = call(
        op_named("list_reserved_domains"),
        Server(200, page("reserved_domains", [RESERVED_DOMAIN, NGROK_SUBDOMAIN], "/reserved_domains", None)),
    ).parsed
    assert isinstance(domains, ReservedDomainList)
    assert domains.next_page_uri is None
    assert not isinstance(domains.reserved_domains, Unset)
    custom, sub = domains.reserved_domains
    assert custom.created_at == datetime.datetime(2025, 9, 1, 8, 0, tzinfo=datetime.UTC)
    assert custom.certificate is None and sub.cname_target is None and sub.certificate_management_status is None
    assert custom.additional_properties == {
        "is_dev": False,
        "error_redirect_url": None,
        "http_endpoint_configuration": None,
        "https_endpoint_configuration": None,
    }
    assert sub.description is UNSET  # absent stays absent

    tunnels = call(
        op_named("list_tunnels"), Server(200, page("tunnels", [TUNNEL, LABELED_TUNNEL], "/tunnels", None))
    ).parsed
    assert isinstance(tunnels, TunnelList) and not isinstance(tunnels.tunnels, Unset)
    plain, labeled = tunnels.tunnels
    assert isinstance(plain.tunnel_session, Ref) and plain.tunnel_session.id == "ts_32ELsession"
    assert labeled.public_url is UNSET and labeled.proto is UNSET
    assert not isinstance(labeled.labels, Unset) and labeled.labels.additional_properties == {"edge": "edghts_2Abc"}
    assert labeled.started_at == datetime.datetime(2025, 9, 4, 10, 11, 29, 123456, tzinfo=datetime.UTC)

    created = call(op_named("create_api_key"), Server(201, API_KEY_CREATED)).parsed
    fetched = call(op_named("get_api_key"), Server(200, API_KEY)).parsed
    assert isinstance(created, ApiKey) and isinstance(fetched, ApiKey)
    assert created.token == "fake-new-api-key-token" and fetched.token is None

    endpoint = call(op_named("get_endpoint"), Server(200, ENDPOINT)).parsed
    assert isinstance(endpoint, Endpoint)
    assert endpoint.port == 443 and endpoint.pooling_enabled is False
    assert isinstance(endpoint.principal, Ref) and endpoint.principal.uri == ""


def test_path_ids_are_percent_encoded() -> None:
    server = Server(200, TUNNEL_SESSION)
    with make_client(server) as client:
        get_tunnel_session.sync_detailed("ts_a/b c", client=client)
    assert server.request.url.raw_path == b"/tunnel_sessions/ts_a%2Fb%20c"


def test_unset_list_parameters_are_not_sent() -> None:
    server = Server(200, page("endpoints", [], "/endpoints", None))
    with make_client(server) as client:
        list_endpoints.sync_detailed(client=client)
    assert server.request.url.query == b""
