"""ngrok's JavaScript SDK (npm ``@ngrok/ngrok`` 1.7.0) against the local edge, through a Node subprocess
(``sdk_js_runner.js``), with real upstreams."""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.edge.agent_harness import Upstream
from tests.edge.sdk_harness import SDK_VERSION, JsClient, b64
from tests.edge.test_edge_host_certs import verified_get
from typed_ngrok.edge import EdgeCertificates, LocalEdge

pytestmark = pytest.mark.integration


def _http(upstream: Upstream, *options: list[Any], kind: str = "http") -> dict[str, Any]:
    return {"kind": kind, "forward": f"http://127.0.0.1:{upstream.port}", "options": list(options)}


def _client(edge: LocalEdge) -> httpx.Client:
    return httpx.Client(verify=edge.certs.client_context(), timeout=30)


def test_auth_accepted_http_and_https_tunnels_reach_the_upstream(edge: LocalEdge, upstream: Upstream) -> None:
    listeners = [_http(upstream, ["scheme", "HTTP"]), _http(upstream)]
    with JsClient(edge, listeners, metadata="js-session") as js, _client(edge) as client:
        plain, secure = js.urls
        assert plain.startswith("http://localhost:")
        assert secure.startswith("https://localhost:")
        for url in (plain, secure):
            response = client.get(f"{url}/js?x=1")
            assert response.status_code == 200
            assert response.text == "hello /js?x=1"
        [facts] = [s for s in edge.sessions if s.metadata == "js-session"]
        assert facts.client_type == "ngrok-javascript"
        assert f"/{SDK_VERSION}" in facts.user_agent
        assert len(facts.tunnel_ids) == 2  # several listeners on one session


@pytest.mark.parametrize(
    ("token", "code"),
    [("wrong-token", "ERR_NGROK_107"), ("", "ERR_NGROK_4018")],
    ids=["wrong-token-107", "missing-token-4018"],
)
def test_auth_refused_with_ngrok_codes(token: str, code: str) -> None:
    with LocalEdge(authtoken="the-right-token") as edge, JsClient(edge, [], authtoken=token) as js:
        assert js.started["ok"] is False
        assert js.started["stage"] == "connect"
        assert code in js.started["error"]


REFUSED: dict[str, tuple[list[Any], str, str]] = {
    "oauth": (["oauth", "google"], "OAuth", "http"),
    "oidc": (["oidc", "https://issuer.example", "id", "secret"], "OIDC", "http"),
    "webhook-verification": (["webhookVerification", "twilio", "s3cret"], "WebhookVerification", "http"),
    "traffic-policy": (["trafficPolicy", '{"on_http_request": []}'], "TrafficPolicy", "http"),
    "compression": (["compression"], "Compression", "http"),
    "circuit-breaker": (["circuitBreaker", 0.5], "CircuitBreaker", "http"),
    "user-agent-filter": (["allowUserAgent", "curl.*"], "UserAgentFilter", "http"),
    "websocket-tcp-conversion": (["websocketTcpConversion"], "WebsocketTCPConverter", "http"),
    "tcp-proxy-proto": (["proxyProto", "1"], "ProxyProto", "tcp"),
    "tls-mutual-tls": (["mutualTlsca", b64(EdgeCertificates.generate().ca_pem)], "MutualTLS", "tls"),
    "http-mutual-tls": (["mutualTlsca", b64(EdgeCertificates.generate().ca_pem)], "MutualTLSCA", "http"),
    "deny-user-agent": (["denyUserAgent", "bot.*"], "UserAgentFilter", "http"),
    "policy": (["policy", '{"inbound": []}'], "TrafficPolicy", "http"),
    "app-protocol-http2": (["appProtocol", "http2"], "ForwardsProto", "http"),
    "http-pooling": (["poolingEnabled", True], "PoolingEnabled", "http"),
    "http-binding-internal": (["binding", "internal"], "Bindings", "http"),
    "tcp-traffic-policy": (["trafficPolicy", '{"on_tcp_connect": []}'], "TrafficPolicy", "tcp"),
    "tcp-pooling": (["poolingEnabled", True], "PoolingEnabled", "tcp"),
    "tls-proxy-proto": (["proxyProto", "1"], "ProxyProto", "tls"),
    "tls-traffic-policy": (["trafficPolicy", '{"on_tcp_connect": []}'], "TrafficPolicy", "tls"),
    "tls-pooling": (["poolingEnabled", True], "PoolingEnabled", "tls"),
}


