"""aio.get_requests/get_request/replay_request/delete_requests against the real 2.3.41 agent (test_agent_requests.py,
awaited)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from http.server import ThreadingHTTPServer

import httpx
import pytest

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from typed_ngrok import aio
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokHTTPError, TunnelNotFoundError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture
async def cfg(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("aio-requests"))
    yield config
    await aio.kill(config)


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


async def _post(url: str, path: str, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(verify=False, timeout=20, trust_env=False) as client:
        return await client.post(url + path, content=body)


async def test_captured_requests_listed_fetched_decoded_replayed_deleted(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer
) -> None:
    port = upstream.server_address[1]
    web = await aio.connect(port, name="web", pyngrok_config=cfg, bind_tls=True)
    other = await aio.connect(port, name="other", pyngrok_config=cfg, bind_tls=True)
    assert web.public_url and other.public_url
    await aio.delete_requests(cfg)
    assert (await _post(web.public_url, "/items?x=1", b'{"a": 1}')).text == "POST /items?x=1 8"
    assert (await _post(other.public_url, "/o", b"")).status_code == 200

    listed = await aio.get_requests(pyngrok_config=cfg)
    assert all(isinstance(r, aio.CapturedRequest) for r in listed)
    assert sorted(r.tunnel_name or "" for r in listed) == ["other", "web"]
    captured = await aio.get_requests("web", cfg)
    assert [r.tunnel_name for r in captured] == ["web"]
    assert len(await aio.get_requests(pyngrok_config=cfg, limit=1)) == 1

    fetched = await aio.get_request(captured[0].id or "", cfg)
    assert fetched.id == captured[0].id
    request = fetched.parsed_request()
    assert (request.method, request.target, request.body) == ("POST", "/items?x=1", b'{"a": 1}')
    response = fetched.parsed_response()
    assert response is not None
    assert response.status_code == 200
    assert response.header("X-Upstream") == "yes"
    assert response.body == b"POST /items?x=1 8"

    hits_before = len(upstream.hits)  # type: ignore[attr-defined]
    await aio.replay_request(fetched.id or "", pyngrok_config=cfg)
    await aio.replay_request(fetched.id or "", "other", cfg)
    replayed = [r for r in await aio.get_requests(pyngrok_config=cfg) if r.remote_addr == "replayed"]
    assert sorted(r.tunnel_name or "" for r in replayed) == ["other", "web"]
    assert upstream.hits[hits_before:] == [("POST", "/items?x=1", b'{"a": 1}')] * 2  # type: ignore[attr-defined]

    with pytest.raises(TunnelNotFoundError):
        await aio.replay_request(fetched.id or "", "no-such-tunnel", cfg)
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        await aio.get_request("airt_unknown", cfg)
    assert info.value.status_code == 404
    assert info.value.error_code == 106

    await aio.delete_requests(cfg)
    assert await aio.get_requests(pyngrok_config=cfg) == []
