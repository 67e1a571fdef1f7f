"""Stopping the edge closes every public connection's socket, the TLS ones whose close is still under way included."""

from __future__ import annotations

import gc
import socket
import ssl
import warnings
from collections.abc import Callable
from urllib.parse import urlsplit

from tests.edge.agent_harness import Agent, Upstream
from typed_ngrok.edge import LocalEdge


def test_stop_closes_a_tls_connection_waiting_for_the_clients_close_notify(
    spawn_agent: Callable[..., Agent], upstream: Upstream
) -> None:
    """The edge answers 404 for an unknown host and closes; over TLS that close waits (up to 30 s) for the client's
    close_notify, which this client never sends. Stopping the edge then must still close the socket: before, it was
    left open behind the stopped loop until garbage collection found it (a ResourceWarning in an unrelated test)."""
    edge = LocalEdge().start()
    try:
        agent = spawn_agent(edge)
        agent.wait_ready()
        response = agent.create_tunnel(name="tls-stop", proto="http", addr=str(upstream.port), bind_tls=True)
        assert response.status_code == 201, response.text
        port = urlsplit(response.json()["public_url"]).port
        assert port is not None
        context = ssl.create_default_context(cafile=edge.ca_path)
        context.check_hostname = False
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        client = context.wrap_socket(raw, server_hostname="localhost")
        client.sendall(b"GET / HTTP/1.1\r\nHost: elsewhere.localhost\r\n\r\n")
        answer = b""
        while b"ERR_NGROK_3200" not in answer:
            chunk = client.recv(65536)
            assert chunk, answer
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 404 "), answer
        agent.stop()
    finally:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            edge.stop()
            gc.collect()
    unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []
    try:
        assert client.recv(65536) == b""  # closed (the close_notify came earlier: the warnings above tell the fix)
    finally:
        client.close()