@pytest.mark.parametrize("option", sorted(REFUSED))
def test_option_the_edge_cannot_honour_is_refused(edge: LocalEdge, upstream: Upstream, option: str) -> None:
    call, name, kind = REFUSED[option]
    with JsClient(edge, [_http(upstream, call, kind=kind)]) as js:
        assert js.started["ok"] is False, js.started
        assert js.started["stage"] == "listen"
        assert "ERR_NGROK_4012" in js.started["error"]
        assert name in js.started["error"]


def test_basic_auth_ip_restriction_and_headers_are_enforced(edge: LocalEdge, upstream: Upstream) -> None:
    listeners = [
        _http(upstream, ["scheme", "HTTP"], ["basicAuth", "bob", "hunter2-long"]),
        _http(upstream, ["scheme", "HTTP"], ["denyCidr", "127.0.0.0/8"]),
        _http(
            upstream,
            ["requestHeader", "X-Added", "js"],
            ["removeRequestHeader", "X-Secret"],
            ["responseHeader", "X-Answer-Added", "js"],
            ["removeResponseHeader", "X-Upstream-Drop"],
        ),
    ]
    with JsClient(edge, listeners) as js, _client(edge) as client:
        auth_url, denied_url, headers_url = js.urls
        codes = [
            client.get(f"{auth_url}/a").status_code,
            client.get(f"{auth_url}/a", auth=("bob", "wrong")).status_code,
            client.get(f"{auth_url}/a", auth=("bob", "hunter2-long")).status_code,
        ]
        assert codes == [401, 401, 200]
        assert client.get(f"{denied_url}/d").status_code == 403
        response = client.get(f"{headers_url}/headers", headers={"X-Secret": "s"})
        seen = response.json()
        assert seen["x-added"] == "js" and "x-secret" not in seen
        assert response.headers["x-answer-added"] == "js" and "x-upstream-drop" not in response.headers


def test_tcp_tunnel_and_listener_close_frees_the_port(edge: LocalEdge, upstream: Upstream) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    listeners = [_http(upstream, ["remoteAddr", f"127.0.0.1:{port}"], kind="tcp")]
    with JsClient(edge, listeners) as js:
        assert js.urls == [f"tcp://127.0.0.1:{port}"]
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET /js-tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        assert data.endswith(b"hello /js-tcp")
        assert js.command("close_listener", index=0) == {"ok": True}
        assert not [t for t in edge.tunnels if t.port == port]
        with socket.socket() as again:  # nothing listens there any more (closed connections may linger)
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            again.listen()


def test_domain_https_verifies_and_is_unique(edge: LocalEdge, upstream: Upstream) -> None:
    with JsClient(edge, [_http(upstream, ["domain", "js.localhost"])]) as js:
        [url] = js.urls
        assert url.startswith("https://js.localhost:")
        reply = verified_get(url, "/js-domain", edge.ca_path)
        assert reply.endswith(b"hello /js-domain")
        with JsClient(edge, [_http(upstream, ["domain", "js.localhost"])]) as rival:
            assert rival.started["ok"] is False and "ERR_NGROK_310" in rival.started["error"]


