"""Kept-alive and pipelined connections through the local edge, with the real ngrok 2.3.41 agent: every request is
checked (basic auth, Host routing), bodies are framed correctly, and a refused request is never forwarded."""

from __future__ import annotations

import base64
import hashlib
import http.client
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.edge.agent_harness import Agent, Upstream

pytestmark = pytest.mark.integration

AUTH = "Basic " + base64.b64encode(b"user:s3cret").decode()


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


@pytest.fixture(scope="module")
def locked(agent: Agent, upstream: Upstream) -> str:
    """An http tunnel with basic auth (user:s3cret): its public URL."""
    response = agent.create_tunnel(
        name="ka-locked", proto="http", addr=str(upstream.port), auth="user:s3cret", bind_tls=False
    )
    assert response.status_code == 201, response.text
    return str(response.json()["public_url"])


@pytest.fixture
def conn(locked: str) -> Iterator[http.client.HTTPConnection]:
    connection = http.client.HTTPConnection("127.0.0.1", _port(locked), timeout=30)
    yield connection
    connection.close()


def _get(conn: http.client.HTTPConnection, path: str, **headers: str) -> tuple[int, bytes, str | None]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read(), response.getheader("Connection")


def test_a_later_request_without_auth_is_refused_on_the_same_connection(
    conn: http.client.HTTPConnection, upstream: Upstream
) -> None:
    assert _get(conn, "/ka-auth-1", Authorization=AUTH)[:2] == (200, b"hello /ka-auth-1")
    first_socket = conn.sock
    assert _get(conn, "/ka-auth-2", Authorization=AUTH)[:2] == (200, b"hello /ka-auth-2")
    assert conn.sock is first_socket  # still the same kept-alive connection
    status, body, connection = _get(conn, "/ka-auth-3")  # no credentials
    assert (status, connection) == (401, "close") and b"Authorization required" in body
    assert _get(conn, "/ka-auth-4", Authorization=AUTH)[:2] == (200, b"hello /ka-auth-4")
    assert conn.sock is not first_socket  # http.client had to reconnect after the refusal closed the connection
    wrong = "Basic " + base64.b64encode(b"user:wrong").decode()
    assert _get(conn, "/ka-auth-5", Authorization=wrong)[0] == 401
    assert "/ka-auth-3" not in upstream.seen and "/ka-auth-5" not in upstream.seen


def test_a_pipelined_refused_request_is_never_forwarded(locked: str, upstream: Upstream) -> None:
    host = f"localhost:{_port(locked)}"
    ok = "GET /ka-pipe-{} HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: " + AUTH + "\r\n\r\n"
    refused = "GET /ka-pipe-3 HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
    with socket.create_connection(("127.0.0.1", _port(locked)), timeout=30) as sock:
        sock.sendall((ok.format(1) + ok.format(2) + refused).encode())
        received = b""
        while data := sock.recv(65536):  # the edge closes after the refusal
            received += data
    answers = received.split(b"HTTP/1.1 ")[1:]
    # the refusal comes last; answers to the two admitted requests still in flight when the agent got end-of-input
    # may be cut short (see the module docstring of typed_ngrok.edge._tunnels)
    assert answers and answers[-1].startswith(b"401 Unauthorized")
    assert all(answer.startswith(b"200 OK") for answer in answers[:-1])
    assert "/ka-pipe-3" not in upstream.seen


def test_bodies_are_framed_between_requests(conn: http.client.HTTPConnection, upstream: Upstream) -> None:
    headers = {"Authorization": AUTH}
    body = bytes(range(256)) * 4096  # 1 MiB with Content-Length
    conn.request("POST", "/ka-len", body=body, headers=headers)
    assert conn.getresponse().read() == f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
    first_socket = conn.sock
    pieces = [b"x" * 1000, b"chunk\r\n0\r\n\r\n-looking bytes", b"y" * 70000]
    conn.request("POST", "/ka-chunked", body=iter(pieces), headers=headers, encode_chunked=True)
    joined = b"".join(pieces)
    assert conn.getresponse().read() == f"{len(joined)} {hashlib.sha256(joined).hexdigest()}".encode()
    assert _get(conn, "/ka-after-bodies", Authorization=AUTH)[:2] == (200, b"hello /ka-after-bodies")
    assert _get(conn, "/ka-refused-after-bodies")[0] == 401  # the head after the chunked body was found and checked
    assert conn.sock is not first_socket or conn.sock is None
    assert upstream.seen.count("/ka-after-bodies") == 1 and "/ka-refused-after-bodies" not in upstream.seen


def test_a_later_request_for_another_host_is_refused(agent: Agent, upstream: Upstream) -> None:
    response = agent.create_tunnel(
        name="ka-sub", proto="http", addr=str(upstream.port), subdomain="kaa", bind_tls=False
    )
    assert response.status_code == 201, response.text
    port = _port(response.json()["public_url"])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        assert _get(connection, "/ka-host-1", Host=f"kaa.localhost:{port}")[:2] == (200, b"hello /ka-host-1")
        status, body, _ = _get(connection, "/ka-host-2", Host=f"other.localhost:{port}")
        assert status == 404 and b"ERR_NGROK_3200" in body
        assert _get(connection, "/ka-host-3", Host=f"kaa.localhost:{port}")[:2] == (200, b"hello /ka-host-3")
        # a second tunnel on the same port (hostname with that port): served, but not on kaa's connection
        other = agent.create_tunnel(
            name="ka-other", proto="http", addr=str(upstream.port), hostname=f"kab.localhost:{port}", bind_tls=False
        )
        assert other.status_code == 201, other.text
        assert other.json()["public_url"] == f"http://kab.localhost:{port}"
        status, body, _ = _get(connection, "/ka-host-4", Host=f"kab.localhost:{port}")
        assert status == 421 and b"another tunnel" in body
        assert _get(connection, "/ka-host-5", Host=f"kab.localhost:{port}")[:2] == (200, b"hello /ka-host-5")
    finally:
        connection.close()
    assert "/ka-host-2" not in upstream.seen and "/ka-host-4" not in upstream.seen
