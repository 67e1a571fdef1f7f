"""typed_ngrok.cloud against the fake ngrok API on loopback: every operation, the error matrix, pagination,
encoding, retries, timeouts and the API key's secrecy. Each scenario is written once and runs through both shells
(the ``twin`` fixture: CloudClient and AsyncCloudClient)."""

from __future__ import annotations

import functools
import json
import logging
import platform
import ssl
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

import typed_ngrok
from tests.cloud.conftest import Twin
from tests.cloud.fake_ngrok_api import API_KEY, OPERATION_ID, FakeNgrokAPI, Scripted, error_json
from tests.cloud.operations import CEL, ROWS, Row
from typed_ngrok.cloud import (
    AsyncCloudClient,
    AuthenticationError,
    CloudAPIError,
    CloudClient,
    CloudConnectionError,
    CloudTimeoutError,
    NotFoundError,
    Page,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TunnelSession,
    _services,
)
from typed_ngrok.cloud._operations import Service, _Operation
from typed_ngrok.exception import PyngrokError


# --------------------------------------------------------------------------- every operation
def test_the_table_covers_every_operation() -> None:
    described = {
        f"{cls._name}.{name}"
        for cls in vars(_services).values()
        if isinstance(cls, type) and issubclass(cls, Service) and cls is not Service
        for name, value in vars(cls).items()
        if isinstance(value, _Operation)
    }
    assert described == {row.name for row in ROWS}


def test_both_clients_have_the_same_public_names() -> None:
    def public(cls: type) -> set[str]:
        return {n for c in cls.__mro__ for n in vars(c) if not n.startswith("_")} | set(
            getattr(cls, "__annotations__", {})
        )

    assert public(AsyncCloudClient) == public(CloudClient)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
async def test_operation(twin: Twin, fake: FakeNgrokAPI, row: Row) -> None:
    cloud = twin.open(fake.url)
    if row.iterates:
        result: Any = await twin.items(row.call(cloud))
        assert row.result is not None and result and all(isinstance(item, row.result) for item in result)
    else:
        result = await twin.run(lambda: row.call(cloud))
        if row.result is None:
            assert result is None
        elif isinstance(result, Page):
            assert result.items and all(isinstance(item, row.result) for item in result.items)
        else:
            assert isinstance(result, row.result)
    sent = fake.requests[-1]
    assert (sent.method, sent.raw_path) == (row.method, row.path)
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["ngrok-version"] == "2"
    python = ".".join(platform.python_version_tuple()[:2])
    assert sent.headers["user-agent"] == f"typed-ngrok/{typed_ngrok.__version__} python/{python}"
    if row.sent is None:
        assert sent.body == b""
    else:
        assert sent.headers["content-type"] == "application/json"
        assert json.loads(sent.body) == row.sent


async def test_issue_loop_restarts_every_session(twin: Twin, fake: FakeNgrokAPI) -> None:
    ids = fake.add("tunnel_sessions", 4)
    cloud = twin.open(fake.url)
    for s in await twin.items(cloud.tunnel_sessions.list(limit=2, filter=CEL)):
        await twin.run(functools.partial(cloud.tunnel_sessions.restart, s.id))
    restarted = [r.raw_path for r in fake.requests if r.method == "POST"]
    assert restarted == [f"/tunnel_sessions/{i}/restart" for i in [*reversed(ids), "ts_32ELsession"]]
    lists = [r for r in fake.requests if r.method == "GET"]
    assert len(lists) == 3  # 5 sessions, 2 per page
    assert all(r.query.get("filter") == [CEL] for r in lists[:1])
    assert lists[1].query == {"before_id": [ids[-2]], "limit": ["2"]}  # next_page_uri followed verbatim


