"""The local edge's cloud API (docs/edge-cloud.md) with real 2.3.41 agents: typed_ngrok.cloud's sync and async
clients list, get, restart, update and stop real agent sessions; a fleet of three agents is filtered, paged and one of
them restarted; ngrok-api 0.19.0 reads it and its body-less actions fail as against ngrok; bad input gets ngrok's error
shape and the API keeps serving."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import socket
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import yaml

from tests.cloud.conftest import Twin, ref_id
from tests.edge.agent_harness import Agent, Upstream
from tests.edge.test_edge_sdk_raw_agent import RawAgent
from typed_ngrok.cloud import CloudAPIError, NotFoundError
from typed_ngrok.edge import LocalEdge
from typed_ngrok.edge.__main__ import render_config
from typed_ngrok.edge._cloud_api import CONTROL_TIMEOUT
from typed_ngrok.edge._muxado import FrameType, encode_data
from typed_ngrok.edge._rpc import RESTART, STOP, UPDATE
from typed_ngrok.edge._session import Stream, StreamResetError
from typed_ngrok.exception import CloudTimeoutError, LocalEdgeError

SpawnAgent = Callable[..., Agent]


def _headers(edge: LocalEdge) -> dict[str, str]:
    return {"Authorization": f"Bearer {edge.cloud_api_key}", "Ngrok-Version": "2"}


def _started(agent: Agent, upstream: Upstream, name: str = "web") -> str:
    agent.wait_ready()
    created = agent.create_tunnel(name=name, proto="http", addr=str(upstream.port), bind_tls=True)
    assert created.status_code == 201, created.text
    url: str = created.json()["public_url"]
    return url


def _session_of(edge: LocalEdge, metadata: str) -> str:
    headers = _headers(edge)
    params = {"filter": f'obj.metadata == "{metadata}"'}
    found = httpx.get(f"{edge.cloud_api_url}/tunnel_sessions", headers=headers, params=params).json()
    assert len(found["tunnel_sessions"]) == 1, found
    sid: str = found["tunnel_sessions"][0]["id"]
    return sid


async def test_one_agent_through_the_cloud_client(
    twin: Twin, edge: LocalEdge, upstream: Upstream, spawn_agent: SpawnAgent
) -> None:
    """List, get, tunnels, endpoints, then update (refused by the agent), restart (a new session), stop (exit)."""
    metadata = f"cloud-client-{twin.kind}"
    agent = spawn_agent(edge, metadata=metadata)
    public_url = _started(agent, upstream)
    cloud = twin.open(edge.cloud_api_url, api_key=edge.cloud_api_key, max_retries=0)

    sessions = await twin.items(cloud.tunnel_sessions.list(filter=f'obj.metadata == "{metadata}"'))
    assert len(sessions) == 1
    session = sessions[0]
    assert session.id.startswith("ts_") and session.id in {s.id for s in edge.sessions}
    assert (session.agent_version, session.os, session.ip) == ("2.3.41", "linux", "127.0.0.1")
    assert (session.region, session.transport, session.metadata) == ("local", "ngrok/2", metadata)
    assert ref_id(session.credential).startswith("cr_")
    assert session.uri == f"{edge.cloud_api_url}/tunnel_sessions/{session.id}"
    assert isinstance(session.started_at, datetime) and session.started_at.tzinfo is not None
    got = await twin.run(lambda: cloud.tunnel_sessions.get(session.id))
    assert got.to_dict() == session.to_dict()

    tunnels = [t for t in await twin.items(cloud.tunnels.list()) if ref_id(t.tunnel_session) == session.id]
    assert [(t.public_url, t.proto, t.region) for t in tunnels] == [(public_url, "https", "local")]
    tunnel = await twin.run(lambda: cloud.tunnels.get(tunnels[0].id))
    assert tunnel.to_dict() == tunnels[0].to_dict() and tunnel.id.startswith("tn_")
    endpoints = [e for e in await twin.items(cloud.endpoints.list()) if ref_id(e.tunnel_session) == session.id]
    assert [(e.url, e.proto, e.type_, ref_id(e.tunnel)) for e in endpoints] == [
        (public_url, "https", "ephemeral", tunnel.id)
    ]
    assert ref_id(tunnel.endpoint) == endpoints[0].id
    endpoint = await twin.run(lambda: cloud.endpoints.get(endpoints[0].id))
    assert endpoint.to_dict() == endpoints[0].to_dict()
    assert endpoint.port == int(public_url.rsplit(":", 1)[1]) and endpoint.hostport.endswith(f":{endpoint.port}")

    with pytest.raises(CloudAPIError) as refused:
        await twin.run(lambda: cloud.tunnel_sessions.update(session.id))
    assert refused.value.status_code == 400 and refused.value.error_code == "ERR_NGROK_809"
    assert "updates disabled" in str(refused.value) and refused.value.operation_id

    mark = edge.mark()
    assert await twin.run(lambda: cloud.tunnel_sessions.restart(session.id)) is None
    event = await edge.await_event("session", since=mark, match=lambda e: e.session_id != session.id, timeout=20)
    assert agent.proc.poll() is None  # the same process re-executed itself
    renewed = await twin.items(cloud.tunnel_sessions.list(filter=f'obj.metadata == "{metadata}"'))
    assert [s.id for s in renewed] == [event.session_id]
    with pytest.raises(NotFoundError):  # the old session is gone
        await twin.run(lambda: cloud.tunnel_sessions.get(session.id))

    assert await twin.run(lambda: cloud.tunnel_sessions.stop(event.session_id)) is None
    assert agent.proc.wait(20) == 0


def test_three_agents_one_restarted(edge: LocalEdge, upstream: Upstream, spawn_agent: SpawnAgent) -> None:
    """A fleet: filters select one or two, pages of one follow next_page_uri, one restart leaves the others alone."""
    from typed_ngrok.cloud import CloudClient

    agents = [spawn_agent(edge, metadata=f"fleet-{n}") for n in range(3)]
    for n, one in enumerate(agents):
        _started(one, upstream, name=f"fleet{n}")
    with CloudClient(base_url=edge.cloud_api_url, api_key=edge.cloud_api_key, max_retries=0) as cloud:
        fleet = 'obj.metadata >= "fleet-" && obj.metadata < "fleet-9"'
        before = {str(s.metadata): s for s in cloud.tunnel_sessions.list(filter=fleet)}
        assert sorted(before) == ["fleet-0", "fleet-1", "fleet-2"]
        selected = list(cloud.tunnel_sessions.list(filter='obj.metadata == "fleet-1"'))
        assert [s.id for s in selected] == [before["fleet-1"].id]
        by_id = f'obj.id == "{before["fleet-2"].id}" || (obj.metadata == "fleet-0" && obj.os == "linux")'
        assert {s.metadata for s in cloud.tunnel_sessions.list(filter=by_id)} == {"fleet-0", "fleet-2"}
        first = cloud.tunnel_sessions.page(limit=1, filter=fleet)
        assert len(first.items) == 1 and first.next_page_uri is not None
        assert first.next_page_uri.startswith(f"{edge.cloud_api_url}/tunnel_sessions?before_id=")
        paged = list(cloud.tunnel_sessions.list(limit=1, filter=fleet))
        assert [s.id for s in paged] == [s.id for s in cloud.tunnel_sessions.list(filter=fleet)]
        assert len(paged) == 3 and paged[0].started_at >= paged[-1].started_at  # newest first

        def tunnels_of(session_id: str) -> list[dict[str, Any]]:
            return [t.to_dict() for t in cloud.tunnels.list() if ref_id(t.tunnel_session) == session_id]

        tunnels_before = {name: tunnels_of(s.id) for name, s in before.items()}
        agent_urls = [one.tunnels() for one in agents]
        assert [len(tunnels_before[f"fleet-{n}"]) for n in range(3)] == [1, 1, 1]
        mark, line_mark = edge.mark(), agents[1].mark()
        cloud.tunnel_sessions.restart(before["fleet-1"].id)
        renewed = edge.wait_for_event(
            "session", since=mark, timeout=20, match=lambda e: e.session_id not in {s.id for s in before.values()}
        )
        after = {str(s.metadata): s for s in cloud.tunnel_sessions.list(filter=fleet)}
        assert after["fleet-1"].id == renewed.session_id != before["fleet-1"].id
        for n in (0, 2):  # the untouched agents: same session, same tunnels and URLs, on the edge and in the agent
            untouched = f"fleet-{n}"
            assert after[untouched].to_dict() == before[untouched].to_dict()
            assert tunnels_of(after[untouched].id) == tunnels_before[untouched]
            assert agents[n].tunnels() == agent_urls[n]
        # the restarted 2.3.41 agent lost its API-made tunnel (docs/edge-protocol.md §5); asked for again (as
        # typed_ngrok does), it gets its old URL back
        agents[1].wait_line("client session established", since=line_mark)
        assert _started(agents[1], upstream, name="fleet1") == agent_urls[1]["fleet1"]
        [back] = tunnels_of(after["fleet-1"].id)
        assert back["public_url"] == tunnels_before["fleet-1"][0]["public_url"]
        with pytest.raises(NotFoundError) as gone:  # an action on the session that just went away
            cloud.tunnel_sessions.stop(before["fleet-1"].id)
        assert gone.value.status_code == 404 and gone.value.error_code == "ERR_NGROK_404"
    assert all(one.proc.poll() is None for one in agents)


async def test_two_same_key_agents_restarted_together_get_fresh_urls(
    edge: LocalEdge, upstream: Upstream, spawn_agent: SpawnAgent
) -> None:
    """Two agents the edge cannot tell apart (same authtoken, version, OS, metadata) restarted at the same time: no
    URL passes from one to the other; both get fresh URLs (docs/edge-protocol.md §5, fail closed)."""
    twins = [spawn_agent(edge, metadata="same-key") for _ in range(2)]
    old_urls = {await asyncio.to_thread(_started, one, upstream, "web") for one in twins}
    ids = {s.id for s in edge.sessions if s.metadata == "same-key" and s.alive}
    assert len(ids) == 2 and len(old_urls) == 2
    mark, line_marks = edge.mark(), [one.mark() for one in twins]
    replies = await asyncio.gather(*(asyncio.to_thread(edge.restart_agent, sid) for sid in ids))
    assert all(not (reply or {}).get("Error") for reply in replies)
    new_ids: set[str] = set()
    for _ in twins:
        event = await edge.await_event(
            "session", since=mark, timeout=30, match=lambda e: e.session_id not in ids | new_ids
        )
        new_ids.add(event.session_id)
    for one, line_mark in zip(twins, line_marks, strict=True):
        await asyncio.to_thread(one.wait_line, "client session established", since=line_mark)
    new_urls = {await asyncio.to_thread(_started, one, upstream, "web") for one in twins}
    assert len(new_urls) == 2 and not new_urls & old_urls


def test_ngrok_api_client(edge: LocalEdge, upstream: Upstream, spawn_agent: SpawnAgent) -> None:
    """ngrok-api 0.19.0 lists and gets; its actions send no body and fail with 400 as against ngrok."""
    ngrok: Any = pytest.importorskip("ngrok", reason="ngrok-api 0.19.0 is a dev dependency: pip install -e '.[dev]'")
    if not hasattr(ngrok, "Client"):
        pytest.skip("the installed `ngrok` module is not ngrok-api")
    agent = spawn_agent(edge, metadata="ngrok-api")
    public_url = _started(agent, upstream)
    sid = _session_of(edge, "ngrok-api")
    client = ngrok.Client(edge.cloud_api_key, base_url=edge.cloud_api_url)
    listed = [s for s in client.tunnel_sessions.list() if s.id == sid]
    assert len(listed) == 1 and listed[0].agent_version == "2.3.41" and listed[0].metadata == "ngrok-api"
    got = client.tunnel_sessions.get(sid)
    assert (got.id, got.os, got.region, got.credential.id) == (sid, "linux", "local", listed[0].credential.id)
    tunnels = [t for t in client.tunnels.list() if t.tunnel_session.id == sid]
    assert [t.public_url for t in tunnels] == [public_url]
    assert client.tunnels.get(tunnels[0].id).public_url == public_url
    endpoints = [e for e in client.endpoints.list() if e.tunnel_session.id == sid]
    assert [e.url for e in endpoints] == [public_url]
    for action in (client.tunnel_sessions.restart, client.tunnel_sessions.stop, client.tunnel_sessions.update):
        with pytest.raises(ngrok.Error) as caught:
            action(sid)
        assert caught.value.http_status_code == 400 and caught.value.error_code == "ERR_NGROK_213"
    assert _session_of(edge, "ngrok-api") == sid and agent.proc.poll() is None  # nothing reached the agent
    with pytest.raises(ngrok.Error) as refused:  # a parameter the edge does not serve is refused, never ignored
        list(client.endpoints.list(url=[public_url]))
    assert refused.value.http_status_code == 400 and refused.value.error_code == "ERR_NGROK_400"
    paged = list(client.tunnel_sessions.list(limit="1"))  # follows next_page_uri
    assert sid in {s.id for s in paged} and len(paged) == len({s.id for s in paged})


@pytest.fixture
def raw(edge: LocalEdge) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=edge.cloud_api_url, timeout=10.0) as client:
        yield client


def _assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"error_code", "status_code", "msg", "details"}
    assert (body["error_code"], body["status_code"]) == (code, status) and body["msg"]
    assert body["details"]["operation_id"].startswith("op_")
    return body


def _serving(edge: LocalEdge) -> None:
    """A good request on a new connection still gets its answer."""
    with httpx.Client(base_url=edge.cloud_api_url, timeout=10.0) as fresh:
        answer = fresh.get("/tunnel_sessions", headers=_headers(edge))
    assert answer.status_code == 200 and set(answer.json()) == {"tunnel_sessions", "uri", "next_page_uri"}


KEY = "<the key>"
GOOD = {"Authorization": KEY, "Ngrok-Version": "2"}
JSON = {**GOOD, "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "code"),
    [
        ("GET", "/tunnel_sessions", {"Ngrok-Version": "2"}, None, 401, "ERR_NGROK_200"),
        ("GET", "/tunnel_sessions", {"Authorization": "Basic eDp5", "Ngrok-Version": "2"}, None, 401, "ERR_NGROK_201"),
        (
            "GET",
            "/tunnel_sessions",
            {"Authorization": "Bearer wrong", "Ngrok-Version": "2"},
            None,
            401,
            "ERR_NGROK_203",
        ),
        ("GET", "/tunnel_sessions", {"Authorization": KEY}, None, 400, "ERR_NGROK_218"),
        ("GET", "/tunnel_sessions", {"Authorization": KEY, "Ngrok-Version": "1"}, None, 400, "ERR_NGROK_217"),
        ("GET", "/tunnel_sessions/ts_unknown", GOOD, None, 404, "ERR_NGROK_404"),
        ("GET", "/tunnels/tn_unknown", GOOD, None, 404, "ERR_NGROK_404"),
        ("GET", "/endpoints/ep_unknown", GOOD, None, 404, "ERR_NGROK_404"),
        ("GET", "/reserved_domains", GOOD, None, 404, "ERR_NGROK_404"),
        ("DELETE", "/tunnel_sessions/ts_unknown", GOOD, None, 405, "ERR_NGROK_405"),
        ("GET", "/tunnel_sessions/ts_unknown/restart", GOOD, None, 405, "ERR_NGROK_405"),
        ("POST", "/tunnel_sessions/ts_unknown/restart", JSON, b"{}", 404, "ERR_NGROK_404"),
        ("POST", "/tunnel_sessions/ts_x/stop", JSON, b"{not json", 400, "ERR_NGROK_213"),
        ("POST", "/tunnel_sessions/ts_x/stop", JSON, b"[]", 400, "ERR_NGROK_213"),
        ("POST", "/tunnel_sessions/ts_x/stop", JSON, b"", 400, "ERR_NGROK_213"),
        ("POST", "/tunnel_sessions/ts_x/stop", {**GOOD, "Content-Type": "text/plain"}, b"{}", 400, "ERR_NGROK_213"),
        ("GET", "/tunnel_sessions?limit=1000000", GOOD, None, 400, "ERR_NGROK_233"),
        ("GET", "/tunnel_sessions?limit=0", GOOD, None, 400, "ERR_NGROK_233"),
        ("GET", "/tunnel_sessions?limit=many", GOOD, None, 400, "ERR_NGROK_244"),
        ("GET", "/tunnel_sessions?filter=size(obj.id)%20%3E%200", GOOD, None, 400, "ERR_NGROK_250"),
        ("GET", "/tunnels?filter=obj.proto%20%3D%3D", GOOD, None, 400, "ERR_NGROK_250"),
        ("GET", "/endpoints?filter=obj.port", GOOD, None, 400, "ERR_NGROK_250"),
        ("POST", "/tunnel_sessions/ts_x/stop", JSON, b"[" * 65000, 400, "ERR_NGROK_213"),
        ("GET", "/endpoints?ids=ep_1", GOOD, None, 400, "ERR_NGROK_400"),
        ("GET", "/endpoints?url=https%3A%2F%2Fx", GOOD, None, 400, "ERR_NGROK_400"),
        ("GET", "/tunnels?filter=true&filter=false", GOOD, None, 400, "ERR_NGROK_400"),
    ],
)
def test_bad_requests(
    edge: LocalEdge,
    raw: httpx.Client,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    status: int,
    code: str,
) -> None:
    sent = {name: (f"Bearer {edge.cloud_api_key}" if value == KEY else value) for name, value in headers.items()}
    _assert_error(raw.request(method, path, headers=sent, content=body), status, code)
    _serving(edge)


def test_filter_that_cannot_be_evaluated_on_the_data(
    edge: LocalEdge, upstream: Upstream, spawn_agent: SpawnAgent
) -> None:
    """A filter that parses but cannot be evaluated (ordering a string against a number) is a 400, not ignored."""
    agent = spawn_agent(edge, metadata="evaluated")
    _started(agent, upstream)
    with httpx.Client(base_url=edge.cloud_api_url, headers=_headers(edge)) as client:
        body = _assert_error(
            client.get("/tunnel_sessions", params={"filter": "obj.agent_version > 2"}), 400, "ERR_NGROK_250"
        )
        assert "string and number" in body["msg"]
        assert client.get("/tunnel_sessions", params={"filter": 'obj.agent_version > "2"'}).status_code == 200


def _exchange(edge: LocalEdge, data: bytes) -> bytes:
    port = int(edge.cloud_api_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n", 400, "ERR_NGROK_400"),
        # 1 MB: far more than the edge reads before answering; it drops the rest, so closing resets nothing
        (b"GET /tunnel_sessions HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n", 431, "ERR_NGROK_812"),
        (
            b"POST /tunnel_sessions/ts_x/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n{}",
            413,
            "ERR_NGROK_812",
        ),
        (
            b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
            "ERR_NGROK_400",
        ),
    ],
    ids=["tls-hello", "huge-head", "huge-body", "bad-framing"],
)
def test_malformed_http(edge: LocalEdge, data: bytes, status: int, code: str) -> None:
    reply = _exchange(edge, data)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), reply[:200]
    parsed = json.loads(body)
    assert (parsed["error_code"], parsed["status_code"]) == (code, status)
    _serving(edge)


def test_silent_and_half_requests_do_not_block_others(edge: LocalEdge) -> None:
    port = int(edge.cloud_api_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as idle, socket.create_connection(("127.0.0.1", port)) as half:
        half.sendall(b"GET /tunnel_sessions HTTP/1.1\r\nHost: x\r\n")  # never finished
        _serving(edge)
        idle.close()
    assert _exchange(edge, b"") == b""  # a client that leaves at once gets nothing and breaks nothing
    _serving(edge)


def test_keep_alive_and_key_never_shown(edge: LocalEdge, raw: httpx.Client) -> None:
    """Several requests on one connection; the key is in no answer and not in the edge's repr."""
    for _ in range(3):
        answer = raw.get("/tunnels", headers=_headers(edge))
        assert answer.status_code == 200 and edge.cloud_api_key not in answer.text
    wrong = raw.get("/tunnels", headers={"Authorization": "Bearer not-the-key", "Ngrok-Version": "2"})
    assert "not-the-key" not in wrong.text and edge.cloud_api_key not in repr(edge)


