"""Captured requests against the real 2.3.41 agent and the local edge (issue 9 items 3, 5 and 9), each scenario
written once and run through both twins (``agent`` in a worker thread, ``aio`` awaited; see twins.py): a pending
response is None, chunked and gzip bodies decode to JSON, the list is newest first with ``limit`` keeping the newest,
and request ids are checked before the agent is asked, with the same error texts in both twins."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Awaitable, Callable, Iterator

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
from tests.integration.ngrok_env import needs_agent
from tests.integration.twins import Agents, Twin, agents_fixture, same_failure, twin_fixture
from typed_ngrok import agent
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

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
            (listed,) = await twin.get_requests("pending", cfg)
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
    for _ in range(100):  # the agent may store the answer just after relaying it: ask again, no sleeping
        if not done.pending:
            break
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
        for r in await twin.get_requests("bodies", cfg)
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
]


@pytest.mark.parametrize("scenario", [s for _, s in ERROR_SCENARIOS], ids=[label for label, _ in ERROR_SCENARIOS])
async def test_error_texts_are_the_same_in_both_twins(
    agents: Agents, scenario: Callable[[Twin], Awaitable[object]]
) -> None:
    kind, message = await same_failure(agents, scenario)
    assert kind and message
