"""api_request, NgrokTunnel/NgrokApiResponse parsing and AgentAPI error mapping through httpx.MockTransport."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from typed_ngrok._agent_api.api_request import send_api_request
from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok._install.download import download
from typed_ngrok._shapes import check_http_url, seconds_of
from typed_ngrok._tunnels.model import NgrokApiResponse, NgrokTunnel, tunnel_name_from_uri
from typed_ngrok._tunnels.registry import TunnelRegistry, drop_registry, registry_for
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import (
    PyngrokError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
    PyngrokSecurityError,
    TunnelNotFoundError,
)

Handler = Callable[[httpx.Request], httpx.Response]
BASE = "http://127.0.0.1:4040"
TUNNEL = {
    "name": "web",
    "uri": "/api/tunnels/web",
    "public_url": "https://localhost:5001",
    "proto": "https",
    "config": {"addr": "http://localhost:8000", "inspect": True},
    "metrics": {"conns": {"count": 1, "gauge": 0, "rate1": 0.1, "p50": 3.790698e06}, "http": {"count": 2}},
}


def _client(handler: Handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.fixture
def seen() -> Iterator[list[httpx.Request]]:
    yield []


def _recording(seen: list[httpx.Request], response: httpx.Response) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return response

    return handler


# -- api_request --


def test_get_decodes_json(seen: list[httpx.Request]) -> None:
    client = _client(_recording(seen, httpx.Response(200, json={"tunnels": []})))
    assert send_api_request(client, f"{BASE}/api/tunnels") == {"tunnels": []}
    assert seen[0].method == "GET"
    assert seen[0].content == b""
    assert seen[0].headers["Content-Type"] == "application/json"
    assert "Authorization" not in seen[0].headers


def test_empty_dict_body_is_sent(seen: list[httpx.Request]) -> None:
    client = _client(_recording(seen, httpx.Response(201, json={"ok": True})))
    send_api_request(client, f"{BASE}/x", method="post", data={})
    assert seen[0].method == "POST"
    assert seen[0].content == b"{}"


def test_params_are_appended_and_auth_sets_headers(seen: list[httpx.Request]) -> None:
    client = _client(_recording(seen, httpx.Response(200, json={})))
    send_api_request(client, "https://api.test/v?a=1", params={"b": "2", "c": ["x", "y"]}, auth="KEY")
    request = seen[0]
    assert request.url.params.multi_items() == [("a", "1"), ("b", "2"), ("c", "x"), ("c", "y")]
    assert request.headers["Authorization"] == "Bearer KEY"
    assert request.headers["Ngrok-Version"] == "2"


@pytest.mark.parametrize("status", [200, 204])
def test_empty_body_gives_empty_dict(status: int) -> None:
    client = _client(lambda _r: httpx.Response(status, content=b""))
    assert send_api_request(client, f"{BASE}/api/tunnels/web", method="DELETE") == {}


def test_non_json_success_body_is_typed_error() -> None:
    client = _client(lambda _r: httpx.Response(200, text="<html>ui</html>"))
    with pytest.raises(PyngrokNgrokError, match="not JSON") as info:
        send_api_request(client, f"{BASE}/")
    assert not isinstance(info.value, PyngrokNgrokHTTPError)


def test_non_json_error_body_is_http_error_with_raw_body() -> None:
    client = _client(lambda _r: httpx.Response(502, text="Bad Gateway", headers={"X-Test": "1"}))
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        send_api_request(client, f"{BASE}/api/tunnels")
    assert info.value.status_code == 502
    assert info.value.body == "Bad Gateway"
    assert info.value.headers["x-test"] == "1"


def test_agent_error_is_mapped() -> None:
    body = {"error_code": 100, "status_code": 404, "msg": "tunnel not found", "details": {"name": "x"}}
    client = _client(lambda _r: httpx.Response(404, json=body))
    with pytest.raises(TunnelNotFoundError) as info:
        send_api_request(client, f"{BASE}/api/tunnels/x")
    assert info.value.error_code == 100


def test_timeout_is_url_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(PyngrokNgrokURLError) as info:
        send_api_request(_client(handler), f"{BASE}/api/tunnels", timeout=0.5)
    assert info.value.reason == "timed out"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "httpx://a",
        "https-evil://a",
        "127.0.0.1:4040",
        "http://",
        "http://:80/x",
        "https://:443",
    ],
)
def test_scheme_is_parsed(url: str, tmp_path: Path) -> None:
    """One rule for api_request and the installer's downloads: the same refusal, the same text, before any I/O."""
    with pytest.raises(PyngrokSecurityError, match='URL must start with "http"') as direct:
        check_http_url(url)
    with pytest.raises(PyngrokSecurityError) as via_api_request:
        send_api_request(_client(lambda request: httpx.Response(200)), url)
    with pytest.raises(PyngrokSecurityError) as via_download:
        download(url, str(tmp_path))
    assert str(direct.value) == str(via_api_request.value) == str(via_download.value)