def test_tls_termination_with_the_clients_certificate(edge: LocalEdge, upstream: Upstream) -> None:
    own = EdgeCertificates.generate("js-owned")
    listeners = [_http(upstream, ["termination", b64(own.cert_pem + own.ca_pem), b64(own.key_pem)], kind="tls")]
    with JsClient(edge, listeners) as js:
        [url] = js.urls
        port = int(url.rsplit(":", 1)[1])
        with (
            socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
            own.client_context().wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"GET /js-tls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
        assert data.endswith(b"hello /js-tls")


def test_closed_session_fails_requests_fast(upstream: Upstream) -> None:
    with LocalEdge(answer_timeout=1.0) as edge, JsClient(edge, [_http(upstream, ["scheme", "HTTP"])]) as js:
        [url] = js.urls
        assert httpx.get(f"{url}/alive", timeout=30).status_code == 200
        mark = edge.mark()
        assert js.command("close") == {"ok": True}
        after = httpx.get(f"{url}/after-close", timeout=30)  # a new connection: not a hang
        assert after.status_code == 502
        edge.wait_for_event("session_closed", since=mark)
        assert httpx.get(f"{url}/after-drop", timeout=30).status_code == 404


def test_reconnects_after_an_edge_restart_and_receives_stop(upstream: Upstream) -> None:
    with LocalEdge() as edge, JsClient(edge, [_http(upstream, ["scheme", "HTTP"])], handleStop=True) as js:
        [url] = js.urls
        mark = edge.mark()
        edge.restart()
        edge.wait_for_event("bind", since=mark)
        assert [t.url for t in edge.tunnels] == [url]
        assert httpx.get(f"{url}/again", timeout=30).text == "hello /again"
        [session] = [s for s in edge.sessions if s.alive]
        reply = edge.stop_agent(session.id)
        assert not (reply or {}).get("Error")
        assert js.next_line() == {"event": "stop"}


def test_bind_refused_by_the_edge_carries_its_code(edge: LocalEdge, upstream: Upstream) -> None:
    edge.reject_binds()
    try:
        with JsClient(edge, [_http(upstream)]) as js:
            assert js.started["ok"] is False and js.started["stage"] == "listen"
            assert "ERR_NGROK_302" in js.started["error"]
    finally:
        edge.reject_binds(None)


# -- tests matching the Python SDK's (test_edge_sdk_python.py) ----------------------------------------------------
def test_client_facts_are_exposed(edge: LocalEdge, upstream: Upstream) -> None:
    listeners = [_http(upstream, ["scheme", "HTTP"], ["metadata", "js-bind-meta"])]
    with JsClient(edge, listeners, metadata="js-session-meta") as js:
        [url] = js.urls
        [facts] = [s for s in edge.sessions if s.metadata == "js-session-meta"]
        assert facts.client_type == "ngrok-javascript"
        assert facts.user_agent.startswith(f"ngrok-javascript/{SDK_VERSION} ")
        assert facts.agent_version == SDK_VERSION
        [tunnel] = [t for t in edge.tunnels if t.url == url]
        assert tunnel.metadata == "js-bind-meta"
        assert tunnel.forwards_to == f"http://127.0.0.1:{upstream.port}/"  # listenAndForward sends its target
        assert tunnel.session_id == facts.id


def _tls_upstream(own: EdgeCertificates, tmp_path: Path) -> tuple[socket.socket, threading.Thread]:
    """A TLS server (certificate of ``own``) that answers one line on each connection: ``upstream saw <line>``."""
    (tmp_path / "chain.pem").write_bytes(own.cert_pem + own.ca_pem)
    (tmp_path / "key.pem").write_bytes(own.key_pem)
    ctx = own.server_context(tmp_path / "chain.pem", tmp_path / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with contextlib.suppress(OSError):  # the listening socket closed: done
            while True:
                raw, _ = listener.accept()
                with contextlib.suppress(OSError), ctx.wrap_socket(raw, server_side=True) as conn:
                    line = conn.makefile("rb").readline()
                    conn.sendall(b"upstream saw " + line)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def _stop(server: socket.socket, thread: threading.Thread) -> None:
    with contextlib.suppress(OSError):
        server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (close() alone does not)
    server.close()
    thread.join(10)
    assert not thread.is_alive()


def test_tls_passthrough_reaches_a_tls_upstream(edge: LocalEdge, tmp_path: Path) -> None:
    own = EdgeCertificates.generate("js-tls-upstream")  # the upstream terminates; the edge only relays bytes
    server, thread = _tls_upstream(own, tmp_path)
    try:
        forward = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        with JsClient(edge, [{"kind": "tls", "forward": forward, "options": []}]) as js:
            [url] = js.urls
            assert [t.tls_termination for t in edge.tunnels if t.url == url] == [False]
            port = int(url.rsplit(":", 1)[1])
            with (
                socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
                own.client_context().wrap_socket(raw, server_hostname="localhost") as tls,  # verifies the upstream
            ):
                tls.sendall(b"js passthrough\n")
                reply = tls.makefile("rb").read()
            assert reply == b"upstream saw js passthrough\n"
    finally:
        _stop(server, thread)


def _tcp_exchange(url: str, payload: bytes) -> bytes:
    host, port = url.removeprefix("tcp://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(payload)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:  # closed with our request unread
            return b""
    return data


def test_ip_restriction_is_enforced_on_tcp(edge: LocalEdge, upstream: Upstream) -> None:
    listeners = [
        _http(upstream, ["denyCidr", "127.0.0.0/8"], kind="tcp"),
        _http(upstream, ["allowCidr", "127.0.0.0/8"], kind="tcp"),
    ]
    request = b"GET /js-tcp-ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with JsClient(edge, listeners) as js:
        denied, allowed = js.urls
        assert [t.ip_restricted for t in edge.tunnels if t.url in js.urls] == [True, True]
        assert _tcp_exchange(denied, request) == b""  # closed unanswered
        assert _tcp_exchange(allowed, request).endswith(b"hello /js-tcp-ip")


def test_ip_restriction_is_enforced_on_http(edge: LocalEdge, upstream: Upstream) -> None:
    cases = {
        "deny-loopback": ([["denyCidr", "127.0.0.0/8"]], 403),
        "allow-other": ([["allowCidr", "10.0.0.0/8"]], 403),
        "allow-loopback": ([["allowCidr", "127.0.0.1/32"], ["denyCidr", "10.0.0.0/8"]], 200),
        "deny-wins": ([["allowCidr", "127.0.0.0/8"], ["denyCidr", "127.0.0.1/32"]], 403),
    }
    listeners = [_http(upstream, ["scheme", "HTTP"], *options) for options, _ in cases.values()]
    with JsClient(edge, listeners) as js, _client(edge) as client:
        statuses = {name: client.get(f"{url}/ip").status_code for name, url in zip(cases, js.urls, strict=True)}
    assert statuses == {name: status for name, (_, status) in cases.items()}


@pytest.mark.parametrize("scheme", ["HTTP", "HTTPS"])
def test_basic_auth_and_headers_on_both_schemes(edge: LocalEdge, upstream: Upstream, scheme: str) -> None:
    listeners = [
        _http(upstream, ["scheme", scheme], ["basicAuth", "alice", "correct-horse"]),
        _http(
            upstream,
            ["scheme", scheme],
            ["requestHeader", "X-Added", "by-edge"],
            ["removeRequestHeader", "X-Secret"],
            ["responseHeader", "X-Answer-Added", "yes"],
            ["removeResponseHeader", "X-Upstream-Drop"],
        ),
    ]
    with JsClient(edge, listeners) as js, _client(edge) as client:
        auth_url, headers_url = js.urls
        assert auth_url.startswith(f"{scheme.lower()}://")
        missing = client.get(f"{auth_url}/private")
        wrong = client.get(f"{auth_url}/private", auth=("alice", "wrong-horse"))
        right = client.get(f"{auth_url}/private", auth=("alice", "correct-horse"))
        assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
        assert missing.headers["www-authenticate"] == 'Basic realm="ngrok"'
        assert [t.basic_auth for t in edge.tunnels if t.url == auth_url] == [True]
        response = client.get(f"{headers_url}/headers", headers={"X-Secret": "s", "X-Kept": "k"})
        seen = response.json()
        assert (seen["x-added"], seen["x-kept"]) == ("by-edge", "k") and "x-secret" not in seen
        assert response.headers["x-answer-added"] == "yes" and response.headers["x-upstream-keep"] == "kept"
        assert "x-upstream-drop" not in response.headers


def test_domain_is_routed_by_host(edge: LocalEdge, upstream: Upstream) -> None:
    with JsClient(edge, [_http(upstream, ["scheme", "HTTP"], ["domain", "js-route.localhost"])]) as js:
        [url] = js.urls
        assert url.startswith("http://js-route.localhost:")
        port = int(url.rsplit(":", 1)[1])
        [tunnel] = [t for t in edge.tunnels if t.url == url]
        assert (tunnel.host, tunnel.hostname) == ("js-route.localhost", "js-route.localhost")
        with httpx.Client(timeout=30) as client:
            routed = client.get(f"http://127.0.0.1:{port}/dom", headers={"Host": f"js-route.localhost:{port}"})
            other = client.get(f"http://127.0.0.1:{port}/dom", headers={"Host": f"else.localhost:{port}"})
        assert (routed.status_code, routed.text) == (200, "hello /dom")
        assert other.status_code == 404


def test_public_binding_is_served_and_others_refused(edge: LocalEdge, upstream: Upstream) -> None:
    listeners = [_http(upstream, ["scheme", "HTTP"], ["binding", "public"]), _http(upstream, ["binding", "internal"])]
    with JsClient(edge, listeners, each=True) as js, _client(edge) as client:
        public, internal = js.results
        assert client.get(f"{public['url']}/pub").text == "hello /pub"
        assert "ERR_NGROK_4012" in internal["error"] and "Bindings" in internal["error"]


def test_tls_termination_with_an_unusable_key_is_refused(edge: LocalEdge, upstream: Upstream) -> None:
    bogus_key = b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(b"x" * 48) + b"-----END PRIVATE KEY-----\n"
    own = EdgeCertificates.generate("js-bogus")
    with JsClient(edge, [_http(upstream, ["termination", b64(own.cert_pem), b64(bogus_key)], kind="tls")]) as js:
        assert js.started["ok"] is False and js.started["stage"] == "listen"
        assert "ERR_NGROK_4012" in js.started["error"] and "TLSTermination" in js.started["error"]


def test_labeled_listener_is_refused(edge: LocalEdge, upstream: Upstream) -> None:
    with JsClient(edge, [_http(upstream, ["label", "edge", "edghts_1"], kind="labeled")]) as js:
        assert js.started["ok"] is False and js.started["stage"] == "listen"
        assert "ERR_NGROK_4012" in js.started["error"]


def test_ip_restriction_is_enforced_on_tls(edge: LocalEdge, tmp_path: Path) -> None:
    own = EdgeCertificates.generate("js-tls-ip")
    server, thread = _tls_upstream(own, tmp_path)
    try:
        forward = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        listeners = [
            {"kind": "tls", "forward": forward, "options": [["denyCidr", "127.0.0.0/8"]]},
            {"kind": "tls", "forward": forward, "options": [["allowCidr", "127.0.0.0/8"]]},
        ]
        with JsClient(edge, listeners) as js:
            denied, allowed = (int(url.rsplit(":", 1)[1]) for url in js.urls)
            with (
                socket.create_connection(("127.0.0.1", denied), timeout=30) as raw,
                pytest.raises((ssl.SSLError, OSError)),  # closed before any handshake
            ):
                own.client_context().wrap_socket(raw, server_hostname="localhost")
            with (
                socket.create_connection(("127.0.0.1", allowed), timeout=30) as raw,
                own.client_context().wrap_socket(raw, server_hostname="localhost") as tls,
            ):
                tls.sendall(b"allowed\n")
                assert tls.makefile("rb").read() == b"upstream saw allowed\n"
    finally:
        _stop(server, thread)