def test_cloud_api_lifetime(tmp_path: Any) -> None:
    """The listener starts and stops with the edge and keeps its port across restart(); a given key is used."""
    edge = LocalEdge(cloud_api_key="given-key-123")
    with pytest.raises(Exception, match="not running"):
        _ = edge.cloud_api_url
    with edge:
        url = edge.cloud_api_url
        headers = {"Authorization": "Bearer given-key-123", "Ngrok-Version": "2"}
        assert httpx.get(f"{url}/tunnel_sessions", headers=headers).status_code == 200
        edge.restart()
        assert edge.cloud_api_url == url
        assert httpx.get(f"{url}/tunnel_sessions", headers=headers).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/tunnel_sessions", headers=headers)


def test_main_prints_the_cloud_api(edge: LocalEdge) -> None:
    """``python -m typed_ngrok.edge`` prints the cloud API's URL and key as comments beside the agent config."""
    text = render_config(edge, "2")
    assert f"cloud_api_url {edge.cloud_api_url}\n" in text and f"cloud_api_key {edge.cloud_api_key}\n" in text
    assert all(line.startswith("#") for line in text.splitlines() if "cloud_api" in line)
    assert yaml.safe_load(text)["server_addr"] == edge.server_addr  # still valid YAML
    headers = {"Authorization": f"Bearer {edge.cloud_api_key}", "Ngrok-Version": "2"}
    assert httpx.get(f"{edge.cloud_api_url}/endpoints", headers=headers).status_code == 200