def test_http_and_https_pass() -> None:
    check_http_url("http://127.0.0.1:4040/api")
    check_http_url("HTTPS://api.ngrok.com")


# -- NgrokTunnel / NgrokApiResponse --


def test_tunnel_attributes() -> None:
    tunnel = NgrokTunnel(dict(TUNNEL), PyngrokConfig(config_version="2"), BASE)
    assert tunnel.name == "web"
    assert tunnel.public_url == "https://localhost:5001"
    assert tunnel.proto == "https"
    assert tunnel.uri == "/api/tunnels/web"
    assert tunnel.config == {"addr": "http://localhost:8000", "inspect": True}
    assert tunnel.upstream == {"url": "http://localhost:8000"}
    assert tunnel.metrics["conns"]["p50"] == pytest.approx(3790698.0)
    assert tunnel.id is None
    assert repr(tunnel) == '<NgrokTunnel: "https://localhost:5001" -> "http://localhost:8000">'


def test_endpoint_shaped_data() -> None:
    data = {"id": "ep_1", "name": "my api", "url": "tcp://127.0.0.1:5", "upstream": {"url": "localhost:22"}}
    tunnel = NgrokTunnel(data, PyngrokConfig(), BASE)
    assert tunnel.public_url == "tcp://127.0.0.1:5"
    assert tunnel.proto == "tcp"
    assert tunnel.id == "ep_1"
    assert tunnel.uri == "/api/endpoints/my%20api"
    assert tunnel.upstream == {"url": "localhost:22"}
    assert tunnel.metrics == {}


def test_pending_tunnel_repr() -> None:
    assert repr(NgrokTunnel({"name": "x"}, PyngrokConfig(), None)) == "<pending Tunnel>"


def test_refresh_metrics_without_api_url() -> None:
    with pytest.raises(PyngrokError, match="cannot be refreshed"):
        NgrokTunnel({"name": "x", "public_url": "https://a"}, PyngrokConfig(), None).refresh_metrics()


def test_tunnel_name_from_uri() -> None:
    assert tunnel_name_from_uri("/api/tunnels/web%20%28http%29") == "web (http)"


@pytest.mark.parametrize(
    ("body", "status", "data"),
    [
        ('Status 200\n{"a": 1}', "Status 200\n", {"a": 1}),
        ("no json here", "no json here", None),
        ('{broken {"b": [1]} trailing', "{broken ", {"b": [1]}),
        ("{not json", "{not json", None),
    ],
)
def test_api_response_from_body(body: str, status: str, data: dict[str, Any] | None) -> None:
    response = NgrokApiResponse.from_body(body)
    assert response.status == status
    assert response.data == data


# -- AgentAPI --


def _agent(handler: Handler) -> AgentAPI:
    return AgentAPI(BASE, timeout=2, transport=httpx.MockTransport(handler))


def test_agent_list_tunnels_keeps_unknown_keys() -> None:
    extra = {**TUNNEL, "future_field": {"x": 1}}
    api = _agent(lambda _r: httpx.Response(200, json={"tunnels": [extra], "uri": "/api/tunnels"}))
    (data,) = api.list_tunnels()
    assert data["future_field"] == {"x": 1}
    assert data["metrics"]["conns"]["count"] == 1
    assert data["public_url"] == TUNNEL["public_url"]


def test_agent_paths_are_percent_encoded() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        if request.method == "DELETE":
            return httpx.Response(204, headers={"Content-Type": "application/json"})
        if "/requests/" in request.url.path:
            return httpx.Response(200, json={"id": "airt_1/2"})
        return httpx.Response(200, json={**TUNNEL, "name": "web (http)"})

    api = _agent(handler)
    api.get_tunnel("web (http)")
    api.stop_tunnel("a/b?c")
    api.get_request("airt_1/2")
    assert paths == ["/api/tunnels/web%20%28http%29", "/api/tunnels/a%2Fb%3Fc", "/api/requests/http/airt_1%2F2"]


