"""https for named hosts: every https URL the edge hands out (subdomain, hostname, SDK domain) verifies against the
edge's ``ca_path`` in a real TLS client (OpenSSL via Python's ssl), because the edge presents a certificate minted for
exactly the name the client asks for (SNI)."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import pytest

from tests.edge.agent_harness import Agent, Upstream
from tests.edge.sdk_harness import py_session
from typed_ngrok.edge import LocalEdge

pytestmark = pytest.mark.integration


def verified_get(url: str, path: str, ca_path: str) -> bytes:
    """GET ``path`` from an https URL whose host need not resolve: connect to 127.0.0.1, verify for the URL's host."""
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.hostname and parts.port
    ctx = ssl.create_default_context(cafile=ca_path)  # hostname checking on, only the edge's CA trusted
    with (
        socket.create_connection(("127.0.0.1", parts.port), timeout=30) as raw,
        ctx.wrap_socket(raw, server_hostname=parts.hostname) as tls,
    ):
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize(
    ("options", "host"),
    [({"subdomain": "certsub"}, "certsub.localhost"), ({"hostname": "custom.example.test"}, "custom.example.test")],
    ids=["subdomain", "hostname"],
)
def test_agent_https_tunnels_for_named_hosts_verify(
    agent: Agent, upstream: Upstream, edge: LocalEdge, options: dict[str, str], host: str
) -> None:
    response = agent.create_tunnel(name=f"cert-{host}", proto="http", addr=str(upstream.port), **options)
    assert response.status_code == 201, response.text
    url = response.json()["public_url"]
    assert url.startswith(f"https://{host}:")
    reply = verified_get(url, "/named", edge.ca_path)
    assert reply.startswith(b"HTTP/1.") and reply.endswith(b"hello /named")


def test_a_name_the_certificate_was_not_minted_for_does_not_verify(edge: LocalEdge, agent: Agent) -> None:
    port = edge.port  # the agent link presents its own pinned certificate: never trusted via ca_path
    with pytest.raises(ssl.SSLCertVerificationError):
        verified_get(f"https://localhost:{port}", "/", edge.ca_path)


async def test_sdk_https_domain_verifies(edge: LocalEdge, upstream: Upstream) -> None:
    async with py_session(edge) as session:
        listener = (
            await session.http_endpoint()
            .domain("secure.localhost")
            .listen_and_forward(f"http://127.0.0.1:{upstream.port}")
        )
        assert listener.url().startswith("https://secure.localhost:")
        reply = verified_get(listener.url(), "/sdk-domain", edge.ca_path)
        assert reply.endswith(b"hello /sdk-domain")
