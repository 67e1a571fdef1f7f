"""Captured requests against the real 2.3.41 agent and the local edge (issue 9 items 3, 5 and 9; the aio twin is
test_aio_captured_requests.py): a pending response is None, chunked and gzip bodies decode to JSON, the list is
newest first with ``limit`` keeping the newest, and request ids are checked before the agent is asked."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.captured_env import (
    DOCUMENT,
    HeldUpstream,
    assert_newest_first,
    chunks,
    document_bytes,
    held_upstream,
)
from tests.integration.ngrok_env import agent_config, needs_agent
from typed_ngrok import agent, ngrok
from typed_ngrok.conf import PyngrokConfig
from typed_ngrok.exception import PyngrokError, PyngrokNgrokError

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PyngrokConfig]:
    config = agent_config(tmp_path_factory.mktemp("captured"))
    yield config
    ngrok.kill(config)


@pytest.fixture
def held() -> Iterator[HeldUpstream]:
    with held_upstream() as upstream:
        yield upstream


def _client() -> httpx.Client:
    return httpx.Client(verify=False, timeout=30, trust_env=False)


def test_a_pending_response_is_none_until_the_upstream_answers(cfg: PyngrokConfig, held: HeldUpstream) -> None:
    tunnel = ngrok.connect(held.port, name="pending", pyngrok_config=cfg, bind_tls=True)
    agent.delete_requests(cfg)
    answers: list[httpx.Response] = []
    with _client() as client:
        sender = threading.Thread(
            target=lambda: answers.append(client.post(tunnel.public_url + "/hold", content=b"{}"))
        )
        sender.start()
        try:
            assert held.received.wait(30), "the upstream never got the request"
            (listed,) = agent.get_requests("pending", cfg)
            fetched = agent.get_request(listed.id, cfg)
            for captured in (listed, fetched):
                assert captured.parsed_response() is None  # was a raw TypeError on 2.3.41's placeholder
                assert captured.raw_response() is None
                assert captured.response is None
                assert captured.pending
                assert captured.parsed_request().target == "/hold"
        finally:
            held.release.set()
            sender.join(30)
    assert [answer.status_code for answer in answers] == [200]

    done = agent.get_request(listed.id, cfg)
    for _ in range(100):  # the agent may store the answer just after relaying it: ask again, no sleeping
        if not done.pending:
            break
        done = agent.get_request(listed.id, cfg)
    assert not done.pending
    response = done.parsed_response()
    assert response is not None and response.status_code == 200
    assert response.json() == {"path": "/hold"}
    ngrok.disconnect(tunnel.public_url, cfg)


def test_chunked_and_gzip_bodies_decode_to_json(cfg: PyngrokConfig, held: HeldUpstream) -> None:
    tunnel = ngrok.connect(held.port, name="bodies", pyngrok_config=cfg, bind_tls=True)
    agent.delete_requests(cfg)
    packed = gzip.compress(document_bytes(), mtime=0)
    with _client() as client:
        client.post(tunnel.public_url + "/chunked", content=chunks(document_bytes()))
        client.post(tunnel.public_url + "/gzipped", content=packed, headers={"Content-Encoding": "gzip"})
        client.post(tunnel.public_url + "/both", content=chunks(packed), headers={"Content-Encoding": "gzip"})
        assert client.get(tunnel.public_url + "/gzip").json() == DOCUMENT  # httpx decodes; the capture does not
    assert held.bodies["/chunked"] == document_bytes()  # the upstream got the same body

    by_path = {
        (r.parsed_request().target or ""): agent.get_request(r.id, cfg) for r in agent.get_requests("bodies", cfg)
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
    ngrok.disconnect(tunnel.public_url, cfg)


def test_get_requests_is_newest_first_and_limit_keeps_the_newest(cfg: PyngrokConfig, held: HeldUpstream) -> None:
    tunnel = ngrok.connect(held.port, name="order", pyngrok_config=cfg, bind_tls="both")
    urls = {t.name: t.public_url for t in ngrok.get_tunnels(cfg)}
    assert urls.keys() >= {"order", "order (http)"}
    for _round in range(2):
        agent.delete_requests(cfg)
        with _client() as client:
            for n in range(8):  # alternate the tunnel and its "(http)" twin, which the agent's filter also matches
                client.get(urls["order" if n % 2 else "order (http)"] + f"/r{n}")
        listed = agent.get_requests(pyngrok_config=cfg)
        assert len(listed) == 8
        assert_newest_first(listed)
        ids = [r.id for r in listed]
        assert [r.id for r in agent.get_requests(pyngrok_config=cfg)] == ids  # the same order every time
        for limit in (1, 3, 8, 20):
            assert [r.id for r in agent.get_requests(pyngrok_config=cfg, limit=limit)] == ids[:limit]
        newest_two = [r.id for r in listed if r.tunnel_name == "order"][:2]
        limited = agent.get_requests("order", cfg, limit=2)
        assert [r.id for r in limited] == newest_two
        assert {r.tunnel_name for r in limited} == {"order"}
    ngrok.disconnect(tunnel.public_url, cfg)


@pytest.mark.parametrize("request_id", ["", " ", ".", "..", "a/b", "a\nb"])
def test_request_ids_are_checked_before_the_agent_is_asked(cfg: PyngrokConfig, request_id: str) -> None:
    ngrok.get_ngrok_process(cfg)  # a running agent: the refusal must not come from it
    for call in (
        lambda: agent.get_request(request_id, cfg),
        lambda: agent.replay_request(request_id, pyngrok_config=cfg),
    ):
        with pytest.raises(PyngrokError, match="request_id") as info:
            call()
        assert not isinstance(info.value, PyngrokNgrokError)  # not an agent answer (was "KeyError('id')" for "")
    with pytest.raises(PyngrokError, match="tunnel_name"):
        agent.replay_request("airt_1", "", cfg)
    with pytest.raises(PyngrokError, match="tunnel_name"):
        agent.get_requests("", cfg)