def test_agent_start_tunnel_passes_unknown_options_through() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.read()))
        return httpx.Response(201, json=TUNNEL)

    _agent(handler).start_tunnel({"name": "n", "addr": "80", "proto": "bogus", "bind_tls": "both", "x_new": 1})
    assert bodies == [{"name": "n", "addr": "80", "proto": "bogus", "bind_tls": "both", "x_new": 1}]


def test_agent_error_bodies_json_and_html() -> None:
    def json_handler(_r: httpx.Request) -> httpx.Response:
        body = {"error_code": 102, "status_code": 400, "msg": "invalid tunnel configuration", "details": {"err": "x"}}
        return httpx.Response(400, json=body)

    with pytest.raises(PyngrokNgrokHTTPError) as info:
        _agent(json_handler).start_tunnel({"name": "n", "addr": "80"})
    assert info.value.error_code == 102
    assert info.value.details == {"err": "x"}

    with pytest.raises(PyngrokNgrokHTTPError) as html:
        _agent(lambda _r: httpx.Response(500, text="<html>boom</html>")).list_tunnels()
    assert html.value.body == "<html>boom</html>"


def test_agent_undocumented_status_and_bad_json() -> None:
    with pytest.raises(PyngrokNgrokError, match="unreadable"):
        _agent(lambda _r: httpx.Response(200, text="nope")).list_tunnels()
    with pytest.raises(PyngrokNgrokError):
        _agent(lambda _r: httpx.Response(200, json={"unexpected": True})).list_tunnels()


def test_agent_connect_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(PyngrokNgrokURLError, match="Connection refused"):
        _agent(handler).delete_requests()


def test_agent_requests_and_replay() -> None:
    seen: list[httpx.Request] = []
    captured = {"id": "airt_1", "tunnel_name": "web", "request": {"method": "GET", "raw": "R0VU"}}

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        if request.method == "POST":
            return httpx.Response(204)
        return httpx.Response(200, json={"uri": "/api/requests/http", "requests": [captured]})

    api = _agent(handler)
    assert api.list_requests(tunnel_name="web", limit=5)[0]["id"] == "airt_1"
    assert dict(seen[0].url.params) == {"limit": "5", "tunnel_name": "web"}
    api.replay_request("airt_1")
    assert json.loads(seen[1].content) == {"id": "airt_1"}
    api.replay_request("airt_1", "other")
    assert json.loads(seen[2].content) == {"id": "airt_1", "tunnel_name": "other"}


# -- registry --


def test_registry_companions() -> None:
    cfg = PyngrokConfig(config_version="2")
    main = NgrokTunnel({"name": "web", "public_url": "https://a"}, cfg, BASE)
    twin = NgrokTunnel({"name": "web (http)", "public_url": "http://a"}, cfg, BASE)
    other = NgrokTunnel({"name": "tcp", "public_url": "tcp://b"}, cfg, BASE)
    registry = TunnelRegistry(BASE)
    with registry.listing() as listing:
        listing.apply([main, twin, other])
    assert registry.companions("https://a") == ["web (http)"]
    assert registry.companions("tcp://b") == []
    registry.remove("https://a")
    assert registry.tunnels() == [other]


def test_registry_per_agent_and_reset_on_new_api_url() -> None:
    first = registry_for("/x/ngrok", "http://127.0.0.1:1")
    assert registry_for("/x/ngrok", "http://127.0.0.1:1") is first
    assert registry_for("/y/ngrok", "http://127.0.0.1:1") is not first
    assert registry_for("/x/ngrok", "http://127.0.0.1:2") is not first
    drop_registry("/x/ngrok")
    drop_registry("/y/ngrok")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(3, 3.0), (0.5, 0.5), (10**400, math.inf), (True, math.nan), ("3", math.nan), (None, math.nan)],
)
def test_seconds_of_reads_numbers_only(value: object, seconds: float) -> None:
    """The one reading of a timeout argument (``api_request`` and the pytest plugin's ``ngrok_requests``)."""
    got = seconds_of(value)
    assert got == seconds or (math.isnan(got) and math.isnan(seconds))
