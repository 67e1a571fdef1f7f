"""Captured requests and the agent's status against the real 2.3.41 agent and the local edge (issue 9 items 3, 5
and 9), each scenario written once and run through both twins (``agent`` in a worker thread, ``aio`` awaited; see
twins.py): requests are listed, fetched, decoded, replayed and deleted; a pending response is None, chunked and gzip
bodies decode to JSON, the list is newest first with ``limit`` keeping the newest, request ids are checked before
the agent is asked, and every error reads the same in both twins."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import ThreadingHTTPServer

import httpx
import pytest

from tests.integration.captured_env import (
    DOCUMENT,
    HeldUpstream,
    achunks,
    assert_newest_first,
    document_bytes,
    held_upstream,
)
from tests.integration.ngrok_env import http_upstream, needs_agent
from tests.integration.twins import Agents, Twin, agents_fixture, same_failure, twin_fixture
from typed_ngrok import agent
from typed_ngrok._tunnels.captured import body_still_recording
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError, PyngrokNgrokHTTPError, TunnelNotFoundError

pytestmark = [
    pytest.mark.integration,
    needs_agent,
    pytest.mark.timeout(120),
    pytest.mark.asyncio(loop_scope="module"),
]

agents = agents_fixture("captured-scenarios")
twin = twin_fixture()


@pytest.fixture
def held() -> Iterator[HeldUpstream]:
    with held_upstream() as upstream:
        yield upstream


async def _settled(twin: Twin, cfg: PyngrokConfig, tunnel_name: str | None, count: int) -> list[agent.CapturedRequest]:
    """The ``count`` captured requests of ``tunnel_name`` once the agent lists them all with their responses (it
    records a response a moment after relaying it): re-read with a 10 s deadline, no event to await."""
    deadline = time.monotonic() + 10
    while True:
        listed = await twin.get_requests(tunnel_name, cfg)
        if (len(listed) >= count and not any(r.pending for r in listed)) or time.monotonic() > deadline:
            return listed
        await asyncio.sleep(0.01)


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=False, timeout=30, trust_env=False)


async def test_a_pending_response_is_none_until_the_upstream_answers(twin: Twin, held: HeldUpstream) -> None:
    cfg = twin.cfg
    tunnel = await twin.connect(held.port, name="pending", pyngrok_config=cfg, bind_tls=True)
    await twin.delete_requests(cfg)
    async with _client() as client:
        sender = asyncio.create_task(client.post(tunnel.public_url + "/hold", content=b"{}"))
        try:
            assert await asyncio.to_thread(held.received.wait, 30), "the upstream never got the request"
            entries = await twin.get_requests("pending", cfg)
            deadline = time.monotonic() + 10
            while not entries and time.monotonic() < deadline:  # the agent may list it just after relaying it
                await asyncio.sleep(0.01)
                entries = await twin.get_requests("pending", cfg)
            (listed,) = entries
            fetched = await twin.get_request(listed.id, cfg)
            for captured in (listed, fetched):
                assert captured.parsed_response() is None  # was a raw TypeError on 2.3.41's placeholder
                assert captured.raw_response() is None
                assert captured.response is None
                assert captured.pending
                assert captured.parsed_request().target == "/hold"
        finally:
            held.release.set()
        assert [(await sender).status_code] == [200]

    done = await twin.get_request(listed.id, cfg)
    deadline = time.monotonic() + 10
    # the agent may store the answer just after relaying it, and its body after its head
    while (done.pending or body_still_recording(done.data)) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        done = await twin.get_request(listed.id, cfg)
    assert not done.pending
    response = done.parsed_response()
    assert response is not None and response.status_code == 200
    assert response.json() == {"path": "/hold"}
    await twin.disconnect(tunnel.public_url, cfg)


async def test_chunked_and_gzip_bodies_decode_to_json(twin: Twin, held: HeldUpstream) -> None:
    cfg = twin.cfg
    tunnel = await twin.connect(held.port, name="bodies", pyngrok_config=cfg, bind_tls=True)
    await twin.delete_requests(cfg)
    packed = gzip.compress(document_bytes(), mtime=0)
    async with _client() as client:
        await client.post(tunnel.public_url + "/chunked", content=achunks(document_bytes()))
        await client.post(tunnel.public_url + "/gzipped", content=packed, headers={"Content-Encoding": "gzip"})
        await client.post(tunnel.public_url + "/both", content=achunks(packed), headers={"Content-Encoding": "gzip"})
        assert (await client.get(tunnel.public_url + "/gzip")).json() == DOCUMENT  # httpx decodes; the capture not
    assert held.bodies["/chunked"] == document_bytes()  # the upstream got the same body

    by_path = {
        (r.parsed_request().target or ""): await twin.get_request(r.id, cfg)
        for r in await _settled(twin, cfg, "bodies", 4)
    }
    assert sorted(by_path) == ["/both", "/chunked", "/gzip", "/gzipped"]
    chunked = by_path["/chunked"].parsed_request()
    assert chunked.header("Transfer-Encoding") == "chunked"
    assert chunked.body != document_bytes() and chunked.body.endswith(b"0\r\n\r\n")  # the raw body stays framed
    with pytest.raises(ValueError):
        json.loads(chunked.body)
    for path in ("/chunked", "/gzipped", "/both"):
        message = by_path[path].parsed_request()
        assert json.loads(message.decoded_body) == DOCUMENT, path
        assert message.json() == DOCUMENT
        assert json.loads(message.text()) == DOCUMENT
    response = by_path["/gzip"].parsed_response()
    assert response is not None and response.header("Content-Encoding") == "gzip"
    assert response.json() == DOCUMENT

    broken = by_path["/chunked"].parsed_request()
    with pytest.raises(PyngrokNgrokError):  # malformed framing: a typed error, never ValueError/zlib.error
        assert agent.HttpMessage(broken.start_line, broken.headers, broken.body[:-9]).decoded_body is None
    await twin.disconnect(tunnel.public_url, cfg)


async def test_get_requests_is_newest_first_and_limit_keeps_the_newest(twin: Twin, held: HeldUpstream) -> None:
    cfg = twin.cfg
    tunnel = await twin.connect(held.port, name="order", pyngrok_config=cfg, bind_tls="both")
    urls = {t.name: t.public_url for t in await twin.get_tunnels(cfg)}
    assert urls.keys() >= {"order", "order (http)"}
    for _round in range(2):
        await twin.delete_requests(cfg)
        async with _client() as client:
            for n in range(8):  # alternate the tunnel and its "(http)" twin, which the agent's filter also matches
                await client.get(urls["order" if n % 2 else "order (http)"] + f"/r{n}")
        listed = await twin.get_requests(pyngrok_config=cfg)
        assert len(listed) == 8
        assert_newest_first(listed)
        ids = [r.id for r in listed]
        assert [r.id for r in await twin.get_requests(pyngrok_config=cfg)] == ids  # the same order every time
        for limit in (1, 3, 8, 20):
            assert [r.id for r in await twin.get_requests(pyngrok_config=cfg, limit=limit)] == ids[:limit]
        newest_two = [r.id for r in listed if r.tunnel_name == "order"][:2]
        limited = await twin.get_requests("order", cfg, limit=2)
        assert [r.id for r in limited] == newest_two
        assert {r.tunnel_name for r in limited} == {"order"}
    await twin.disconnect(tunnel.public_url, cfg)


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


async def _await_replayed(twin: Twin, count: int) -> list[agent.CapturedRequest]:
    """The agent stores replays after answering 204: ask until they are listed (30 s at most)."""
    deadline = time.monotonic() + 30
    while True:
        replayed = [r for r in await twin.get_requests(pyngrok_config=twin.cfg) if r.remote_addr == "replayed"]
        if len(replayed) >= count or time.monotonic() > deadline:
            return replayed
        await asyncio.sleep(0.05)


async def _post(url: str, path: str, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
        return await client.post(url + path, content=body)


async def test_captured_requests_listed_fetched_decoded_replayed_deleted(
    twin: Twin, upstream: ThreadingHTTPServer
) -> None:
    cfg, port = twin.cfg, upstream.server_address[1]
    web = await twin.connect(port, name="web", pyngrok_config=cfg, bind_tls=True)
    other = await twin.connect(port, name="other", pyngrok_config=cfg, bind_tls=True)
    assert web.public_url and other.public_url
    await twin.delete_requests(cfg)
    assert (await _post(web.public_url, "/items?x=1", b'{"a": 1}')).text == "POST /items?x=1 8"
    assert (await _post(other.public_url, "/o", b"")).status_code == 200

    listed = await _settled(twin, cfg, None, 2)
    assert len(listed) == 2
    assert all(isinstance(r, agent.CapturedRequest) for r in listed)
    assert sorted(r.tunnel_name or "" for r in listed) == ["other", "web"]
    captured = await twin.get_requests("web", cfg)
    assert [r.tunnel_name for r in captured] == ["web"]
    assert len(await twin.get_requests(pyngrok_config=cfg, limit=1)) == 1

    fetched = await twin.get_request(captured[0].id or "", cfg)
    assert fetched.id == captured[0].id
    assert fetched.request is not None and fetched.request["method"] == "POST"
    request = fetched.parsed_request()
    assert (request.method, request.target, request.body) == ("POST", "/items?x=1", b'{"a": 1}')
    assert request.header("content-type") is None or isinstance(request.header("content-type"), str)
    response = fetched.parsed_response()
    assert response is not None
    assert response.status_code == 200
    assert response.header("X-Upstream") == "yes"
    assert response.body == b"POST /items?x=1 8"
    assert isinstance(fetched.duration, int)

    hits_before = len(upstream.hits)  # type: ignore[attr-defined]
    await twin.replay_request(fetched.id or "", pyngrok_config=cfg)
    await twin.replay_request(fetched.id or "", "other", cfg)
    replayed = await _await_replayed(twin, 2)
    assert sorted(r.tunnel_name or "" for r in replayed) == ["other", "web"]
    assert upstream.hits[hits_before:] == [("POST", "/items?x=1", b'{"a": 1}')] * 2  # type: ignore[attr-defined]

    with pytest.raises(TunnelNotFoundError):
        await twin.replay_request(fetched.id or "", "no-such-tunnel", cfg)
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await twin.get_request("airt_unknown", cfg)
    assert info.value.status_code == 404
    assert info.value.error_code == 106

    await twin.delete_requests(cfg)
    assert await twin.get_requests(pyngrok_config=cfg) == []
    await twin.disconnect(web.public_url, cfg)
    await twin.disconnect(other.public_url, cfg)


async def test_agent_status_is_a_clear_error_on_v2(twin: Twin) -> None:
    with pytest.raises(PyngrokNgrokHTTPError, match=r"has no /api/status") as info:
        await twin.get_agent_status(twin.cfg)
    assert info.value.status_code == 404
    assert info.value.error_code is None


BAD_IDS = ["", " ", ".", "..", "a/b", "a\nb"]


@pytest.mark.parametrize("request_id", BAD_IDS)
async def test_request_ids_are_checked_before_the_agent_is_asked(twin: Twin, request_id: str) -> None:
    cfg = twin.cfg
    await twin.get_ngrok_process(cfg)  # a running agent: the refusal must not come from it
    for call in (
        lambda: twin.get_request(request_id, cfg),
        lambda: twin.replay_request(request_id, pyngrok_config=cfg),
    ):
        with pytest.raises(PyngrokError, match="request_id") as info:
            await call()
        assert not isinstance(info.value, PyngrokNgrokError)  # not an agent answer (was "KeyError('id')" for "")
    with pytest.raises(PyngrokError, match="tunnel_name"):
        await twin.replay_request("airt_1", "", cfg)
    with pytest.raises(PyngrokError, match="tunnel_name"):
        await twin.get_requests("", cfg)


ERROR_SCENARIOS: list[tuple[str, Callable[[Twin], Awaitable[object]]]] = [
    *((f"get_request {i!r}", lambda t, i=i: t.get_request(i, t.cfg)) for i in BAD_IDS),
    *((f"replay_request {i!r}", lambda t, i=i: t.replay_request(i, pyngrok_config=t.cfg)) for i in BAD_IDS),
    ("replay_request empty tunnel_name", lambda t: t.replay_request("airt_1", "", t.cfg)),
    ("get_requests empty tunnel_name", lambda t: t.get_requests("", t.cfg)),
    ("get_requests limit 0", lambda t: t.get_requests(pyngrok_config=t.cfg, limit=0)),
    ("unknown request id", lambda t: t.get_request("airt_nope", t.cfg)),
    ("replay unknown request id", lambda t: t.replay_request("airt_nope", pyngrok_config=t.cfg)),
    ("replay through an unknown tunnel", lambda t: t.replay_request("airt_nope", "no-such-tunnel", t.cfg)),
    ("no /api/status", lambda t: t.get_agent_status(t.cfg)),
]


@pytest.mark.parametrize("scenario", [s for _, s in ERROR_SCENARIOS], ids=[label for label, _ in ERROR_SCENARIOS])
async def test_error_texts_are_the_same_in_both_twins(
    agents: Agents, scenario: Callable[[Twin], Awaitable[object]]
) -> None:
    kind, message = await same_failure(agents, scenario)
    assert kind and message
