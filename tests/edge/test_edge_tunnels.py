"""Tunnels through the local edge with the real ngrok 2.3.41 agent: http, https, tcp, tls, bulk, concurrency, capture."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import ssl
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.edge.agent_harness import Agent, Upstream, pattern_bytes
from typed_ngrok.edge import LocalEdge

pytestmark = pytest.mark.integration

MB5 = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def web(agent: Agent, upstream: Upstream) -> dict[str, str]:
    """One http tunnel (bind_tls both): {"https": url, "http": url}."""
    response = agent.create_tunnel(name="web", proto="http", addr=str(upstream.port))
    assert response.status_code == 201, response.text
    urls = agent.tunnels()
    return {"https": urls["web"], "http": urls["web (http)"]}


def test_http_and_https_share_one_port_and_reach_upstream(web: dict[str, str], edge: LocalEdge) -> None:
    assert web["https"].startswith("https://localhost:")
    assert web["http"] == web["https"].replace("https://", "http://")
    with httpx.Client(verify=edge.certs.client_context(), timeout=30) as client:
        for url in web.values():
            response = client.get(f"{url}/greet?x=1")
            assert response.status_code == 200
            assert response.text == "hello /greet?x=1"
    protos = sorted(t.proto for t in edge.tunnels if t.url in web.values())
    assert protos == ["http", "https"]


def test_tcp_tunnel_carries_raw_bytes(agent: Agent, upstream: Upstream) -> None:
    response = agent.create_tunnel(name="raw", proto="tcp", addr=str(upstream.port))
    assert response.status_code == 201, response.text
    url = response.json()["public_url"]
    assert url.startswith("tcp://127.0.0.1:")
    host, port = url.removeprefix("tcp://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET /over-tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.") and data.endswith(b"hello /over-tcp")


def test_tls_tunnel_passes_tls_through(agent: Agent, edge: LocalEdge, tmp_path: Path) -> None:
    # the upstream of a tls tunnel terminates TLS itself: a tiny TLS server with a certificate from the edge's CA
    _, cert_path, key_path = edge.certs.write(tmp_path)
    ctx = edge.certs.server_context(cert_path, key_path)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"tls-upstream:" + tls.recv(100))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        response = agent.create_tunnel(name="secure", proto="tls", addr=str(port), hostname="tls.localhost")
        assert response.status_code == 201, response.text
        url = response.json()["public_url"]
        assert url.startswith("tls://tls.localhost:")
        public_port = int(url.rsplit(":", 1)[1])
        with (
            socket.create_connection(("127.0.0.1", public_port), timeout=30) as raw,
            edge.certs.client_context().wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"ping")
            assert tls.recv(100) == b"tls-upstream:ping"
        thread.join(30)
    finally:
        listener.close()


def test_five_megabytes_down_and_up_with_checksums(web: dict[str, str], edge: LocalEdge) -> None:
    body = pattern_bytes(MB5)
    with httpx.Client(verify=edge.certs.client_context(), timeout=60) as client:
        for url in web.values():
            down = client.get(f"{url}/bytes/{MB5}")
            assert down.status_code == 200
            assert hashlib.sha256(down.content).hexdigest() == hashlib.sha256(body).hexdigest()
            up = client.post(f"{url}/sha256", content=body)
            assert up.text == f"{MB5} {hashlib.sha256(body).hexdigest()}"


async def test_fifty_concurrent_requests(web: dict[str, str], edge: LocalEdge) -> None:
    async with httpx.AsyncClient(
        verify=edge.certs.client_context(), timeout=60, limits=httpx.Limits(max_connections=50)
    ) as client:

        async def one(i: int) -> str:
            url = web["https"] if i % 2 else web["http"]
            response = await client.get(f"{url}/c/{i}")
            response.raise_for_status()
            return response.text

        results = await asyncio.gather(*(one(i) for i in range(50)))
    assert results == [f"hello /c/{i}" for i in range(50)]


def test_requests_are_captured_and_replay_reaches_upstream(
    agent: Agent, web: dict[str, str], upstream: Upstream
) -> None:
    marker = f"/replay-me-{time.monotonic_ns()}"
    assert httpx.get(f"{web['http']}{marker}", timeout=30).status_code == 200
    deadline = time.monotonic() + 30
    captured: list[dict[str, object]] = []
    while not captured:  # the agent stores the entry right after the response: poll its API briefly
        requests = httpx.get(f"{agent.api}/requests/http", timeout=30).json()["requests"]
        captured = [r for r in requests if r["request"]["uri"] == marker]
        assert time.monotonic() < deadline, "request was not captured"
    entry = captured[0]
    assert entry["tunnel_name"] == "web (http)"
    assert entry["remote_addr"] == "127.0.0.1"
    raw = entry["request"]["raw"]  # type: ignore[index]
    assert base64.b64decode(raw).startswith(f"GET {marker} HTTP/1.1".encode())
    before = upstream.seen.count(marker)
    replay = httpx.post(f"{agent.api}/requests/http", json={"id": entry["id"]}, timeout=30)
    assert replay.status_code == 204
    assert upstream.wait_for_hits(marker, before + 1, timeout=30), "replay never reached the upstream"


def test_basic_auth_is_enforced_by_the_edge(agent: Agent, upstream: Upstream, edge: LocalEdge) -> None:
    response = agent.create_tunnel(
        name="locked", proto="http", addr=str(upstream.port), auth="user:s3cret", bind_tls=False
    )
    assert response.status_code == 201, response.text
    url = response.json()["public_url"]
    denied = httpx.get(f"{url}/private", timeout=30)
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == 'Basic realm="ngrok"'
    assert httpx.get(f"{url}/private", auth=("user", "wrong"), timeout=30).status_code == 401
    allowed = httpx.get(f"{url}/private", auth=("user", "s3cret"), timeout=30)
    assert allowed.status_code == 200 and allowed.text == "hello /private"
    assert [t.basic_auth for t in edge.tunnels if t.url == url] == [True]


def test_subdomain_is_routed_by_host_header(agent: Agent, upstream: Upstream) -> None:
    response = agent.create_tunnel(name="sub", proto="http", addr=str(upstream.port), subdomain="mysub", bind_tls=False)
    assert response.status_code == 201, response.text
    url = response.json()["public_url"]
    assert url.startswith("http://mysub.localhost:")
    port = url.rsplit(":", 1)[1]
    ok = httpx.get(f"http://127.0.0.1:{port}/s", headers={"Host": f"mysub.localhost:{port}"}, timeout=30)
    assert ok.status_code == 200 and ok.text == "hello /s"
    wrong = httpx.get(f"http://127.0.0.1:{port}/s", headers={"Host": f"other.localhost:{port}"}, timeout=30)
    assert wrong.status_code == 404 and "ERR_NGROK_3200" in wrong.text
    # the same subdomain cannot be taken twice while bound
    again = agent.create_tunnel(name="sub2", proto="http", addr=str(upstream.port), subdomain="mysub", bind_tls=False)
    assert again.status_code == 502
    assert again.json()["error_code"] == 103 and "ERR_NGROK_310" in again.json()["details"]["err"]


def test_deleting_a_tunnel_unbinds_it(agent: Agent, upstream: Upstream, edge: LocalEdge) -> None:
    response = agent.create_tunnel(name="gone", proto="http", addr=str(upstream.port), bind_tls=False)
    assert response.status_code == 201, response.text
    url = response.json()["public_url"]
    bind_id = next(t.id for t in edge.tunnels if t.url == url)
    assert httpx.get(f"{url}/before", timeout=30).status_code == 200
    since = edge.mark()
    assert httpx.delete(f"{agent.api}/tunnels/gone", timeout=30).status_code == 204
    edge.wait_for_event("unbind", since=since, match=lambda e: e.detail["bind_id"] == bind_id)
    assert all(t.id != bind_id for t in edge.tunnels)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/after", timeout=30)


def test_https_listener_presents_the_edge_ca(web: dict[str, str], edge: LocalEdge) -> None:
    port = int(web["https"].rsplit(":", 1)[1])
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"https://localhost:{port}/", verify=ssl.create_default_context(), timeout=30)
