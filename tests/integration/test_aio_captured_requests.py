"""test_captured_requests.py, awaited: the aio twins against the real 2.3.41 agent and the local edge (issue 9 items 3,
5 and 9)."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Iterator

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
from tests.integration.ngrok_env import agent_config, needs_agent
from typed_ngrok import aio
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture
async def cfg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("aio-captured"))
    yield config
    await aio.kill(config)


@pytest.fixture
def held() -> Iterator[HeldUpstream]:
    with held_upstream() as upstream:
        yield upstream


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(verify=False, timeout=30, trust_env=False)


async def test_a_pending_response_is_none_until_the_upstream_answers(cfg: PyngrokConfig, held: HeldUpstream) -> None:
    tunnel = await aio.connect(held.port, name="pending", pyngrok_config=cfg, bind_tls=True)
    await aio.delete_requests(cfg)
    async with _client() as client:
        sender = asyncio.create_task(client.post(tunnel.public_url + "/hold", content=b"{}"))
        try:
            assert await asyncio.to_thread(held.received.wait, 30), "the upstream never got the request"
            (listed,) = await aio.get_requests("pending", cfg)
            fetched = await aio.get_request(listed.id, cfg)
            for captured in (listed, fetched):
                assert captured.parsed_response() is None  # was a raw TypeError on 2.3.41's placeholder
                assert captured.raw_response() is None
                assert captured.response is None
                assert captured.pending
                assert captured.parsed_request().target == "/hold"
        finally:
            held.release.set()
        assert (await sender).status_code == 200

    done = await aio.get_request(listed.id, cfg)
    for _ in range(100):  # the agent may store the answer just after relaying it: ask again, no sleeping
        if not done.pending:
            break
        done = await aio.get_request(listed.id, cfg)
    assert not done.pending
    response = done.parsed_response()
    assert response is not None and response.status_code == 200
    assert response.json() == {"path": "/hold"}
    await aio.disconnect(tunnel.public_url, cfg)


async def test_chunked_and_gzip_bodies_decode_to_json(cfg: PyngrokConfig, held: HeldUpstream) -> None:
    tunnel = await aio.connect(held.port, name="bodies", pyngrok_config=cfg, bind_tls=True)
    await aio.delete_requests(cfg)
    packed = gzip.compress(document_bytes(), mtime=0)
    async with _client() as client:
        await client.post(tunnel.public_url + "/chunked", content=achunks(document_bytes()))
        await client.post(tunnel.public_url + "/gzipped", content=packed, headers={"Content-Encoding": "gzip"})
        await client.post(tunnel.public_url + "/both", content=achunks(packed), headers={"Content-Encoding": "gzip"})
        assert (await client.get(tunnel.public_url + "/gzip")).json() == DOCUMENT
    assert held.bodies["/chunked"] == document_bytes()

    by_path = {
        (r.parsed_request().target or ""): await aio.get_request(r.id, cfg)
        for r in await aio.get_requests("bodies", cfg)
    }
    assert sorted(by_path) == ["/both", "/chunked", "/gzip", "/gzipped"]
    chunked = by_path["/chunked"].parsed_request()
    assert chunked.header("Transfer-Encoding") == "chunked"
    assert chunked.body.endswith(b"0\r\n\r\n")  # the raw body stays framed
    with pytest.raises(ValueError):
        json.loads(chunked.body)
    for path in ("/chunked", "/gzipped", "/both"):
        message = by_path[path].parsed_request()
        assert json.loads(message.decoded_body) == DOCUMENT, path
        assert message.json() == DOCUMENT
    response = by_path["/gzip"].parsed_response()
    assert response is not None and response.json() == DOCUMENT
    await aio.disconnect(tunnel.public_url, cfg)


async def test_get_requests_is_newest_first_and_limit_keeps_the_newest(cfg: PyngrokConfig, held: HeldUpstream) -> None:
    tunnel = await aio.connect(held.port, name="order", pyngrok_config=cfg, bind_tls="both")
    urls = {t.name: t.public_url for t in await aio.get_tunnels(cfg)}
    assert urls.keys() >= {"order", "order (http)"}
    for _round in range(2):
        await aio.delete_requests(cfg)
        async with _client() as client:
            for n in range(8):
                await client.get(urls["order" if n % 2 else "order (http)"] + f"/r{n}")
        listed = await aio.get_requests(pyngrok_config=cfg)
        assert len(listed) == 8
        assert_newest_first(listed)
        ids = [r.id for r in listed]
        assert [r.id for r in await aio.get_requests(pyngrok_config=cfg)] == ids
        for limit in (1, 3, 8, 20):
            assert [r.id for r in await aio.get_requests(pyngrok_config=cfg, limit=limit)] == ids[:limit]
        limited = await aio.get_requests("order", cfg, limit=2)
        assert [r.id for r in limited] == [r.id for r in listed if r.tunnel_name == "order"][:2]
    await aio.disconnect(tunnel.public_url, cfg)


async def test_request_ids_are_checked_before_the_agent_is_asked(cfg: PyngrokConfig) -> None:
    await aio.get_ngrok_process(cfg)  # a running agent: the refusal must not come from it
    for request_id in ("", " ", ".", "..", "a/b", "a\nb"):
        for call in (aio.get_request(request_id, cfg), aio.replay_request(request_id, pyngrok_config=cfg)):
            with pytest.raises(PyngrokError, match="request_id") as info:
                await call
            assert not isinstance(info.value, PyngrokNgrokError)
    with pytest.raises(PyngrokError, match="tunnel_name"):
        await aio.replay_request("airt_1", "", cfg)
    with pytest.raises(PyngrokError, match="tunnel_name"):
        await aio.get_requests("", cfg)