async def test_sdk_and_agent_sessions_side_by_side(
    edge: LocalEdge, upstream: Upstream, spawn_agent: SpawnAgent
) -> None:
    """ngrok's Python SDK session appears beside a 2.3.41 agent's, with its own version, metadata and forwards_to."""
    from tests.edge.sdk_harness import py_session

    agent = spawn_agent(edge, metadata="side-agent")
    _started(agent, upstream)
    target = f"http://127.0.0.1:{upstream.port}"
    async with py_session(edge, metadata="side-sdk") as session:
        listener = await session.http_endpoint().metadata("sdk-bind").listen_and_forward(target)
        async with httpx.AsyncClient(base_url=edge.cloud_api_url, headers=_headers(edge)) as client:
            listed = (await client.get("/tunnel_sessions", params={"filter": 'obj.metadata >= "side-"'})).json()
            versions = {s["metadata"]: s["agent_version"] for s in listed["tunnel_sessions"]}
            assert versions == {"side-sdk": "1.7.0", "side-agent": "2.3.41"}
            sdk_id = next(s["id"] for s in listed["tunnel_sessions"] if s["metadata"] == "side-sdk")
            tunnels = (await client.get("/tunnels", params={"filter": f'obj.tunnel_session.id == "{sdk_id}"'})).json()
            [tunnel] = tunnels["tunnels"]
            assert (tunnel["public_url"], tunnel["metadata"]) == (listener.url(), "sdk-bind")
            assert tunnel["forwards_to"] == f"{target}/"
            endpoint = (await client.get(f"/endpoints/{tunnel['endpoint']['id']}")).json()
            assert (endpoint["url"], endpoint["upstream_url"]) == (listener.url(), f"{target}/")
            refused = (await client.post(f"/tunnel_sessions/{sdk_id}/update", json={})).json()
            assert refused["error_code"] == "ERR_NGROK_809"  # the SDK's own refusal, as the agent's is
            assert refused["msg"].endswith("the agent has not defined a callback for this operation")


