"""agent.get_requests/get_request/replay_request/delete_requests/get_agent_status against the real 2.3.41 agent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import httpx
import pytest

from tests.integration.ngrok_env import agent_config, http_upstream, needs_agent
from typed_ngrok import agent, ngrok
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokNgrokHTTPError, TunnelNotFoundError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("requests"))
    yield config
    ngrok.kill(config)


@pytest.fixture
def upstream() -> Iterator[ThreadingHTTPServer]:
    with http_upstream() as server:
        yield server


def _await_replayed(cfg: PyngrokConfig, count: int) -> list[agent.CapturedRequest]:
    deadline = time.monotonic() + 30
    while True:
        replayed = [r for r in agent.get_requests(pyngrok_config=cfg) if r.remote_addr == "replayed"]
        if len(replayed) >= count or time.monotonic() > deadline:
            return replayed
        time.sleep(0.05)


def _post(url: str, path: str, body: bytes) -> httpx.Response:
    return httpx.post(url + path, content=body, verify=False, timeout=20, trust_env=False)


def test_captured_requests_listed_fetched_decoded_replayed_deleted(
    cfg: PyngrokConfig, upstream: ThreadingHTTPServer
) -> None:
    port = upstream.server_address[1]
    web = ngrok.connect(port, name="web", pyngrok_config=cfg, bind_tls=True)
    other = ngrok.connect(port, name="other", pyngrok_config=cfg, bind_tls=True)
    assert web.public_url and other.public_url
    agent.delete_requests(cfg)
    assert _post(web.public_url, "/items?x=1", b'{"a": 1}').text == "POST /items?x=1 8"
    assert _post(other.public_url, "/o", b"").status_code == 200

    listed = agent.get_requests(pyngrok_config=cfg)
    assert len(listed) == 2
    assert sorted(r.tunnel_name or "" for r in listed) == ["other", "web"]
    captured = agent.get_requests("web", cfg)
    assert [r.tunnel_name for r in captured] == ["web"]
    assert len(agent.get_requests(pyngrok_config=cfg, limit=1)) == 1

    fetched = agent.get_request(captured[0].id or "", cfg)
    assert fetched.id == captured[0].id
    assert fetched.request is not None and fetched.request["method"] == "POST"
    request = fetched.parsed_request()
    assert request.method == "POST"
    assert request.target == "/items?x=1"
    assert request.body == b'{"a": 1}'
    assert request.header("content-type") is None or isinstance(request.header("content-type"), str)
    response = fetched.parsed_response()
    assert response is not None
    assert response.status_code == 200
    assert response.header("X-Upstream") == "yes"
    assert response.body == b"POST /items?x=1 8"
    assert isinstance(fetched.duration, int)

    hits_before = len(upstream.hits)  # type: ignore[attr-defined]
    agent.replay_request(fetched.id or "", pyngrok_config=cfg)
    agent.replay_request(fetched.id or "", "other", cfg)
    replayed = _await_replayed(cfg, 2)  # the agent stores replays after answering 204
    assert sorted(r.tunnel_name or "" for r in replayed) == ["other", "web"]
    assert upstream.hits[hits_before:] == [("POST", "/items?x=1", b'{"a": 1}')] * 2  # type: ignore[attr-defined]

    with pytest.raises(TunnelNotFoundError):
        agent.replay_request(fetched.id or "", "no-such-tunnel", cfg)
    with pytest.raises(PyngrokNgrokHTTPError) as info:
        agent.get_request("airt_unknown", cfg)
    assert info.value.error_code == 106

    agent.delete_requests(cfg)
    assert agent.get_requests(pyngrok_config=cfg) == []
    ngrok.disconnect(web.public_url, cfg)
    ngrok.disconnect(other.public_url, cfg)


def test_agent_status_is_a_clear_error_on_v2(cfg: PyngrokConfig) -> None:
    with pytest.raises(PyngrokNgrokHTTPError, match=r"has no /api/status") as info:
        agent.get_agent_status(cfg)
    assert info.value.status_code == 404
    assert info.value.error_code is None