# --------------------------------------------------------------------------- pagination
@pytest.mark.parametrize("last_page", ["null", "absent"])
async def test_pagination_ends_on_null_or_absent_next_page_uri(twin: Twin, last_page: str) -> None:
    server = FakeNgrokAPI(next_page=last_page).start()
    try:
        server.add("api_keys", 2)
        cloud = twin.open(server.url)
        keys = await twin.items(cloud.api_keys.list(limit=1))
        assert len(keys) == 3 and len({k.id for k in keys}) == 3
        page = await twin.run(lambda: cloud.api_keys.page(limit=5))
        assert page.next_page_uri is None and len(page.items) == 3
    finally:
        server.stop()


async def test_page_and_next_page(twin: Twin, fake: FakeNgrokAPI) -> None:
    fake.add("credentials", 2)
    cloud = twin.open(fake.url)
    first = await twin.run(lambda: cloud.credentials.page(limit=2))
    assert first.next_page_uri is not None and len(first.items) == 2
    second = await twin.run(lambda: cloud.credentials.page(next_page_uri=first.next_page_uri))
    assert second.next_page_uri is None and [c.id for c in second.items] == ["cr_32ELcredential"]


async def test_next_page_uri_on_another_host_is_refused(twin: Twin, fake: FakeNgrokAPI) -> None:
    fake.public_base = "http://attacker.example"
    fake.add("api_keys", 1)
    cloud = twin.open(fake.url)
    with pytest.raises(CloudAPIError, match="refusing to send the API key"):
        await twin.items(cloud.api_keys.list(limit=1))
    assert len(fake.requests) == 1


async def test_a_repeated_next_page_uri_is_refused(twin: Twin, fake: FakeNgrokAPI) -> None:
    page = {"keys": [], "uri": f"{fake.url}/api_keys", "next_page_uri": f"{fake.url}/api_keys?before_id=ak_1"}
    fake.script(*[Scripted(200, json.dumps(page).encode())] * 3)
    cloud = twin.open(fake.url)
    with pytest.raises(CloudAPIError, match="twice"):
        await twin.items(cloud.api_keys.list())


# --------------------------------------------------------------------------- encoding and arguments
@pytest.mark.parametrize(
    ("rid", "raw"),
    [
        ("ts_1/../../api_keys", "/tunnel_sessions/ts_1%2F..%2F..%2Fapi_keys"),
        ("..", "/tunnel_sessions/%2E%2E"),
        ("a b?c#d", "/tunnel_sessions/a%20b%3Fc%23d"),
    ],
)
async def test_ids_are_one_percent_encoded_segment(twin: Twin, fake: FakeNgrokAPI, rid: str, raw: str) -> None:
    cloud = twin.open(fake.url)
    with pytest.raises(NotFoundError):
        await twin.run(lambda: cloud.tunnel_sessions.get(rid))
    assert fake.requests[-1].raw_path == raw


async def test_filter_reaches_the_wire(twin: Twin, fake: FakeNgrokAPI) -> None:
    cloud = twin.open(fake.url)
    await twin.items(cloud.endpoints.list(before_id="ep_x", limit=7, filter='"public" in obj.bindings'))
    assert fake.requests[-1].query == {"before_id": ["ep_x"], "limit": ["7"], "filter": ['"public" in obj.bindings']}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.tunnel_sessions.get(""),
        lambda c: c.tunnel_sessions.restart(7),
        lambda c: c.tunnel_sessions.page(limit=0),
        lambda c: c.tunnel_sessions.page(limit="5"),
        lambda c: c.tunnel_sessions.page(limit=True),
        lambda c: c.tunnels.page(filter=CEL),  # the tunnels list takes no filter
        lambda c: c.api_keys.create(colour="red"),
        lambda c: c.api_keys.page(limit=1, next_page_uri="http://x/api_keys"),
        lambda c: c.request("TRACE", "/x"),
        lambda c: c.request("GET", "https://elsewhere.example/x"),
    ],
)
async def test_bad_arguments_are_refused_before_any_io(twin: Twin, fake: FakeNgrokAPI, call: Any) -> None:
    cloud = twin.open(fake.url)
    with pytest.raises(PyngrokError):
        result = call(cloud)
        if hasattr(result, "__await__"):
            await result
    assert fake.requests == []