RAW_BIND = {"id": "", "proto": "http", "opts": {}, "extra": {}}


async def _raw_session(edge: LocalEdge, metadata: str = "silent") -> tuple[RawAgent, str, str]:
    """A hand-written agent that authenticates and binds, and never answers a command: (agent, session id, URL)."""
    agent = await RawAgent.connect(edge)
    extra = {"authtoken": "raw", "clienttype": "raw-agent", "metadata": metadata}
    auth = await agent.rpc(3, 0, {"version": ["2"], "extra": extra})
    bind = await agent.rpc(5, 1, RAW_BIND)
    assert auth["Error"] == "" and bind["Error"] == ""
    return agent, str(auth["ClientId"]), str(bind["URL"])


async def test_an_action_the_agent_never_answers_is_502_and_reserves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No reply while the session stays open: the API says 502 ERR_NGROK_810 (not 204), LocalEdge raises, and the
    session is not taken for restarting: after it ends, the same agent's next session gets a fresh URL."""
    monkeypatch.setattr("typed_ngrok.edge._edge.CONTROL_TIMEOUT", 0.5)
    async with LocalEdge(heartbeat_interval=0) as edge:
        agent, sid, url = await _raw_session(edge)
        try:
            async with httpx.AsyncClient(base_url=edge.cloud_api_url, headers=_headers(edge)) as client:
                for action in ("restart", "stop", "update"):
                    answer = await client.post(f"/tunnel_sessions/{sid}/{action}", json={})
                    _assert_error(answer, 502, "ERR_NGROK_810")
            with pytest.raises(LocalEdgeError, match="did not answer"):
                await edge.arestart_agent(sid, timeout=0.2)
            assert [s.id for s in edge.sessions if s.alive] == [sid]
        finally:
            agent.writer.close()
        await edge.await_event("session_closed", match=lambda e: e.session_id == sid)
        again, _, fresh = await _raw_session(edge)  # what a re-executed agent would send
        again.writer.close()
        assert fresh != url


