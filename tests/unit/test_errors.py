"""Status and transport failures map onto the pyngrok exception tree, with the agent's evidence attached."""

from __future__ import annotations

import json

import httpx
import pytest
from typed_ngrok_agent_api.errors import UnexpectedStatus

from typed_ngrok._errors import (
    agent_http_error,
    cloud_http_error,
    decode_json_object,
    is_missing_route,
    parse_agent_error,
    raise_for_agent_status,
    translate_cloud_transport_errors,
    translate_transport_errors,
)
from typed_ngrok.exception import (
    AuthenticationError,
    CloudAPIError,
    CloudConnectionError,
    NotFoundError,
    PermissionDeniedError,
    PyngrokError,
    PyngrokNgrokError,
    PyngrokNgrokHTTPError,
    PyngrokNgrokURLError,
    RateLimitError,
    ServerError,
    TunnelNotFoundError,
)

URL = "http://127.0.0.1:4040/api/tunnels/web"
NOT_FOUND = b'{"error_code":100,"status_code":404,"msg":"tunnel not found","details":{"name":"web"}}'
ROUTER_404 = b'{"status_code":404,"msg":"Not Found","details":{"path":"/api/status"}}'
BIND_502 = json.dumps(
    {
        "error_code": 103,
        "status_code": 502,
        "msg": "failed to start tunnel",
        "details": {"err": "The tunnel https://taken is already bound\r\n\r\nERR_NGROK_310\r\n"},
    }
).encode()


def test_tunnel_not_found() -> None:
    err = agent_http_error(URL, 404, NOT_FOUND, {"Content-Type": "application/json"})
    assert type(err) is TunnelNotFoundError
    assert err.error_code == 100
    assert err.message == "tunnel not found"
    assert err.details == {"name": "web"}
    assert err.status_code == 404
    assert err.url == URL
    assert err.headers == {"Content-Type": "application/json"}
    assert err.body == NOT_FOUND.decode()
    assert str(err).startswith("ngrok client exception, API returned 404: ")


def test_router_404_is_plain_http_error() -> None:
    err = agent_http_error("http://x/api/status", 404, ROUTER_404)
    assert type(err) is PyngrokNgrokHTTPError
    assert err.error_code is None
    assert err.message == "Not Found"
    assert is_missing_route(404, ROUTER_404)
    assert not is_missing_route(404, NOT_FOUND)
    assert not is_missing_route(400, ROUTER_404)


def test_endpoint_item_404_is_not_found_but_missing_route_is_not() -> None:
    handler = b'{"status_code":404,"msg":"endpoint not found","details":{}}'
    assert type(agent_http_error("http://x/api/endpoints/web", 404, handler)) is TunnelNotFoundError
    missing = agent_http_error("http://x/api/endpoints/web", 404, ROUTER_404)
    assert type(missing) is PyngrokNgrokHTTPError
    assert "too old to support /api/endpoints" in str(missing)


def test_bind_refusal_carries_ngrok_error_code() -> None:
    err = agent_http_error(URL, 502, BIND_502)
    assert err.error_code == 103
    assert err.ngrok_error_code == "ERR_NGROK_310"
    assert "already bound" in err.details["err"]


def test_non_json_error_body_kept_raw() -> None:
    err = agent_http_error(URL, 500, b"<html>oops</html>")
    assert type(err) is PyngrokNgrokHTTPError
    assert err.message is None
    assert err.error_code is None
    assert err.body == "<html>oops</html>"
    assert "<html>oops</html>" in str(err)


def test_empty_error_body() -> None:
    err = agent_http_error(URL, 503, b"")
    assert err.body == ""
    assert "<empty body>" in str(err)


@pytest.mark.parametrize("body", [b"[]", b'"x"', b'{"error_code": true, "msg": 5}', b'{"details": [1]}'])
def test_odd_error_bodies_do_not_crash(body: bytes) -> None:
    parsed = parse_agent_error(body)
    assert parsed.error_code is None
    assert isinstance(parsed.details, dict)


def test_raise_for_agent_status() -> None:
    raise_for_agent_status(URL, 201, b"{}")
    raise_for_agent_status(URL, 204, b"")
    with pytest.raises(TunnelNotFoundError):
        raise_for_agent_status(URL, 404, NOT_FOUND)


def test_decode_json_object() -> None:
    assert decode_json_object(URL, 200, b'{"a": 1}') == {"a": 1}
    assert decode_json_object(URL, 204, b"") == {}
    assert decode_json_object(URL, 200, b"  ") == {}
    with pytest.raises(PyngrokNgrokError, match="not JSON") as info:
        decode_json_object(URL, 200, b"<html/>")
    assert not isinstance(info.value, PyngrokNgrokHTTPError)
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(PyngrokNgrokError, match="not an object"):
        decode_json_object(URL, 200, b"[1, 2]")


def test_timeout_maps_to_url_error() -> None:
    with pytest.raises(PyngrokNgrokURLError) as info, translate_transport_errors(URL):
        raise httpx.ReadTimeout("read timed out")
    assert info.value.reason == "timed out"
    assert str(info.value).startswith("ngrok client exception, URLError: timed out")
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_connect_error_maps_to_url_error() -> None:
    with pytest.raises(PyngrokNgrokURLError) as info, translate_transport_errors(URL):
        raise httpx.ConnectError("[Errno 111] Connection refused")
    assert "Connection refused" in str(info.value.reason)


def test_unexpected_status_maps_to_http_error() -> None:
    with pytest.raises(PyngrokNgrokHTTPError) as info, translate_transport_errors(URL):
        raise UnexpectedStatus(418, b"teapot")
    assert info.value.status_code == 418
    assert info.value.body == "teapot"


@pytest.mark.parametrize("exc", [ValueError("Expecting value"), KeyError("tunnels"), TypeError("bad")])
def test_unreadable_bodies_map_to_ngrok_error(exc: Exception) -> None:
    with pytest.raises(PyngrokNgrokError, match="unreadable response"), translate_transport_errors(URL):
        raise exc


def test_other_errors_pass_through() -> None:
    with pytest.raises(PyngrokError), translate_transport_errors(URL):
        raise PyngrokError("mine")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, CloudAPIError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_cloud_status_table(status: int, cls: type[CloudAPIError]) -> None:
    body = json.dumps(
        {"error_code": "ERR_NGROK_218", "status_code": status, "msg": "nope", "details": {"operation_id": "op_1"}}
    )
    err = cloud_http_error(status, body.encode())
    assert type(err) is cls
    assert err.error_code == "ERR_NGROK_218"
    assert err.operation_id == "op_1"
    assert err.status_code == status
    assert "nope" in str(err)


def test_cloud_non_json_and_header_operation_id() -> None:
    err = cloud_http_error(502, b"bad gateway", {"Ngrok-Operation-Id": "op_2"})
    assert type(err) is ServerError
    assert err.operation_id == "op_2"
    assert err.error_code is None
    assert err.body == "bad gateway"


def test_cloud_transport() -> None:
    with pytest.raises(CloudConnectionError, match="timed out"), translate_cloud_transport_errors():
        raise httpx.ConnectTimeout("x")
    with pytest.raises(CloudConnectionError, match="unreachable"), translate_cloud_transport_errors():
        raise httpx.ConnectError("refused")