def test_constructor_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NGROK_API_KEY", raising=False)
    with pytest.raises(PyngrokError, match="NGROK_API_KEY"):
        CloudClient()
    monkeypatch.setenv("NGROK_API_KEY", "env-key-123")
    with CloudClient() as cloud:
        assert cloud._core.headers()["Authorization"] == "Bearer env-key-123"
    for kwargs in (
        {"base_url": "http://api.ngrok.com"},  # cleartext to a remote host
        {"base_url": "ftp://127.0.0.1"},
        {"timeout": 0},
        {"timeout": True},
        {"max_retries": -1},
        {"api_key": "key with\nnewline"},
    ):
        with pytest.raises(PyngrokError):
            CloudClient(**kwargs)


# --------------------------------------------------------------------------- the error matrix
MATRIX = [
    ("400", error_json(400, "ERR_NGROK_218", "no version"), CloudAPIError, "ERR_NGROK_218", OPERATION_ID),
    ("401", error_json(401, "ERR_NGROK_201", "bad key"), AuthenticationError, "ERR_NGROK_201", OPERATION_ID),
    ("403", error_json(403, "ERR_NGROK_204", "forbidden"), PermissionDeniedError, "ERR_NGROK_204", OPERATION_ID),
    ("404", error_json(404, "ERR_NGROK_404", "missing"), NotFoundError, "ERR_NGROK_404", OPERATION_ID),
    ("429", error_json(429, "ERR_NGROK_226", "slow down"), RateLimitError, "ERR_NGROK_226", OPERATION_ID),
    (
        "429 Retry-After",
        Scripted(429, error_json(429, "ERR_NGROK_226", "x").body, headers={"Retry-After": "1"}),
        RateLimitError,
        "ERR_NGROK_226",
        OPERATION_ID,
    ),
    ("500 json", error_json(500, "ERR_NGROK_500", "boom"), ServerError, "ERR_NGROK_500", OPERATION_ID),
    ("500 text", Scripted(500, b"internal error", "text/plain"), ServerError, None, None),
    ("502 html", Scripted(502, b"<html><body>bad gateway</body></html>", "text/html"), ServerError, None, None),
    (
        "400 no details",
        error_json(400, "ERR_NGROK_213", "bad body", details=False),
        CloudAPIError,
        "ERR_NGROK_213",
        None,
    ),
    ("503 empty", Scripted(503, b"", None), ServerError, None, None),
    ("418 undeclared", Scripted(418, b"teapot", "text/plain"), CloudAPIError, None, None),
]


@pytest.mark.parametrize(("answer", "cls", "code", "op_id"), [m[1:] for m in MATRIX], ids=[m[0] for m in MATRIX])
async def test_error_matrix(
    twin: Twin, fake: FakeNgrokAPI, answer: Scripted, cls: type[CloudAPIError], code: str | None, op_id: str | None
) -> None:
    fake.script(answer)
    cloud = twin.open(fake.url, max_retries=0)
    with pytest.raises(cls) as caught:
        await twin.run(lambda: cloud.tunnel_sessions.get("ts_32ELsession"))
    err = caught.value
    assert type(err) is cls
    assert err.status_code == answer.status
    assert err.error_code == code
    assert err.operation_id == op_id
    assert err.body == answer.body.decode()
    assert "tunnel_sessions.get" in str(err)