async def test_only_authenticated_open_sessions_are_live_everywhere() -> None:
    """A connection that has not authenticated and a session that ended are live nowhere: not in the core's
    live_sessions(), not in the cloud API's sessions or tunnels, not what the edge's controls pick."""
    async with LocalEdge(heartbeat_interval=0) as edge:
        pending = await RawAgent.connect(edge)  # TLS done, no Auth
        ended, ended_sid, _ = await _raw_session(edge, metadata="ended")
        live, live_sid, _ = await _raw_session(edge, metadata="live")
        try:
            assert await edge.adrop_session(ended_sid) == ended_sid
            await edge.await_event("session_closed", match=lambda e: e.session_id == ended_sid)
            core = edge._core
            assert core is not None
            assert any(not state.id for state in core.sessions.values())  # the pending connection is known
            assert [state.id for state in core.live_sessions()] == [live_sid]
            async with httpx.AsyncClient(base_url=edge.cloud_api_url, headers=_headers(edge)) as client:
                listed = (await client.get("/tunnel_sessions")).json()["tunnel_sessions"]
                tunnels = (await client.get("/tunnels")).json()["tunnels"]
                _assert_error(await client.get(f"/tunnel_sessions/{ended_sid}"), 404, "ERR_NGROK_404")
            assert [one["id"] for one in listed] == [live_sid]
            assert [one["tunnel_session"]["id"] for one in tunnels] == [live_sid]
            assert await edge.adrop_session() == live_sid  # the newest live session
            await edge.await_event("session_closed", match=lambda e: e.session_id == live_sid)
            with pytest.raises(LocalEdgeError, match="no live agent session"):
                await edge.adrop_session()
        finally:
            for agent in (pending, ended, live):
                agent.writer.close()


