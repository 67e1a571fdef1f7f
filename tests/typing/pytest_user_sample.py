"""A user's webhook test written against typed-ngrok's pytest plugin, with no fixture of its own.

It must type-check under ``mypy --strict`` with no casts and no ignore comments (the project's mypy run covers it, and
tests/typing/test_user_code_types.py checks it with a snippet of mistakes), and it passes for real:
tests/integration/test_pytest_plugin.py copies it into a fresh folder as ``test_webhook.py`` and runs pytest on it
(the name keeps our own collection from picking it up here).
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from typed_ngrok import ngrok
from typed_ngrok.pytest_plugin import NgrokEdge, RequestsWaiter, TunnelFactory


class WebhookReceiver(BaseHTTPRequestHandler):
    """The application under test: answers 204 to every POST."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_webhook_arrives(ngrok_edge: NgrokEdge, ngrok_tunnel: TunnelFactory, ngrok_requests: RequestsWaiter) -> None:
    with serving() as port:
        tunnel = ngrok_tunnel(port)
        trusted = ssl.create_default_context(cafile=ngrok_edge.ca_path)
        with httpx.Client(verify=trusted, trust_env=False) as client:
            sent = client.post(f"{tunnel.public_url}/hooks/payment", json={"amount": 1234})
        assert sent.status_code == 204
        [captured] = ngrok_requests(tunnel)
        request = captured.parsed_request()
        assert (request.method, request.target) == ("POST", "/hooks/payment")
        assert request.json() == {"amount": 1234}
        response = captured.parsed_response()
        assert response is not None and response.status_code == 204


def test_the_previous_tunnel_was_disconnected(ngrok_edge: NgrokEdge) -> None:
    assert ngrok.get_tunnels(ngrok_edge.pyngrok_config) == []


def test_tcp_tunnel_and_options(ngrok_tunnel: TunnelFactory) -> None:
    with serving() as port:
        raw = ngrok_tunnel(port, "tcp")
        named = ngrok_tunnel(port, name="payments", bind_tls=True)
        assert raw.public_url.startswith("tcp://")
        assert (named.name, named.public_url.split("://")[0]) == ("payments", "https")
        print(json.dumps({"tcp": raw.proto, "named": named.proto}))