@pytest.mark.parametrize("answer", [m[1] for m in MATRIX], ids=[m[0] for m in MATRIX])
async def test_actions_raise_and_are_never_retried(twin: Twin, fake: FakeNgrokAPI, answer: Scripted) -> None:
    fake.script(answer, answer, answer)
    cloud = twin.open(fake.url, max_retries=2)
    with pytest.raises(CloudAPIError):
        await twin.run(lambda: cloud.tunnel_sessions.restart("ts_32ELsession"))
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "Expecting"),
        (b"[]", "JSON object"),
        (json.dumps({"uri": "u", "started_at": "2025-09-04T10:11:27Z"}).encode(), "'id'"),
        (json.dumps({"id": None, "uri": "u", "started_at": "2025-09-04T10:11:27Z"}).encode(), "required field 'id'"),
        (json.dumps({"id": 5, "uri": "u", "started_at": "2025-09-04T10:11:27Z"}).encode(), "required field 'id'"),
        (json.dumps({"id": "ts_1", "uri": "u", "started_at": "yesterday"}).encode(), "yesterday"),
    ],
)
async def test_unreadable_answers_raise_cloud_api_error_with_the_body(
    twin: Twin, fake: FakeNgrokAPI, body: bytes, reason: str
) -> None:
    fake.script(Scripted(200, body))
    cloud = twin.open(fake.url)
    with pytest.raises(CloudAPIError, match="unreadable body") as caught:
        await twin.run(lambda: cloud.tunnel_sessions.get("ts_1"))
    assert type(caught.value) is CloudAPIError
    assert caught.value.body == body.decode()
    assert reason in str(caught.value)


async def test_an_item_missing_a_required_field_fails_the_list(twin: Twin, fake: FakeNgrokAPI) -> None:
    page = {"tunnel_sessions": [{"id": "ts_1", "uri": "u"}], "uri": "u", "next_page_uri": None}
    fake.script(Scripted(200, json.dumps(page).encode()))
    cloud = twin.open(fake.url)
    with pytest.raises(CloudAPIError, match="started_at"):
        await twin.items(cloud.tunnel_sessions.list())


# --------------------------------------------------------------------------- retries
async def test_get_retries_429_honouring_retry_after(twin: Twin, fake: FakeNgrokAPI) -> None:
    fake.script(Scripted(429, error_json(429, "ERR_NGROK_226", "x").body, headers={"Retry-After": "1"}))
    cloud = twin.open(fake.url, max_retries=1)
    started = time.monotonic()
    session = await twin.run(lambda: cloud.tunnel_sessions.get("ts_32ELsession"))
    assert isinstance(session, TunnelSession)
    assert time.monotonic() - started >= 1.0  # waited as told
    assert len(fake.requests) == 2


@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_get_retries_429_and_5xx_with_backoff(twin: Twin, fake: FakeNgrokAPI, status: int) -> None:
    fake.script(Scripted(status, b"busy", "text/plain"))
    cloud = twin.open(fake.url, max_retries=1)
    assert len(await twin.items(cloud.reserved_addrs.list())) == 1
    assert len(fake.requests) == 2


async def test_retries_are_bounded(twin: Twin, fake: FakeNgrokAPI) -> None:
    fake.script(*[Scripted(500, b"down", "text/plain")] * 3)
    cloud = twin.open(fake.url, max_retries=1)
    with pytest.raises(ServerError):
        await twin.run(lambda: cloud.request("GET", "/ip_policies"))
    assert len(fake.requests) == 2


async def test_a_long_retry_after_is_not_waited_for(twin: Twin, fake: FakeNgrokAPI) -> None:
    fake.script(Scripted(429, b"{}", headers={"Retry-After": "3600"}))
    cloud = twin.open(fake.url, max_retries=2)
    with pytest.raises(RateLimitError):
        await twin.run(lambda: cloud.tunnels.get("tn_32ELtunnel"))
    assert len(fake.requests) == 1


# --------------------------------------------------------------------------- transport failures
async def test_a_silent_server_times_out_within_timeout_plus_one(twin: Twin, silent_server: str) -> None:
    cloud = twin.open(silent_server, timeout=1.0, max_retries=2)
    started = time.monotonic()
    with pytest.raises(CloudTimeoutError):
        await twin.run(lambda: cloud.tunnel_sessions.get("ts_1"))
    assert time.monotonic() - started < 2.0