async def _answer_commands(agent: RawAgent, reply: dict[str, Any], seen: list[int]) -> None:
    """Answer every Stop/Restart/Update the edge sends ``agent`` with ``reply``; record their stream types."""
    commands = {STOP.to_bytes(4, "big"): STOP, RESTART.to_bytes(4, "big"): RESTART, UPDATE.to_bytes(4, "big"): UPDATE}
    while True:
        frame = await agent.frame()
        if frame.type == FrameType.DATA and frame.syn and frame.payload[:4] in commands:
            seen.append(commands[frame.payload[:4]])
            agent.writer.write(encode_data(frame.stream_id, json.dumps(reply).encode(), fin=True))


async def test_each_action_refused_or_failed_by_the_agent_has_its_own_code() -> None:
    """An agent whose handshake says it cannot restart/stop gets 400 ERR_NGROK_804/805 without a command sent; an
    agent that answers a command with an Error gets 808 (restart), 807 (stop), 809 (update) naming the action and
    the agent's error (docs/edge-cloud.md)."""
    async with LocalEdge(heartbeat_interval=0) as edge:
        unable = await RawAgent.connect(edge)
        # field names match case-insensitively, as Go's encoding/json matches them
        extra = {"authtoken": "raw", "RestartUnsupportedError": "no restarts", "stopunsupportederror": "no stops"}
        auth = await unable.rpc(3, 0, {"version": ["2"], "extra": extra})
        assert auth["Error"] == ""
        failing, failing_sid, _ = await _raw_session(edge, metadata="failing")
        sent: dict[str, list[int]] = {"unable": [], "failing": []}
        answering = [
            asyncio.ensure_future(_answer_commands(unable, {"Error": "updates disabled"}, sent["unable"])),
            asyncio.ensure_future(_answer_commands(failing, {"Error": "it broke"}, sent["failing"])),
        ]
        try:
            async with httpx.AsyncClient(base_url=edge.cloud_api_url, headers=_headers(edge)) as client:

                async def act(sid: str, action: str, status: int, code: str) -> str:
                    body = _assert_error(await client.post(f"/tunnel_sessions/{sid}/{action}", json={}), status, code)
                    msg: str = body["msg"]
                    return msg

                unable_sid = str(auth["ClientId"])
                said = await act(unable_sid, "restart", 400, "ERR_NGROK_804")
                assert said == "This ngrok agent does not support remote restarting: no restarts."
                said = await act(unable_sid, "stop", 400, "ERR_NGROK_805")
                assert said == "This ngrok agent does not support remote stopping: no stops."
                assert sent["unable"] == []  # refused from the handshake: nothing was sent
                said = await act(unable_sid, "update", 400, "ERR_NGROK_809")
                assert said == "The remote ngrok agent failed to update because of an error: updates disabled"
                assert sent["unable"] == [UPDATE]
                for action, code in (("restart", "ERR_NGROK_808"), ("stop", "ERR_NGROK_807")):
                    said = await act(failing_sid, action, 400, code)
                    assert said == f"The remote ngrok agent failed to {action} because of an error: it broke"
                assert sent["failing"] == [RESTART, STOP]
                assert {s.id for s in edge.sessions if s.alive} == {unable_sid, failing_sid}
        finally:
            for task in answering:
                task.cancel()
            await asyncio.gather(*answering, return_exceptions=True)
            unable.writer.close()
            failing.writer.close()


