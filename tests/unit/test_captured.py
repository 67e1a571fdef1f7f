"""Captured requests, unit level (issue 9 items 3, 4 and 9): pending responses, typed shapes, body decoding, and the
newest-first order across seconds and time zones (which the real agent, recording ``start`` to the second, cannot
show without waiting for the clock), sync and aio over a mock agent answer."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import zlib
from typing import Any

import httpx
import pytest

from typed_ngrok import agent, aio
from typed_ngrok._agent_api.aio import AsyncAgentAPI
from typed_ngrok._agent_api.sync import AgentAPI
from typed_ngrok._tunnels import http_message as _http_message
from typed_ngrok._tunnels.captured import body_still_recording
from typed_ngrok._tunnels.flows import Agent
from typed_ngrok._tunnels.http_message import HttpMessage, parse_http_message
from typed_ngrok._tunnels.model import NgrokTunnel
from typed_ngrok._tunnels.registry import TunnelRegistry
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

PENDING_2_3_41 = {"status": "", "status_code": 0, "proto": "", "headers": None, "raw": None}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _entry(request_id: str, start: str, tunnel: str = "web", response: object = None) -> dict[str, Any]:
    return {
        "id": request_id,
        "uri": f"/api/requests/http/{request_id}",
        "tunnel_name": tunnel,
        "remote_addr": "127.0.0.1",
        "start": start,
        "duration": 10,
        "request": {
            "method": "GET",
            "proto": "HTTP/1.1",
            "headers": {"Host": ["x"]},
            "uri": "/",
            "raw": _b64(b"GET / HTTP/1.1\r\n\r\n"),
        },
        "response": response,
    }


# ---- pending responses and shapes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("response", [None, PENDING_2_3_41, {}, {"status_code": 0}])
def test_a_pending_response_is_none(response: object) -> None:
    captured = agent.CapturedRequest(_entry("airt_1", "2026-11-22T11:41:54Z", response=response))
    assert captured.pending
    assert captured.response is None
    assert captured.raw_response() is None
    assert captured.parsed_response() is None
    assert captured.data["response"] == response  # the agent's JSON is kept as it came


def test_an_answered_response_is_typed_and_parsed() -> None:
    wire = b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n\r\n{}"
    response = {"status": "201 Created", "status_code": 201, "proto": "HTTP/1.1", "headers": None, "raw": _b64(wire)}
    captured = agent.CapturedRequest(_entry("airt_1", "2026-11-22T11:41:54Z", response=response))
    assert not captured.pending
    assert captured.response == {"status": "201 Created", "status_code": 201, "proto": "HTTP/1.1", "raw": _b64(wire)}
    parsed = captured.parsed_response()
    assert parsed is not None and parsed.status_code == 201 and parsed.json() == {}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("request", []),
        ("request", {"raw": 5}),
        ("request", {"headers": {"A": "b"}}),
        ("response", "x"),
        ("response", {"status_code": "200"}),
        ("response", {"status_code": True, "raw": "eA=="}),
        ("duration", 1.5),
        ("start", 5),
        ("tunnel_name", ["web"]),
    ],
)
def test_unexpected_shapes_are_a_pyngrok_ngrok_error(key: str, value: object) -> None:
    """Plain fields are checked at construction; the ``request``/``response`` blocks on first access (a listing of
    100 entries does not pay for blocks it never reads), with the same error."""
    data = _entry("airt_1", "2026-11-22T11:41:54Z")
    data[key] = value
    with pytest.raises(PyngrokNgrokError, match=key):
        captured = agent.CapturedRequest(data)
        getattr(captured, key)
    if key in ("request", "response"):
        captured = agent.CapturedRequest(data)
        with pytest.raises(PyngrokNgrokError, match=key):
            (captured.parsed_request if key == "request" else captured.parsed_response)()


@pytest.mark.parametrize("data", [[], "x", None, 5])
def test_not_an_object_is_a_pyngrok_ngrok_error(data: object) -> None:
    with pytest.raises(PyngrokNgrokError, match="JSON object"):
        agent.CapturedRequest(data)  # type: ignore[arg-type]
    with pytest.raises(PyngrokNgrokError, match="JSON object"):
        agent.NgrokAgent(data)  # type: ignore[arg-type]


def test_invalid_base64_and_a_missing_start_line_are_pyngrok_ngrok_errors() -> None:
    data = _entry("airt_1", "2026-11-22T11:41:54Z", response={"status_code": 200, "raw": "not base64!"})
    captured = agent.CapturedRequest(data)
    with pytest.raises(PyngrokNgrokError, match="base64"):
        captured.parsed_response()
    with pytest.raises(PyngrokNgrokError, match="start line"):
        parse_http_message(b"\r\n\r\nbody")
    with pytest.raises(PyngrokError, match="bytes"):
        parse_http_message("GET / HTTP/1.1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "code"), [(b"200", 200), (b"\xb9\xb9\xb9", None), (b"\xd9\xa3\xd9\xa3", None), (b"20", None)]
)
def test_status_codes_are_three_ascii_digits(status: bytes, code: int | None) -> None:
    assert parse_http_message(b"HTTP/1.1 " + status + b" OK\r\n\r\n").status_code == code


# ---- body decoding ------------------------------------------------------------------------------------------------
def _message(headers: dict[str, str], body: bytes) -> HttpMessage:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()
    return parse_http_message(b"POST / HTTP/1.1\r\n" + head + b"\r\n" + body)


def test_chunked_with_extensions_trailers_and_bare_line_feeds() -> None:
    body = b'4;ext=1\r\n{"a"\r\n3\n: 1\n1\r\n}\r\n0\r\nX-Trailer: y\r\n\r\n'
    message = _message({"Transfer-Encoding": "chunked"}, body)
    assert message.body == body
    assert message.decoded_body == b'{"a": 1}'
    assert message.json() == {"a": 1}


@pytest.mark.parametrize(
    ("coding", "pack"),
    [
        ("gzip", lambda data: gzip.compress(data, mtime=0)),
        ("x-gzip", lambda data: gzip.compress(data, mtime=0)),
        ("gzip", lambda data: gzip.compress(data[:3], mtime=0) + gzip.compress(data[3:], mtime=0)),  # two members
        ("deflate", zlib.compress),
        ("deflate", lambda data: (lambda d: d.compress(data) + d.flush())(zlib.compressobj(wbits=-15))),  # raw
        ("identity", lambda data: data),
        ("gzip, identity", lambda data: gzip.compress(data, mtime=0)),
    ],
)
def test_content_codings_are_undone(coding: str, pack: Any) -> None:
    document = json.dumps({"ok": True, "n": list(range(20))}).encode()
    assert _message({"Content-Encoding": coding}, pack(document)).decoded_body == document
    chunked = _message(
        {"Content-Encoding": coding, "Transfer-Encoding": "chunked"},
        b"%x\r\n%s\r\n0\r\n\r\n" % (len(pack(document)), pack(document)),
    )
    assert chunked.json() == json.loads(document)


@pytest.mark.parametrize(
    ("headers", "body", "match"),
    [
        ({"Transfer-Encoding": "chunked"}, b"zz\r\nab\r\n0\r\n\r\n", "chunk size"),
        ({"Transfer-Encoding": "chunked"}, b"0x2\r\nab\r\n0\r\n\r\n", "chunk size"),
        ({"Transfer-Encoding": "chunked"}, b"\xd9\xa3\r\nabc\r\n0\r\n\r\n", "chunk size"),
        ({"Transfer-Encoding": "chunked"}, b"5\r\nab", "truncated"),
        ({"Transfer-Encoding": "chunked"}, b"2\r\nabXY0\r\n\r\n", "malformed"),
        ({"Transfer-Encoding": "chunked"}, b"2\r\nab\r\n", "truncated"),
        ({"Content-Encoding": "gzip"}, gzip.compress(b"abc", mtime=0)[:-4], "truncated"),
        ({"Content-Encoding": "gzip"}, b"not gzip at all", "corrupt"),
        ({"Content-Encoding": "gzip"}, gzip.compress(b"abc", mtime=0) + b"garbage", "corrupt"),
        ({"Content-Encoding": "deflate"}, b"\x78\x9c garbage", "corrupt"),
        ({"Content-Encoding": "br"}, b"\x0b\x01\x80abc\x03", "'br'"),
    ],
)
def test_malformed_framing_or_compression_is_a_pyngrok_ngrok_error(
    headers: dict[str, str], body: bytes, match: str
) -> None:
    message = _message(headers, body)
    assert message.body == body
    with pytest.raises(PyngrokNgrokError, match=match):
        message.decoded_body  # noqa: B018
    with pytest.raises(PyngrokNgrokError):
        message.json()


def test_a_compression_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http_message, "MAX_DECODED_BODY", 1000)
    with pytest.raises(PyngrokNgrokError, match="more than 1000 bytes"):
        _message({"Content-Encoding": "gzip"}, gzip.compress(b"\0" * 5000)).decoded_body  # noqa: B018
    with pytest.raises(PyngrokNgrokError, match="larger than 1000 bytes"):
        _message({"Transfer-Encoding": "chunked"}, b"7d1\r\n" + b"a" * 2001 + b"\r\n0\r\n\r\n").decoded_body  # noqa: B018
    assert _message({"Content-Encoding": "gzip"}, gzip.compress(b"\0" * 1000)).decoded_body == b"\0" * 1000


def test_text_uses_the_charset_and_fails_cleanly() -> None:
    assert _message({"Content-Type": "text/plain; charset=latin-1"}, "é".encode("latin-1")).text() == "é"
    assert _message({}, "é".encode()).text() == "é"
    with pytest.raises(PyngrokNgrokError, match="not valid utf-8"):
        _message({}, b"\xff").text()
    with pytest.raises(PyngrokNgrokError, match="unknown text encoding"):
        _message({"Content-Type": "text/plain; charset=bogus"}, b"x").text()
    with pytest.raises(PyngrokNgrokError, match="unknown text encoding"):
        _message({}, b"x").text("rot13")
    with pytest.raises(PyngrokNgrokError, match="not JSON"):
        _message({}, b"[" * 100_000).json()


# ---- order and limit, sync and aio ---------------------------------------------------------------------------------
ENTRIES = [  # the agent's order, as scrambled as 2.3.41's (ids are random within a second)
    _entry("airt_b", "2026-11-22T11:41:54Z"),
    _entry("airt_late", "2026-11-22T04:41:56-07:00"),  # 11:41:56Z: the newest, in another time zone
    _entry("airt_none", "not a time"),
    _entry("airt_a", "2026-11-22T11:41:54Z"),
    _entry("airt_c", "2026-11-22T11:41:54Z", tunnel="web (http)"),
    _entry("airt_frac", "2026-11-22T11:41:55.5Z"),
    _entry("airt_old", "2026-11-22T11:41:53Z"),
]
NEWEST_FIRST = ["airt_late", "airt_frac", "airt_c", "airt_b", "airt_a", "airt_old", "airt_none"]


def _handler(seen: list[httpx.URL]) -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        name = request.url.params.get("tunnel_name")
        items = [e for e in ENTRIES if name is None or e["tunnel_name"].startswith(name)]  # the agent's prefix match
        return httpx.Response(200, json={"uri": "/api/requests/http", "requests": items})

    return handle


@pytest.mark.parametrize(
    ("tunnel_name", "limit", "expected"),
    [
        (None, None, NEWEST_FIRST),
        (None, 1, ["airt_late"]),
        (None, 3, NEWEST_FIRST[:3]),
        ("web", 2, ["airt_late", "airt_frac"]),
        ("web (http)", None, ["airt_c"]),
    ],
)
def test_get_requests_sorts_newest_first_and_limits_after_sorting(
    monkeypatch: pytest.MonkeyPatch, tunnel_name: str | None, limit: int | None, expected: list[str]
) -> None:
    seen: list[httpx.URL] = []
    api = AgentAPI("http://127.0.0.1:4040", transport=httpx.MockTransport(_handler(seen)))
    monkeypatch.setattr(
        agent, "_api", lambda cfg: Agent(PyngrokConfig(), api.api_url, api, TunnelRegistry(api.api_url))
    )
    try:
        assert [r.id for r in agent.get_requests(tunnel_name, PyngrokConfig(), limit=limit)] == expected
    finally:
        api.close()
    assert all("limit" not in url.params for url in seen)  # the agent's limit keeps an arbitrary one

    async def twin() -> list[str]:
        aseen: list[httpx.URL] = []
        aapi = AsyncAgentAPI("http://127.0.0.1:4040", transport=httpx.MockTransport(_handler(aseen)))

        async def _api(cfg: object) -> Agent[AsyncAgentAPI]:
            return Agent(PyngrokConfig(), aapi.api_url, aapi, TunnelRegistry(aapi.api_url))

        monkeypatch.setattr(aio, "_api", _api)
        try:
            return [r.id for r in await aio.get_requests(tunnel_name, PyngrokConfig(), limit=limit)]
        finally:
            await aapi.close()
            assert all("limit" not in url.params for url in aseen)

    assert asyncio.run(twin()) == expected


@pytest.mark.parametrize("segment", ["%20", "%2E", "%2e%2E", "a%2Fb", "%0A"])
def test_refresh_metrics_refuses_a_uri_that_would_reach_another_route(segment: str) -> None:
    tunnel = NgrokTunnel({"name": "web", "uri": f"/api/tunnels/{segment}"}, PyngrokConfig(), "http://127.0.0.1:9")
    with pytest.raises(PyngrokError, match="uri must be a tunnel's API path") as info:
        tunnel.refresh_metrics()
    assert not isinstance(info.value, PyngrokNgrokError)  # refused before any request (port 9 would be refused)


def _exchange(wire: bytes, method: str = "POST", status: int | None = None) -> dict[str, Any]:
    code = status if status is not None else int(wire.split(b" ", 2)[1])
    return {
        "id": "r1",
        "request": {"method": method, "raw": ""},
        "response": {"status_code": code, "raw": base64.b64encode(wire).decode()},
    }


HEAD_17 = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n"


@pytest.mark.parametrize(
    ("data", "recording"),
    [
        # 2.3.41 under load: the head is stored, the body not yet (a real capture's shape)
        (_exchange(HEAD_17), True),
        (_exchange(HEAD_17 + b'{"path": "/h'), True),
        (_exchange(HEAD_17 + b'{"path": "/hold"}'), False),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), True),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"), False),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), True),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello"), True),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r"), True),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"), True),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n"), False),
        (_exchange(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello"), False),  # malformed
        # answers without a body, whatever they declare
        (_exchange(HEAD_17, method="HEAD"), False),
        (_exchange(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 17\r\n\r\n"), False),
        (_exchange(b"HTTP/1.1 204 No Content\r\nContent-Length: 17\r\n\r\n"), False),
        (_exchange(b"HTTP/1.1 200 OK\r\n\r\n"), False),  # no length: read to the end, nothing to wait for
        # the agent's own cut at 5 MiB: complete as it will ever be
        (_exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 12000000\r\n\r\n".ljust(5 * 1024 * 1024, b"a")), False),
        (_exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 12000000\r\n\r\n".ljust(5 * 1024 * 1024 - 1, b"a")), True),
        # pending, unreadable or absent: not this question
        ({"id": "r1", "response": {"status": "", "status_code": 0, "proto": "", "headers": None, "raw": None}}, False),
        ({"id": "r1", "response": {"status_code": 200, "raw": "not base64!"}}, False),
        ({"id": "r1"}, False),
        ("not an object", False),
    ],
)
def test_a_body_still_being_recorded_is_told_apart(data: object, recording: bool) -> None:
    assert body_still_recording(data) is recording
