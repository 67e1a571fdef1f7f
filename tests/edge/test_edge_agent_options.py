"""Options of the 2.3.41 agent: the ones it carries out itself, a requested tcp port, and metadata."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest

from tests.edge.agent_harness import Agent, Upstream, free_port
from typed_ngrok.edge import LocalEdge

pytestmark = pytest.mark.integration


def test_host_header_rewrite_is_done_by_the_agent(agent: Agent, upstream: Upstream) -> None:
    response = agent.create_tunnel(
        name="rewrite", proto="http", addr=str(upstream.port), host_header="rewrite", bind_tls=False
    )
    assert response.status_code == 201, response.text
    seen = httpx.get(f"{response.json()['public_url']}/headers", timeout=30).json()
    assert seen["host"] in (f"localhost:{upstream.port}", f"127.0.0.1:{upstream.port}")


def test_tcp_tunnel_on_a_requested_port(agent: Agent, upstream: Upstream) -> None:
    port = free_port()
    response = agent.create_tunnel(
        name="tcp-port", proto="tcp", addr=str(upstream.port), remote_addr=f"127.0.0.1:{port}"
    )
    assert response.status_code == 201, response.text
    assert response.json()["public_url"] == f"tcp://127.0.0.1:{port}"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /agent-port HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.endswith(b"hello /agent-port")


def test_session_and_tunnel_metadata_are_exposed(
    edge: LocalEdge, upstream: Upstream, spawn_agent: Callable[..., Agent]
) -> None:
    agent = spawn_agent(edge, metadata="agent-session-meta")
    agent.wait_ready()
    [facts] = [s for s in edge.sessions if s.alive and s.metadata == "agent-session-meta"]
    assert (facts.client_type, facts.agent_version) == ("", "2.3.41")
    response = agent.create_tunnel(
        name="meta", proto="http", addr=str(upstream.port), bind_tls=False, metadata="agent-bind-meta"
    )
    assert response.status_code == 201, response.text
    [tunnel] = [t for t in edge.tunnels if t.url == response.json()["public_url"]]
    assert (tunnel.metadata, tunnel.session_id) == ("agent-bind-meta", facts.id)