def _default_timeout(kind: str) -> float:
    """The ``timeout`` a cloud client of ``kind`` ("sync"/"async") has when none is given."""
    from typed_ngrok.cloud import AsyncCloudClient, CloudClient

    default: float = (
        inspect.signature(CloudClient if kind == "sync" else AsyncCloudClient).parameters["timeout"].default
    )
    return default


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_edge_gives_up_on_a_silent_agent_well_before_a_default_cloud_client(kind: str) -> None:
    assert 0.8 * _default_timeout(kind) >= CONTROL_TIMEOUT


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_default_cloud_client_gets_the_502_of_an_agent_that_never_answers(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client with its default timeout: the edge's own wait (shortened here to 0.5 s; the real 8 s is checked
    against that default above) ends first, so the client gets ngrok's 502 ERR_NGROK_810 as a CloudAPIError, not a
    CloudTimeoutError of its own."""
    from typed_ngrok.cloud import AsyncCloudClient, CloudClient

    monkeypatch.setattr("typed_ngrok.edge._edge.CONTROL_TIMEOUT", 0.5)
    async with LocalEdge(heartbeat_interval=0) as edge:
        agent, sid, _ = await _raw_session(edge)
        try:
            with pytest.raises(CloudAPIError) as failed:
                if kind == "sync":
                    with CloudClient(base_url=edge.cloud_api_url, api_key=edge.cloud_api_key) as sync:
                        await asyncio.to_thread(sync.tunnel_sessions.restart, sid)
                else:
                    async with AsyncCloudClient(base_url=edge.cloud_api_url, api_key=edge.cloud_api_key) as client:
                        await client.tunnel_sessions.restart(sid)
            assert not isinstance(failed.value, CloudTimeoutError)
            assert (failed.value.status_code, failed.value.error_code) == (502, "ERR_NGROK_810")
            assert [s.id for s in edge.sessions if s.alive] == [sid]  # nothing happened to the session
        finally:
            agent.writer.close()


async def test_a_command_that_cannot_be_sent_is_a_gone_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command stream fails while sending (StreamResetError): 404 on the API, LocalEdgeError from LocalEdge."""
    async with LocalEdge(heartbeat_interval=0) as edge:
        agent, sid, _ = await _raw_session(edge)
        try:

            async def reset(self: Stream, data: bytes) -> None:
                raise StreamResetError(2, "reset by the test")

            monkeypatch.setattr(Stream, "write", reset)
            async with httpx.AsyncClient(base_url=edge.cloud_api_url, headers=_headers(edge)) as client:
                answer = await client.post(f"/tunnel_sessions/{sid}/restart", json={})
            _assert_error(answer, 404, "ERR_NGROK_404")
            with pytest.raises(LocalEdgeError, match="ended before the command"):
                await edge.astop_agent(sid)
        finally:
            agent.writer.close()