async def test_a_refused_connection_raises_the_connection_error(twin: Twin, refused_url: str) -> None:
    cloud = twin.open(refused_url, max_retries=0)
    with pytest.raises(CloudConnectionError, match="unreachable") as caught:
        await twin.items(cloud.tunnel_sessions.list())
    assert not isinstance(caught.value, CloudTimeoutError)
    assert caught.value.__cause__ is not None


async def test_a_closed_client_refuses_calls(twin: Twin, fake: FakeNgrokAPI) -> None:
    cloud = twin.open(fake.url)
    await twin.run(cloud.close)
    with pytest.raises(CloudAPIError, match="closed"):
        await twin.run(lambda: cloud.tunnels.get("tn_32ELtunnel"))
    with pytest.raises(CloudAPIError, match="closed"):
        await twin.items(cloud.tunnels.list())
    assert fake.requests == []


# --------------------------------------------------------------------------- request() for any operation
async def test_request_any_operation(twin: Twin, fake: FakeNgrokAPI) -> None:
    cloud = twin.open(fake.url)
    answer = await twin.run(lambda: cloud.request("GET", "/tunnels", params={"limit": 1, "x": None}))
    assert answer is not None and answer["tunnels"][0]["id"] == "tn_32ELlabeled"  # newest first
    assert fake.requests[-1].query == {"limit": ["1"]}
    assert await twin.run(lambda: cloud.request("POST", "/tunnel_sessions/ts_32ELsession/stop")) is None
    assert fake.requests[-1].body == b"{}"  # a POST always carries a JSON body
    with pytest.raises(NotFoundError):
        await twin.run(lambda: cloud.request("GET", "/ip_policies"))


# --------------------------------------------------------------------------- the API key stays secret
async def test_the_key_is_never_in_reprs_logs_or_errors(
    twin: Twin, fake: FakeNgrokAPI, refused_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cloud = twin.open(fake.url, max_retries=1)
    texts = [repr(cloud), str(cloud), repr(cloud.tunnel_sessions), repr(cloud._core)]
    echo = json.dumps({"error_code": "ERR_NGROK_201", "msg": f"bad key {API_KEY}"}).encode()
    fake.script(Scripted(401, echo), Scripted(500, API_KEY.encode(), "text/plain"), Scripted(500, b"x", "text/plain"))
    for call in (lambda: cloud.tunnel_sessions.get("ts_1"), lambda: cloud.tunnel_sessions.get("ts_1")):
        with pytest.raises(CloudAPIError) as caught:
            await twin.run(call)
        texts += [str(caught.value), repr(caught.value), caught.value.body]
    offline = twin.open(refused_url, max_retries=0)
    with pytest.raises(CloudConnectionError) as refused:
        await twin.run(lambda: offline.tunnels.get("tn_1"))
    texts += [str(refused.value), repr(offline)]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records  # requests are logged (at DEBUG)
    assert not [t for t in texts if API_KEY in t]


def test_importing_the_module_is_cheap() -> None:
    """``import typed_ngrok.cloud`` loads neither httpx nor the generated models (they load on first use)."""
    code = (
        "import sys, typed_ngrok.cloud as c; "
        "print(sorted(m for m in ('httpx', 'typed_ngrok_cloud_api', 'typed_ngrok.cloud._client') if m in sys.modules)); "
        "c.CloudClient; print('typed_ngrok.cloud._client' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


async def test_clients_share_one_tls_context_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building httpx's TLS context costs about 20 ms: clients after the first reuse it (sync and async alike)."""
    from httpx._transports import default as httpx_transports

    from typed_ngrok.cloud import _client

    built: list[ssl.SSLContext] = []
    real = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", counting)  # what the clients call
    monkeypatch.setattr(httpx_transports, "create_ssl_context", counting)  # what httpx calls without verify=context
    _client._tls_context.cache_clear()
    try:
        for _ in range(3):
            CloudClient(api_key="k").close()
            await AsyncCloudClient(api_key="k").close()
        assert len({id(context) for context in built}) == 1  # httpx passes a given context through the same call
    finally:
        _client._tls_context.cache_clear()