def test_an_unexpected_failure_is_an_ngrok_500_and_logged(
    edge: LocalEdge, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr("typed_ngrok.edge._edge.snapshot_of", broken)
    with caplog.at_level(logging.ERROR, logger="typed_ngrok.edge"), httpx.Client(timeout=10.0) as client:
        answer = client.get(f"{edge.cloud_api_url}/tunnel_sessions", headers=_headers(edge))
    body = _assert_error(answer, 500, "ERR_NGROK_500")
    assert "a bug" not in body["msg"]
    logged = [r for r in caplog.records if r.exc_info is not None and r.exc_info[0] is RuntimeError]
    assert len(logged) == 1, caplog.records
    assert logged[0].exc_info is not None and str(logged[0].exc_info[1]) == "a bug"
    assert logged[0].name == "typed_ngrok.edge" and "GET /tunnel_sessions" in logged[0].getMessage()
    monkeypatch.undo()
    _serving(edge)


def test_a_refused_request_never_reads_the_sessions(edge: LocalEdge, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edge's sessions and binds (a snapshot with a sha256 per session) are read only for a request that passed
    the key, version, route, method and body checks."""
    from typed_ngrok.edge._cloud_api import snapshot_of

    reads: list[object] = []

    def counted(*args: Any) -> Any:
        reads.append(args)
        return snapshot_of(*args)

    monkeypatch.setattr("typed_ngrok.edge._edge.snapshot_of", counted)
    good = _headers(edge)
    refused = [
        ("GET", "/tunnel_sessions", {**good, "Authorization": "Bearer wrong"}, None, 401, "ERR_NGROK_203"),
        ("GET", "/tunnel_sessions", {"Authorization": good["Authorization"]}, None, 400, "ERR_NGROK_218"),
        ("GET", "/nowhere", good, None, 404, "ERR_NGROK_404"),
        ("GET", "/tunnel_sessions/ts_x/explode", good, None, 404, "ERR_NGROK_404"),
        ("DELETE", "/tunnels", good, None, 405, "ERR_NGROK_405"),
        ("GET", "/tunnel_sessions/ts_x/restart", good, None, 405, "ERR_NGROK_405"),
        ("POST", "/tunnel_sessions/ts_x/stop", good, b"[]", 400, "ERR_NGROK_213"),
    ]
    with httpx.Client(base_url=edge.cloud_api_url, timeout=10.0) as client:
        for method, path, headers, body, status, code in refused:
            sent = {**headers, "Content-Type": "application/json"} if body is not None else headers
            _assert_error(client.request(method, path, headers=sent, content=body), status, code)
        assert reads == []
        assert client.get("/tunnels", headers=good).status_code == 200
        assert len(reads) == 1
        _assert_error(client.post("/tunnel_sessions/ts_gone/stop", headers=good, json={}), 404, "ERR_NGROK_404")
        assert len(reads) == 2


def test_a_state_dir_that_cannot_be_written_leaves_nothing_listening(tmp_path: Any) -> None:
    """Saving state.json fails: start raises LocalEdgeError and the cloud API is not left listening."""
    edge = LocalEdge(state_dir=tmp_path)
    (tmp_path / "state.json").mkdir()  # the state file cannot be opened for writing (even as root)
    with pytest.raises(LocalEdgeError, match="cannot save the edge state"):
        edge.start()
    with pytest.raises(LocalEdgeError, match="not running"):
        _ = edge.cloud_api_url
    assert not edge.running
    edge.stop()


@pytest.mark.parametrize("key", ["schlüssel", "key\x00", "tab\tkey", "line\nbreak"])
def test_a_cloud_api_key_that_cannot_be_sent_is_refused(key: str) -> None:
    with pytest.raises(LocalEdgeError, match="printable ASCII") as refused:
        LocalEdge(cloud_api_key=key)
    assert key not in str(refused.value)


async def test_next_page_after_the_cursors_session_stopped() -> None:
    """Page by one, the cursor's session goes away, next_page_uri still brings the older sessions (none lost)."""
    async with LocalEdge(heartbeat_interval=0) as edge:
        raws = [await _raw_session(edge, metadata="paged") for _ in range(3)]
        try:
            async with httpx.AsyncClient(headers=_headers(edge)) as client:
                params = {"limit": "1", "filter": 'obj.metadata == "paged"'}
                first = (await client.get(f"{edge.cloud_api_url}/tunnel_sessions", params=params)).json()
                [newest] = first["tunnel_sessions"]
                agent = next(raw for raw, sid, _ in raws if sid == newest["id"])
                agent.writer.close()
                await edge.await_event("session_closed", match=lambda e: e.session_id == newest["id"])
                seen, uri = [], first["next_page_uri"]
                while uri is not None:
                    page = (await client.get(uri)).json()
                    seen += [s["id"] for s in page["tunnel_sessions"]]
                    uri = page["next_page_uri"]
            assert sorted(seen) == sorted(sid for _, sid, _ in raws if sid != newest["id"])
        finally:
            for raw, _, _ in raws:
                raw.writer.close()


async def _restarted(edge: LocalEdge, agent: RawAgent, sid: str) -> None:
    """Restart a raw session the way 2.3.41 takes it: answer the Restart command, then drop the connection."""
    told = asyncio.ensure_future(edge.arestart_agent(sid, timeout=10))
    while True:
        frame = await agent.frame()
        if frame.type == FrameType.DATA and frame.syn and frame.payload == RESTART.to_bytes(4, "big"):
            agent.writer.write(encode_data(frame.stream_id, b'{"Error": ""}', fin=True))
            break
    assert await told == {"Error": ""}
    agent.writer.close()
    await edge.await_event("session_closed", match=lambda e: e.session_id == sid)


async def test_a_reservation_ends_with_its_grace() -> None:
    """An agent that never came back after its Restart leaves no reservation once the grace is over: the next agent
    with the same values restarted alone gets its URL back (an old entry would make it ambiguous)."""
    async with LocalEdge(heartbeat_interval=0, tunnel_grace=0.3) as edge:
        first, first_id, first_url = await _raw_session(edge, metadata="graced")
        second, second_id, second_url = await _raw_session(edge, metadata="graced")
        mark = edge.mark()
        await _restarted(edge, first, first_id)
        await edge.await_event("tunnel_closed", since=mark, match=lambda e: e.detail.get("reason") == "session gone")
        await _restarted(edge, second, second_id)
        back, _, url = await _raw_session(edge, metadata="graced")  # the re-executed second agent
        back.writer.close()
        assert url == second_url != first_url


def test_the_restart_key_keeps_no_authtoken() -> None:
    from typed_ngrok.edge._rpc import AuthRequest
    from typed_ngrok.edge._server import restart_key

    def key(token: str) -> str:
        extra = {"authtoken": token, "version": "2.3.41", "os": "linux", "metadata": "m"}
        return restart_key(AuthRequest.parse({"version": ["2"], "extra": extra}))

    assert "the-secret-token" not in key("the-secret-token") and len(key("the-secret-token")) == 64
    assert key("the-secret-token") != key("another-token")
